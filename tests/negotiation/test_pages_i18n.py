"""The negotiation pages with a silence procedure running, broken or adopted, read in each
UN language: no English interface text left (the every-page test sees them without one)."""

from __future__ import annotations

import datetime as dt

import pytest

from consult.db import db
from consult.negotiation import silence, status
from tests.conftest import login
from tests.test_every_page_translated import english_in, english_strings, interface_text


@pytest.mark.parametrize("lang", ["fr", "ar", "zh"])
def test_silence_pages_speak_the_readers_language(client, make_user, published, staff, clock,
                                                  lang):
    status.set_paragraph_statuses(staff, published, ["OP1"], "agreed", "")
    status.set_paragraph_statuses(staff, published, ["PP2"], "deleted", "")
    silence.start_silence(staff, published, until=clock.now + dt.timedelta(days=2),
                          message="Adopt unless silence is broken.")
    db.session.commit()
    base = f"/consultations/gpa/versions/{published.id}"
    strings = english_strings(lang)
    delegate = make_user("delegate", delegation="FRA")
    login(client, delegate.email)
    client.get("/")  # the "logged in" notice, shown once in the language of the log-in
    found = {}
    for name, path in (("version under silence", base), ("break form", base + "/silence/break"),
                       ("paragraph under silence", base + "/paragraphs/OP1")):
        page = client.get(f"{path}?lang={lang}")
        assert page.status_code == 200, name
        english = english_in(interface_text(page.get_data(as_text=True), lang), strings)
        if english:
            found[name] = english
    silence.break_silence(delegate, published, statement="France objects.")
    db.session.commit()
    page = client.get(f"{base}?lang={lang}").get_data(as_text=True)
    english = english_in(interface_text(page, lang), strings)
    if english:
        found["version after a break"] = english
    assert found == {}

"""The public log is worded in the reader's language from the facts each entry records."""

import datetime as dt
import html
import re

import pytest
from babel import dates as babel_dates
from sqlalchemy import select

from consult.audit.models import LogEntry
from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.moderation import services
from tests.comments.conftest import REV1
from tests.moderation.catalog import ARABIC, FRENCH, install_catalog
from consult.permissions import COMMAND_LINE


@pytest.fixture
def logged(version, staff, thread):
    """A publication, a hidden reply, a disposition, a withdrawn support, a deadline change."""
    services.hide_submission(staff, thread["reply"], reason_code="off_topic",
                             reason="Not about the text.")
    # The support is withdrawn before the decision: after it, supports are frozen.
    comments.withdraw_submission(thread["support"].author, thread["support"])
    services.set_disposition(staff, thread["amendment"], "incorporated")
    db.session.commit()
    deadline = (utcnow() + dt.timedelta(days=20)).replace(microsecond=0)
    services.change_deadline(staff, version, deadline.isoformat(), reason="More time.")
    db.session.commit()
    return {**thread, "version": version, "deadline": deadline}


def row(page: str, action: str, target_id: int) -> str:
    """The table row of the newest entry of `action` on `target_id`."""
    entry = db.session.scalars(select(LogEntry).where(
        LogEntry.action == action, LogEntry.target_id == target_id)
        .order_by(LogEntry.id.desc())).first()
    match = re.search(rf'<tr id="entry-{entry.id}".*?</tr>', page, flags=re.S)
    assert match, f"no row for entry {entry.id}"
    return match.group(0)


def cells(html_row: str) -> list[str]:
    """The cells of a row as the reader sees them (tags dropped, spaces collapsed)."""
    found = re.findall(r"<td>(.*?)</td>", html_row, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in found]


def entry_of(action: str) -> LogEntry:
    """The one entry of an action."""
    return db.session.scalars(select(LogEntry).where(LogEntry.action == action)).one()


def test_entries_record_facts_and_keep_the_english_label(logged):
    reply = entry_of("submission.hide")
    assert reply.details["target"] == {"kind": "comment", "reply": True, "delegation": "NOR",
                                       "proposer": None, "version_label": "Zero draft",
                                       "paragraph": "OP1"}
    assert reply.target_label == "comment NOR Zero draft OP1"
    support = entry_of("submission.withdraw")
    assert support.details["target"]["proposer"] == "FRA"
    assert support.target_label == "support NOR Zero draft OP1"
    publish = entry_of("version.publish")
    assert publish.details["target"] == {"version_label": "Zero draft", "symbol": None}
    assert publish.target_label == "Zero draft"


def test_the_log_page_words_each_entry_from_its_facts_in_french(client, app, logged,
                                                                monkeypatch, tmp_path):
    install_catalog(app, monkeypatch, tmp_path / "catalog", "fr", FRENCH)
    response = client.get("/moderation-log?lang=fr")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="fr"' in page
    reply = row(page, "submission.hide", logged["reply"].id)
    when, who, action, target, why = cells(reply)
    assert action == "contribution masquée"
    assert target == "réponse de NOR sur Zero draft OP1 (Global Plan of Action)"
    # The delegation's name in the reader's language; labels isolated for right-to-left.
    assert '<bdi><abbr title="Norvège">NOR</abbr></bdi>' in reply
    assert "<bdi>Zero draft</bdi> <bdi>OP1</bdi>" in reply
    assert why.endswith("Not about the text.")  # the moderator's words, as typed
    amendment = cells(row(page, "submission.disposition", logged["amendment"].id))
    assert amendment[3].startswith("amendement de FRA sur Zero draft OP1")
    support = cells(row(page, "submission.withdraw", logged["support"].id))
    assert support[3].startswith("appui de NOR à l'amendement de FRA sur Zero draft OP1")
    # Never the stored English label, nor English words around the facts.
    for english in ("comment NOR", "amendment FRA", "support NOR", " by ", " on "):
        assert english not in target + amendment[3] + support[3], english
    # The new deadline, in the reader's way of writing dates.
    deadline = row(page, "version.deadline", logged["version"].id)
    assert babel_dates.format_date(logged["deadline"], "long", locale="fr") in deadline
    assert f'datetime="{logged["deadline"].isoformat()}"' in deadline


def test_the_log_page_in_arabic(client, app, logged, monkeypatch, tmp_path):
    install_catalog(app, monkeypatch, tmp_path / "catalog", "ar", ARABIC)
    page = client.get("/consultations/gpa/log", headers={"Accept-Language": "ar"}) \
        .get_data(as_text=True)
    assert 'dir="rtl"' in page
    amendment = row(page, "submission.disposition", logged["amendment"].id)
    assert ('تعديل مقترح من <bdi><abbr title="فرنسا">FRA</abbr></bdi> على '
            '<bdi>Zero draft</bdi> <bdi>OP1</bdi>') in amendment
    assert "amendment FRA" not in amendment


def test_pages_show_the_facts_never_the_stored_label(client, app, staff, version, thread):
    # An entry whose stored label says something else: the page words the facts.
    services.record_action(staff, "submission.hide", "submission", thread["amendment"].id,
                           consultation_id=version.consultation_id,
                           target_label="STORED LABEL", details={"reason_code": "other"},
                           target_facts={"kind": "amendment", "reply": False,
                                         "delegation": "FRA", "proposer": None,
                                         "version_label": "Zero draft", "paragraph": "OP1"})
    db.session.commit()
    page = client.get("/moderation-log?lang=en").get_data(as_text=True)
    target = cells(row(page, "submission.hide", thread["amendment"].id))[3]
    assert target == "amendment by FRA on Zero draft OP1 (Global Plan of Action)"
    assert "STORED LABEL" not in page


def test_versions_with_a_symbol_and_the_system_as_actor(client, app, consultation, version,
                                                        monkeypatch, tmp_path):
    rev1 = drafts.create_version(COMMAND_LINE, consultation, label="Rev.1", text=REV1,
                                 symbol="A/AC.1/L.2", publish=True)
    db.session.commit()
    install_catalog(app, monkeypatch, tmp_path / "catalog", "fr", FRENCH)
    page = client.get("/moderation-log?lang=fr").get_data(as_text=True)
    when, who, action, target, why = cells(row(page, "version.publish", rev1.id))
    assert target == "Rev.1 (cote A/AC.1/L.2) (Global Plan of Action)"
    assert who == "système"  # published from the command line: no account


def test_the_log_api_gives_the_facts_and_a_description_in_the_readers_language(
        client, app, logged, monkeypatch, tmp_path):
    install_catalog(app, monkeypatch, tmp_path / "catalog", "fr", FRENCH)
    install_catalog(app, monkeypatch, tmp_path / "catalog", "ar", ARABIC)
    response = client.get("/api/v1/moderation-log?action=submission.hide",
                          headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    hide = response.get_json()["entries"][0]
    reply = logged["reply"].id
    assert hide["target"] == {
        "type": "submission", "id": reply, "label": "comment NOR Zero draft OP1",
        "url": f"http://localhost/consultations/gpa/submissions/{reply}",
        "kind": "comment", "reply": True, "delegation": "NOR", "proposer": None,
        "version_label": "Zero draft", "paragraph": "OP1"}
    assert hide["description"] == "réponse de NOR sur Zero draft OP1"
    assert hide["details"] == {} and hide["reason_code"] == "off_topic"
    arabic = client.get("/api/v1/moderation-log?action=submission.withdraw&lang=ar").get_json()
    assert arabic["entries"][0]["description"] == "تأييد من NOR لتعديل FRA على Zero draft OP1"
    english = client.get("/api/v1/moderation-log?action=version.publish").get_json()
    publish = english["entries"][0]
    assert publish["description"] == "Zero draft"
    assert publish["target"]["version_label"] == "Zero draft"
    assert publish["target"]["symbol"] is None and "kind" not in publish["target"]
    disposition = client.get("/api/v1/moderation-log?action=submission.disposition").get_json()
    assert disposition["entries"][0]["description"] == "amendment by FRA on Zero draft OP1"
    assert disposition["entries"][0]["details"] == {"disposition": "incorporated",
                                                    "previous": "pending"}

"""The record of a silence procedure outside the pages (issue 16, part 4): the Atom feed,
Akoma Ntoso (the adopted text as the final expression) and the public log."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from consult.db import db
from consult.negotiation import silence
from tests.archive.test_akn import NS, assert_valid
from tests.conftest import fresh

FEED = "/api/v1/consultations/gpa/feed.atom"


def test_a_broken_then_adopted_road_in_the_feed_and_akn(client, published, staff, clock,
                                                        make_user):
    silence.start_silence(staff, published, until=clock.now + dt.timedelta(hours=24),
                          message="Adopt unless broken.")
    db.session.commit()
    clock.advance(hours=2)
    silence.break_silence(make_user("delegate", delegation="FRA"), published,
                          statement="France cannot accept OP2.")
    db.session.commit()
    clock.advance(hours=1)
    silence.start_silence(staff, published, until=clock.now + dt.timedelta(hours=24),
                          message="Second attempt.")
    db.session.commit()

    before = client.get(f"/api/v1/versions/{published.id}/akn.xml")
    assert b"FRBRauthoritative" not in before.get_data()
    clock.advance(hours=24)
    fresh()
    feed = client.get(FEED).get_data(as_text=True)
    titles = [t.text for t in etree.fromstring(feed.encode()).iter(
        "{http://www.w3.org/2005/Atom}title")]
    assert "France broke silence on Zero draft" in titles
    assert "Zero draft adopted under silence procedure" in titles
    assert sum(t.startswith("Zero draft put under silence procedure until") for t in titles) == 2
    assert "France cannot accept OP2." in feed and "Adopt unless broken." in feed

    after = client.get(f"/api/v1/versions/{published.id}/akn.xml")
    root = etree.fromstring(after.get_data())
    assert_valid(root)
    assert root.find(".//a:FRBRExpression/a:FRBRauthoritative", NS).get("value") == "true"
    adoption = root.find(".//a:lifecycle/a:eventRef[@eId='evt_adoption']", NS)
    assert adoption.get("date") == clock.now.strftime("%Y-%m-%d")
    assert "adopted under silence procedure" in root.find(".//a:docStatus", NS).text
    assert after.headers["ETag"] != before.headers["ETag"]

    versions = client.get("/api/v1/consultations/gpa/export.json").get_json()["versions"]
    assert [(v["status"], v["silence"]) for v in versions] == [("final", "adopted")]
    assert versions[0]["silence_until"].startswith(clock.now.strftime("%Y-%m-%dT%H:%M"))

    log = client.get("/consultations/gpa/log").get_data(as_text=True)
    for words in ("silence procedure started", "silence broken",
                  "adopted under silence procedure"):
        assert words in log
    page = client.get(f"/consultations/gpa/versions/{published.id}").get_data(as_text=True)
    assert "Adopted under silence procedure on" in page and "final" in page
    assert "France cannot accept OP2." not in page  # the latest procedure was not broken

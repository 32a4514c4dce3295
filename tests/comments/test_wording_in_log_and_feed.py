"""Log entries and the feed show clean text, not Markdown source (issue 13, 2).

The demo's disposition note "Rev.1, OP12 now reads *Urges*." must read with Urges in
italics on pages, and as "now reads Urges." in the feed; a proposal's summary in the feed
is its words, not its source.
"""

from __future__ import annotations

import pytest
from lxml import etree

from consult.audit.models import LogEntry
from consult.comments import services
from consult.db import db
from consult.moderation import log_text
from consult.moderation.services import set_disposition
from tests.comments.conftest import paragraph

NS = {"a": "http://www.w3.org/2005/Atom"}
NOTE = "Rev.1, OP2 now reads *Calls upon*."


def _decided(version, fra, make_user, consultation):
    made = services.propose_amendment(fra, paragraph(version, "OP2"),
                                      "*Calls upon* States to protect victims:",
                                      "See the **Charter**.")
    cofacilitator = make_user("cofacilitator", consultations=[consultation])
    set_disposition(cofacilitator, made, "incorporated", NOTE)
    db.session.commit()
    return made


def test_feed_summaries_are_plain_text(client, version, fra, make_user, consultation):
    _decided(version, fra, make_user, consultation)
    root = etree.fromstring(client.get("/api/v1/consultations/gpa/feed.atom").get_data())
    summaries = {entry.find("a:category", NS).get("term"):
                 entry.findtext("a:summary", namespaces=NS)
                 for entry in root.findall("a:entry", NS)}
    assert summaries["disposition"] == "Rev.1, OP2 now reads Calls upon."
    assert summaries["amendment"] == ("Proposed text: Calls upon States to protect victims:"
                                      "\n\nSee the Charter.")


def test_log_reasons_render_markdown_on_pages(version, fra, make_user, consultation):
    made = _decided(version, fra, make_user, consultation)
    entry = db.session.query(LogEntry).filter_by(target_id=made.id,
                                                 action="submission.disposition").one()
    assert str(log_text.reason_html(entry)) == "Rev.1, OP2 now reads <em>Calls upon</em>."
    assert log_text.reason_plain(entry) == "Rev.1, OP2 now reads Calls upon."


def test_the_log_page_shows_the_note_rendered(client, version, fra, make_user, consultation):
    _decided(version, fra, make_user, consultation)
    html = client.get("/consultations/gpa/log").get_data(as_text=True)
    assert "now reads <em>Calls upon</em>." in html
    assert "*Calls upon*" not in html

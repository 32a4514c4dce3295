"""Issue 17, the probe's cases kept: hostile text through every writable field, read back
through every public channel (pages, API, feed, exports, Akoma Ntoso, search, the log).

Whatever is typed comes back as text: no script runs, no event handler or `javascript:`
link is made, no template or format string is evaluated, XML stays well-formed, nothing
answers 500.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from lxml import etree
from lxml import html as lxml_html

from consult.comments import services as comments
from consult.db import db
from consult.drafts import services as drafts
from consult.moderation import services as moderation
from consult.negotiation import silence, status
from consult.permissions import COMMAND_LINE

PAYLOADS = [
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert("x2")>',
    "[click](javascript:alert('x3'))",
    '<svg/onload=alert("x4")>',
    "{{ 7*191 }} {% raw %}",
    "%(x)s %s %d {0}",
    "' OR 1=1 --",
    "\u202eevil\u202c [x](data:text/html,<script>alert('x5')</script>)",
    '<a href="javascript:alert(\'x6\')">x</a>',
]
ALL = "\n\n".join(f"P{n}: {p}" for n, p in enumerate(PAYLOADS))

def _live(html: str) -> list[str]:
    """What of the payloads became live HTML: a script element, an event handler, a
    javascript: or data: link, an evaluated template (7*191 = 1337)."""
    root = lxml_html.document_fromstring(html)
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script" and "alert" in (element.text or ""):
            found.append("script element")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{element.tag} {name}")
            if name.lower() in ("href", "src", "action") and \
                    value.strip().lower().startswith(("javascript:", "data:")):
                found.append(f"{element.tag} {name}={value[:30]}")
    if re.search(r"\b1337\b", root.text_content()):
        found.append("template evaluated")
    return found


@pytest.fixture
def hostile(app, consultation, staff, make_user, monkeypatch):
    """A consultation where every writable field holds every payload."""
    drafts.update_consultation(COMMAND_LINE, consultation, title="GPA " + PAYLOADS[0],
                               mandate=PAYLOADS[1], description=ALL,
                               cofacilitators=PAYLOADS[5])
    text = f"# Plan {PAYLOADS[3]}\n\n*Recalling* {PAYLOADS[2]},\n\n1. {PAYLOADS[1]} acts;\n\n" \
           f"2. {PAYLOADS[4]} {PAYLOADS[5]};\n"
    version = drafts.create_version(staff, consultation, label="Zero " + PAYLOADS[5][:20],
                                    symbol="A/" + PAYLOADS[6][:20], text=text, publish=True,
                                    confirm_numbering=True)
    fra = make_user("delegate", delegation="FRA", name="Delegate " + PAYLOADS[1])
    nor = make_user("delegate", delegation="NOR")
    op1 = drafts.get_paragraph(fra, version, "OP1")
    comment = comments.post_comment(fra, op1, ALL)
    comments.post_comment(nor, op1, ALL, parent_id=comment.id)
    amendment = comments.propose_amendment(fra, op1, ALL, ALL)
    comments.post_statement(fra, version, ALL)
    hidden = comments.post_comment(nor, op1, "to hide " + ALL)
    moderation.hide_submission(staff, hidden, reason_code="other", reason=ALL)
    moderation.set_disposition(staff, amendment, "partly_incorporated", ALL)
    status.set_paragraph_statuses(staff, version, ["OP1"], "agreed", PAYLOADS[0] + PAYLOADS[2])
    db.session.commit()
    procedure = silence.start_silence(staff, version, until=dt.datetime.now(dt.timezone.utc)
                                      + dt.timedelta(days=2), message=ALL)
    silence.break_silence(fra, version, statement=ALL)
    db.session.commit()
    return {"version": version, "comment": comment, "amendment": amendment,
            "procedure": procedure}


def test_hostile_text_comes_back_as_text_everywhere(app, client, hostile):
    version = hostile["version"]
    base = f"/consultations/gpa/versions/{version.id}"
    pages = ["/", "/consultations/gpa", base, base + "/paragraphs/OP1", base + "/statements",
             base + "/compilation", f"/consultations/gpa/submissions/{hostile['comment'].id}",
             f"/consultations/gpa/submissions/{hostile['amendment'].id}",
             "/consultations/gpa/submissions", "/consultations/gpa/log", "/moderation-log",
             "/search?q=alert", "/search?q=" + "%3Cscript%3E", "/delegations/FRA"]
    found = {}
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        if _live(answer.get_data(as_text=True)):
            found[path] = _live(answer.get_data(as_text=True))
    assert found == {}

    for path in (f"/api/v1/versions/{version.id}", "/api/v1/consultations/gpa",
                 f"/api/v1/comments/{hostile['comment'].id}", "/api/v1/moderation-log",
                 "/api/v1/consultations/gpa/progress"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.is_json, path
        # JSON carries the words as typed; its HTML fields are as safe as the pages.
        for key, value in _strings(answer.get_json()):
            if key.endswith("html") and value.strip():
                assert not _live(f"<div>{value}</div>"), (path, key)

    feed = client.get("/api/v1/consultations/gpa/feed.atom")
    etree.fromstring(feed.get_data())  # well-formed whatever was typed
    akn = client.get(f"/api/v1/versions/{version.id}/akn.xml")
    etree.fromstring(akn.get_data())
    export = client.get("/api/v1/consultations/gpa/export.json")
    assert export.status_code == 200 and export.get_json()["consultation"]["title"].startswith(
        "GPA <script>")
    rows = list(csv.reader(io.StringIO(client.get(
        "/api/v1/consultations/gpa/export.csv?table=submissions").get_data(as_text=True))))
    # A cell a spreadsheet would run as a formula is defused; the text is still all there.
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def _strings(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str):
        yield key, value


@pytest.mark.parametrize("field, value", [("title", "\x00"), ("title", "x" * 100_000)])
def test_what_cannot_be_stored_is_refused_with_a_message(client, login_as, consultation, field,
                                                        value):
    from tests.conftest import csrf_token

    login_as("secretariat")
    token = csrf_token(client, "/consultations/gpa/edit")
    answer = client.post("/consultations/gpa/edit", data={
        "csrf_token": token, "title": value, "mandate": "", "description": "",
        "cofacilitators": "", "reference_date": ""})
    assert answer.status_code in (400, 413)
    db.session.rollback()
    assert db.session.get(type(consultation), consultation.id).title == "Global Plan of Action"


def test_the_check_sees_live_html():
    assert _live('<p><script>alert(1)</script><img src=x onerror=alert(2)>'
                 '<a href="javascript:alert(3)">x</a><a href=" data:text/html,x">y</a> 1337</p>') \
        == ["script element", "img onerror", "a href=javascript:alert(3)",
            "a href= data:text/html,x", "template evaluated"]
    assert _live("<p>&lt;script&gt;alert(1)&lt;/script&gt; "
                 "&lt;a href=\"javascript:x\"&gt;</p>") == []

"""The public page of a delegation: labelled names, status, links and excerpts, bounded."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import event, insert

from consult.auth.models import Delegation
from consult.comments import services as comments
from consult.comments.models import Submission
from consult.db import db, utcnow
from consult.moderation.services import hide_submission, set_disposition
# The published zero draft, France's delegate and the paragraph finder of the comments tests.
from tests.comments.conftest import fra, paragraph, version  # noqa: F401
from tests.conftest import login


def rows_of(html: str) -> list[str]:
    table = html[html.index('<table class="submissions-list"'):html.index("</table>")]
    return table.split("<tr")[2:]  # after the header row


def test_names_in_the_official_languages_are_labelled(client):
    html = client.get("/delegations/FRA").get_data(as_text=True)
    names = html[html.index('<ul class="names">'):]
    names = names[:names.index("</ul>")]
    items = re.findall(r'<li lang="(\w+)"><span dir="(\w+)" class="name">([^<]+)</span>\s*'
                       r'<span class="language" lang="en" dir="ltr">([^<]+)</span>', names)
    assert ("fr", "ltr", "France", "French") in items
    assert ("ar", "rtl", "فرنسا", "Arabic") in items
    assert ("zh", "ltr", "法国", "Chinese") in items
    assert len(items) == 6
    # The language's name in the reader's language.
    french = client.get("/delegations/FRA?lang=fr").get_data(as_text=True)
    assert "arabe" in french[french.index('<ul class="names">'):]


def test_status_where_and_excerpt_of_each_submission(client, version, fra, staff, make_user):
    op1, op2 = paragraph(version, "OP1"), paragraph(version, "OP2")
    note = comments.post_comment(
        fra, op1, "France welcomes the **trust fund** and [the report](https://un.org/r) "
                  "on victims.\n\n- first point\n- second point", language="fr")
    gone = comments.post_comment(fra, op1, "Withdrawn later.", language="en")
    comments.withdraw_submission(fra, gone)
    amendment = comments.propose_amendment(fra, op2, "*Urges* all States to protect victims:",
                                           "Stronger.", language="en")
    set_disposition(staff, amendment, "incorporated", "Done in Rev.1.")
    statement = comments.post_statement(fra, version, "France thanks the co-facilitators.",
                                        language="en")
    db.session.commit()

    html = client.get("/delegations/FRA").get_data(as_text=True)
    rows = {s.id: row for s in (note, gone, amendment, statement)
            for row in rows_of(html) if f"/submissions/{s.id}\"" in row}
    assert len(rows) == 4
    # Status: active, withdrawn, the disposition of a proposal.
    assert "Active" in rows[note.id] and "Withdrawn" in rows[gone.id]
    assert "incorporated" in rows[amendment.id]
    # Where: a link to the paragraph (or the statements) in its version.
    base = f"/consultations/gpa/versions/{version.id}"
    assert f'href="{base}/paragraphs/OP1#s{note.id}"' in rows[note.id]
    assert f'href="{base}/paragraphs/OP2#s{amendment.id}"' in rows[amendment.id]
    assert f'href="{base}/statements#s{statement.id}"' in rows[statement.id]
    # An excerpt in plain text, marked with its language.
    excerpt = re.search(r'<p class="excerpt" lang="fr" dir="auto">(.*?)</p>', rows[note.id],
                        re.S).group(1)
    assert excerpt.startswith("France welcomes the trust fund and the report on victims.")
    assert "**" not in excerpt and "https://" not in excerpt and "<" not in excerpt
    assert "first point second point" in excerpt
    assert "Urges all States to protect victims:" in rows[amendment.id]
    assert "France thanks the co-facilitators." in rows[statement.id]


def test_a_long_submission_is_cut_at_a_word(client, version, fra):
    words = " ".join(f"word{n}" for n in range(400))
    comments.post_comment(fra, paragraph(version, "OP1"), words, language="en")
    db.session.commit()
    html = client.get("/delegations/FRA").get_data(as_text=True)
    excerpt = re.search(r'<p class="excerpt"[^>]*>(.*?)</p>', html, re.S).group(1).strip()
    assert excerpt.endswith("…") and 150 < len(excerpt) <= 201
    assert excerpt[:-1].split()[-1] in words.split()  # no word cut in half


def test_hidden_submissions_show_to_staff_only_with_their_status(client, app, version, fra,
                                                                 staff):
    hidden = comments.post_comment(fra, paragraph(version, "OP1"), "Something hidden.",
                                   language="en")
    hide_submission(staff, hidden, reason_code="off_topic")
    db.session.commit()
    assert "Something hidden." not in client.get("/delegations/FRA").get_data(as_text=True)
    staff_client = app.test_client()
    login(staff_client, staff.email)
    html = staff_client.get("/delegations/FRA").get_data(as_text=True)
    assert "Something hidden." in html
    row = next(r for r in rows_of(html) if f"/submissions/{hidden.id}\"" in r)
    assert "Hidden by the moderators" in row
    author = app.test_client()
    login(author, fra.email)
    assert "Something hidden." in author.get("/delegations/FRA").get_data(as_text=True)


def _plant(version, fra, count: int) -> None:
    """Many submissions at once, straight into the table (the posting rate does not apply)."""
    op1 = paragraph(version, "OP1")
    start = utcnow() - dt.timedelta(days=1)
    db.session.execute(insert(Submission), [{
        "consultation_id": version.consultation_id, "version_id": version.id,
        "paragraph_id": op1.id, "key_id": op1.key_id, "kind": "comment",
        "delegation_id": fra.delegation_id, "author_id": fra.id, "language": "en",
        "body": f"Planted comment number {n}. " * 40, "body_html": "", "status": "active",
        "created_at": start + dt.timedelta(seconds=n), "revision": 0,
        "is_hidden": False, "under_hidden": False} for n in range(count)])
    db.session.commit()


def _queries_for(app, client, url: str) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_page_is_bounded_and_paginated(client, app, version, fra):
    from consult.auth.delegation_page import PER_PAGE

    _plant(version, fra, 5)
    few = _queries_for(app, client, "/delegations/FRA")
    _plant(version, fra, PER_PAGE * 2 + 5)
    many = _queries_for(app, client, "/delegations/FRA")
    assert many == few  # no query per row
    html = client.get("/delegations/FRA").get_data(as_text=True)
    assert len(rows_of(html)) == PER_PAGE
    assert "Page 1 of 3" in html and 'rel="next"' in html
    last = client.get("/delegations/FRA?page=3").get_data(as_text=True)
    assert len(rows_of(last)) == 10
    assert client.get("/delegations/FRA?page=4").status_code == 404
    assert db.session.get(Delegation, fra.delegation_id).code == "FRA"

"""The moderation queue (issue 13, item 8): supports are on their amendment, not items of
their own; after an action the queue comes back at the same place."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import event

from consult.comments import services as comments
from consult.db import db
from consult.moderation import services
from tests.comments.conftest import paragraph
from tests.conftest import csrf_token, login

QUEUE = "/consultations/gpa/moderation"


def words(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def items(html: str) -> list[str]:
    """The ids of the queue's top-level items, in order."""
    queue = html[html.index('<ol class="moderation-queue"'):]
    queue = queue[:queue.index("</ol>")]
    top = re.sub(r'<ul class="supports".*?</ul>', "", queue, flags=re.DOTALL)
    return re.findall(r'<li id="s(\d+)"', top)


def test_supports_are_listed_on_their_amendment_not_as_items(client, staff, thread, can):
    amendment, support = thread["amendment"], thread["support"]
    with_words = comments.support_amendment(can, amendment, "Canada agrees wholeheartedly.")
    db.session.commit()
    login(client, staff.email)
    html = client.get(QUEUE).get_data(as_text=True)
    assert str(support.id) not in items(html) and str(with_words.id) not in items(html)
    assert "3 submissions" in html
    entry = html[html.index(f'<li id="s{amendment.id}"'):]
    entry = entry[:entry.index('<li id="s', entry.index("</blockquote>"))] \
        if '<li id="s' in entry[1:] else entry
    assert "supported by Norway (NOR) and Canada (CAN)." in words(entry)
    # A support with words of its own can still be hidden, on its own, under the amendment.
    assert f'action="/consultations/gpa/submissions/{with_words.id}/hide"' in html
    assert "Canada agrees wholeheartedly." in html
    assert f'action="/consultations/gpa/submissions/{support.id}/hide"' not in html


def test_a_hidden_support_brings_its_amendment_into_the_hidden_view(client, staff, thread,
                                                                   can):
    with_words = comments.support_amendment(can, thread["amendment"], "Spam spam spam.")
    db.session.commit()
    services.hide_submission(staff, with_words, reason_code="advertising")
    db.session.commit()
    login(client, staff.email)
    html = client.get(QUEUE + "?show=hidden").get_data(as_text=True)
    assert items(html) == [str(thread["amendment"].id)]
    assert f'action="/consultations/gpa/submissions/{with_words.id}/restore"' in html
    # Its supporters no longer count Canada.
    meta = html.split(f'<li id="s{thread["amendment"].id}"')[1].split('<ul class="supports"')[0]
    assert "supported by Norway (NOR)." in words(meta) and "Canada" not in words(meta)


def test_the_queue_reads_the_supports_of_a_page_in_one_query(app, staff, version, make_user):
    op1 = paragraph(version, "OP1")
    authors = [make_user("delegate", delegation=code) for code in
               ("FRA", "NOR", "CAN", "DEU", "ITA")]
    for author in authors:
        amendment = comments.propose_amendment(author, op1, f"*Calls upon* {author.id} to act;")
        for other in authors:
            if other is not author:
                comments.support_amendment(other, amendment)
    db.session.commit()

    def queries(per_page):
        statements = []

        def count(conn, cursor, statement, *args):
            if statement != "BEGIN":
                statements.append(statement)

        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = services.moderation_queue(staff, version.consultation, per_page=per_page)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return page, statements

    page, statements = queries(3)
    assert page.total == 5 and len(page.submissions) == 3
    assert all(len(page.supporters(s)) == 4 for s in page.submissions)
    # As many queries for five items as for one: the supports come in one query.
    assert len(statements) == len(queries(1)[1]) == len(queries(5)[1])
    assert sum("parent_id IN" in q for q in statements) == 1


def test_after_hiding_the_queue_comes_back_at_the_item(client, staff, thread):
    login(client, staff.email)
    reply = thread["reply"]
    html = client.get(QUEUE + "?page=1").get_data(as_text=True)
    assert f'name="next" value="{QUEUE}?page=1#s{reply.id}"' in html
    response = client.post(f"/consultations/gpa/submissions/{reply.id}/hide", data={
        "csrf_token": csrf_token(client, QUEUE), "reason_code": "off_topic",
        "next": f"{QUEUE}?page=1#s{reply.id}"})
    assert response.headers["Location"] == f"{QUEUE}?page=1#s{reply.id}"


def test_in_the_pending_view_a_decided_proposal_leaves_and_the_queue_comes_back_at_the_next(
        client, staff, thread, version, nor):
    second = comments.propose_amendment(nor, paragraph(version, "OP2"),
                                        "*Urges* States to protect all victims:")
    db.session.commit()
    login(client, staff.email)
    html = client.get(QUEUE + "?show=pending").get_data(as_text=True)
    assert items(html) == [str(second.id), str(thread["amendment"].id)]
    # Deciding on the first brings the moderator to the one after it, which stays listed.
    form = html[html.index(f'<li id="s{second.id}"'):html.index(
        f'<li id="s{thread["amendment"].id}"')]
    assert f'name="next" value="{QUEUE}?show=pending#s{thread["amendment"].id}"' in form

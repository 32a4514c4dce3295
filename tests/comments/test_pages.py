"""Participation through the HTML pages, as delegates and readers use them (no JavaScript).

Each test posts through the real forms (with their CSRF token) and checks what a reader
then sees on the paragraph page, the version page, the submission page or the delegation
page.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from consult.moderation import services as moderation
from consult.comments.models import Submission, SubmissionKind, SubmissionStatus
from consult.db import db, utcnow
from consult.drafts import services as drafts
from tests.conftest import SMALL_DRAFT, csrf_token, fresh, login
from consult.permissions import COMMAND_LINE

ZERO = "/consultations/gpa/versions/{id}"
# Rev.1 of SMALL_DRAFT: OP1 edited, OP3 removed.
REV1_TEXT = SMALL_DRAFT.replace("3. *Decides* to review the plan.\n", "").replace(
    "act;", "act without delay;")


# --- helpers -------------------------------------------------------------------------------


def publish(staff, consultation, label="Zero draft", text=SMALL_DRAFT):
    found = drafts.create_version(staff, consultation, label=label, text=text,
                                  comments_close_at=utcnow() + dt.timedelta(days=10),
                                  publish=True)
    db.session.commit()
    return found


@pytest.fixture
def zero(staff, consultation):
    """The zero draft, published and open for comment."""
    return publish(staff, consultation)


def para_url(version, label="OP1") -> str:
    return f"{ZERO.format(id=version.id)}/paragraphs/{label}"


def text_of(html: str) -> str:
    """What a reader sees: tags removed, entities decoded, spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def seen(html: str) -> str:
    """Visible text with spaces before punctuation, and after "(", removed ("FRA , NOR" →
    "FRA, NOR"; names isolated in <bdi> leave such spaces)."""
    return re.sub(r"\(\s+", "(", re.sub(r"\s+([,.:;)])", r"\1", text_of(html)))


def thread_html(html: str) -> str:
    """The thread section of a paragraph page."""
    start = html.index('<section id="thread"')
    return html[start:html.index("</section>", start)]


@pytest.fixture
def delegate_client(app, make_user):
    """delegate_client("FRA") → (a logged-in test client, the user)."""

    def make(code="FRA", role="delegate", name=None):
        user = make_user(role, delegation=code, name=name or f"Delegate of {code}")
        browser = app.test_client()
        assert login(browser, user.email).status_code == 302
        return browser, user

    return make


def post(browser, action, page, **data):
    """Submit a form found on `page`, with the page's CSRF token."""
    data.setdefault("csrf_token", csrf_token(browser, page))
    return browser.post(action, data=data)


def comment(browser, version, body, label="OP1", **extra):
    page = para_url(version, label)
    return post(browser, page + "/submissions", page, kind="comment", body=body, **extra)


def amend(browser, version, proposed, body="", label="OP1"):
    page = para_url(version, label)
    return post(browser, page + "/submissions", page, kind="amendment",
                proposed_text=proposed, body=body)


def submission_action(browser, version, submission_id, action, label="OP1"):
    return post(browser, f"/consultations/gpa/submissions/{submission_id}/{action}",
                para_url(version, label))


def stored() -> list[Submission]:
    fresh()
    return list(db.session.scalars(select(Submission).order_by(Submission.id)))


def count_stored() -> int:
    fresh()
    return db.session.scalar(select(func.count(Submission.id)))


# --- posting and reading -------------------------------------------------------------------


def test_comment_is_shown_on_the_paragraph_attributed_to_the_delegation(client, zero,
                                                                         delegate_client):
    fra, _ = delegate_client("FRA", name="Marie Curie")
    response = comment(fra, zero, "We **strongly** support this paragraph.", language="en")
    (saved,) = stored()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{para_url(zero)}#s{saved.id}")
    assert "Your comment is published." in fra.get(response.headers["Location"]).get_data(
        as_text=True)

    html = client.get(para_url(zero)).get_data(as_text=True)  # the public
    thread = thread_html(html)
    assert "<strong>strongly</strong>" in thread
    assert f'id="s{saved.id}"' in thread
    words = seen(thread)
    assert "Comment · France (FRA). Posted by Marie Curie." in words
    assert saved.created_at.strftime("%H:%M UTC") in words
    assert f"/consultations/gpa/submissions/{saved.id}" in thread  # permanent link
    assert "Comments and proposals on OP1 (1)" in words


def test_reply_is_nested_under_its_parent(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    comment(fra, zero, "Should victims be named here?")
    (first,) = stored()
    response = comment(nor, zero, "Yes, and survivors too.", parent_id=str(first.id))
    assert response.status_code == 303
    reply = stored()[1]
    assert reply.parent_id == first.id
    thread = thread_html(client.get(para_url(zero)).get_data(as_text=True))
    parent_at = thread.index(f'id="s{first.id}"')
    replies_at = thread.index('<ol class="replies">', parent_at)
    assert thread.index(f'id="s{reply.id}"') > replies_at
    assert "Reply · Norway (NOR). Posted by Delegate of NOR." in seen(thread)


def test_reply_form_works_without_javascript(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    comment(fra, zero, "A first comment.")
    (first,) = stored()
    html = nor.get(para_url(zero)).get_data(as_text=True)
    details = html[html.index('<details class="reply"'):]
    assert details.index("<summary>Reply</summary>") < details.index(
        f'name="parent_id" value="{first.id}"') < details.index("</details>")


def test_amendment_is_shown_as_marked_changes_and_support_is_attributed(client, zero,
                                                                         delegate_client):
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    can, _ = delegate_client("CAN")
    # The form starts from the paragraph's current wording, as words, not Markdown.
    form = fra.get(para_url(zero)).get_data(as_text=True)
    assert re.search(r'<textarea id="amendment-text"[^>]*>Calls upon Member States to '
                     r'act;</textarea>', form)
    response = amend(fra, zero, "*Calls upon* all Member States to act;",
                     body="All of them, without exception.")
    assert response.status_code == 303
    (amendment,) = stored()
    assert amendment.kind == SubmissionKind.amendment

    thread = thread_html(client.get(para_url(zero)).get_data(as_text=True))
    assert re.search(r"<ins>\s*all\s*</ins>", thread)
    assert "All of them, without exception." in thread
    assert "Proposed amendment · Proposed by France (FRA). Posted by Delegate of FRA." in seen(thread)
    # The clean wording, rendered as the paragraph is (issue 13): no Markdown source.
    assert "<em>Calls upon</em> all Member States to act;" in thread

    assert submission_action(nor, zero, amendment.id, "support").status_code == 303
    assert submission_action(can, zero, amendment.id, "support").status_code == 303
    thread = thread_html(client.get(para_url(zero)).get_data(as_text=True))
    assert ("Proposed by France (FRA); supported by Norway (NOR) and Canada (CAN). "
            "Posted by Delegate of FRA.") in seen(thread)

    # NOR sees the button to take its support back, and does.
    assert "Withdraw our support" in nor.get(para_url(zero)).get_data(as_text=True)
    assert submission_action(nor, zero, amendment.id, "unsupport").status_code == 303
    thread = thread_html(client.get(para_url(zero)).get_data(as_text=True))
    assert "Proposed by France (FRA); supported by Canada (CAN)." in seen(thread)
    withdrawn = [s for s in stored() if s.kind == SubmissionKind.support
                 and s.status == SubmissionStatus.withdrawn]
    assert [s.delegation.code for s in withdrawn] == ["NOR"]  # kept in the record


def test_own_delegation_cannot_support_its_proposal_and_is_told_why(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    fra2, _ = delegate_client("FRA")
    amend(fra, zero, "*Calls upon* all Member States to act;")
    (amendment,) = stored()
    assert "Support this proposal" not in fra2.get(para_url(zero)).get_data(as_text=True)
    response = submission_action(fra2, zero, amendment.id, "support")
    assert response.status_code == 400
    assert "own delegation" in response.get_data(as_text=True)
    assert count_stored() == 1


def test_amendment_without_proposed_text_keeps_the_explanation(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    response = amend(fra, zero, "   ", body="My careful explanation.")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "An amendment needs the proposed wording" in html
    assert re.search(r'<textarea id="amendment-body"[^>]*>My careful explanation\.</textarea>',
                     html)
    assert count_stored() == 0


def test_statement_and_reply_on_the_statements_page(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    page = f"{ZERO.format(id=zero.id)}/statements"
    response = post(fra, page, page, body="France welcomes the zero draft.", language="fr")
    assert response.status_code == 303
    (statement,) = stored()
    assert statement.kind == SubmissionKind.statement and statement.paragraph_id is None
    assert response.headers["Location"].endswith(f"{page}#s{statement.id}")
    post(nor, page, page, body="Norway agrees.", parent_id=str(statement.id))
    reply = stored()[1]
    assert reply.parent_id == statement.id

    html = client.get(page).get_data(as_text=True)
    words = seen(html)
    assert "General statements on Zero draft (2)" in words
    assert "General statement · France (FRA)." in words and "Reply · Norway (NOR)." in words
    assert html.index(f'id="s{reply.id}"') > html.index('<ol class="replies">')
    assert 'lang="fr"' in html
    version_page = client.get(ZERO.format(id=zero.id)).get_data(as_text=True)
    assert "1 general statement on this version" in seen(version_page)


# --- edit and withdraw ---------------------------------------------------------------------


def test_edit_keeps_the_earlier_text_readable(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    comment(fra, zero, "First wording of our view.")
    (saved,) = stored()
    edit_page = f"/consultations/gpa/submissions/{saved.id}/edit"
    form = fra.get(edit_page).get_data(as_text=True)
    assert "First wording of our view.</textarea>" in form
    assert 'name="revision" value="0"' in form
    response = post(fra, edit_page, edit_page, body="Second, better wording.", revision="0")
    assert response.status_code == 303

    thread = thread_html(client.get(para_url(zero)).get_data(as_text=True))
    assert "Second, better wording." in thread and "First wording" not in thread
    assert f'/submissions/{saved.id}#history">Edited</a>' in thread
    history = client.get(f"/consultations/gpa/submissions/{saved.id}").get_data(as_text=True)
    history = history[history.index('<section id="history">'):]
    assert "First wording of our view." in history
    assert "Text written" in history and "replaced" in history


def test_stale_edit_is_refused_and_keeps_the_typed_text(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    comment(fra, zero, "Original.")
    (saved,) = stored()
    edit_page = f"/consultations/gpa/submissions/{saved.id}/edit"
    assert post(fra, edit_page, edit_page, body="Edited once.", revision="0").status_code == 303
    response = post(fra, edit_page, edit_page, body="Edited from an old tab.", revision="0")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "edited elsewhere meanwhile" in html
    assert "Edited from an old tab.</textarea>" in html
    assert stored()[0].body == "Edited once."


def test_amendment_edit_changes_the_marked_wording(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    amend(fra, zero, "*Calls upon* all Member States to act;")
    (saved,) = stored()
    edit_page = f"/consultations/gpa/submissions/{saved.id}/edit"
    assert "*Calls upon* all Member States to act;</textarea>" in fra.get(edit_page).get_data(
        as_text=True)
    response = post(fra, edit_page, edit_page, proposed_text="*Calls upon* States to act now;",
                    body="Shorter.", revision="0")
    assert response.status_code == 303
    thread = thread_html(client.get(para_url(zero)).get_data(as_text=True))
    assert re.search(r"<ins>\s*now\s*</ins>", thread)
    assert re.search(r"<del>\s*Member\s*</del>", thread)


def test_nobody_edits_or_withdraws_someone_elses_submission(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    comment(fra, zero, "Ours.")
    (saved,) = stored()
    edit_page = f"/consultations/gpa/submissions/{saved.id}/edit"
    assert nor.get(edit_page).status_code == 403
    response = post(nor, edit_page, para_url(zero), body="Hijacked.", revision="0")
    assert response.status_code == 403
    response = submission_action(nor, zero, saved.id, "withdraw")
    assert response.status_code == 403
    assert "may not" in response.get_data(as_text=True)
    html = nor.get(para_url(zero)).get_data(as_text=True)
    assert f"/submissions/{saved.id}/edit" not in html
    assert f"/submissions/{saved.id}/withdraw" not in html
    (after,) = stored()
    assert after.body == "Ours." and after.status == SubmissionStatus.active


def test_withdrawn_submission_stays_visible_and_marked(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    comment(fra, zero, "We may change our mind.")
    (saved,) = stored()
    html = fra.get(para_url(zero)).get_data(as_text=True)
    assert f"/submissions/{saved.id}/withdraw" in html and f"/submissions/{saved.id}/edit" in html
    response = submission_action(fra, zero, saved.id, "withdraw")
    assert response.status_code == 303
    assert stored()[0].status == SubmissionStatus.withdrawn

    thread = thread_html(client.get(para_url(zero)).get_data(as_text=True))
    assert "We may change our mind." in thread
    assert "Withdrawn" in seen(thread)
    assert "is-withdrawn" in thread
    own = thread_html(fra.get(para_url(zero)).get_data(as_text=True))
    assert f"/submissions/{saved.id}/edit" not in own  # nothing more to do with it
    assert f'name="parent_id" value="{saved.id}"' not in own  # no replies to it
    page = client.get(f"/consultations/gpa/submissions/{saved.id}").get_data(as_text=True)
    assert "Withdrawn by its author on" in page


# --- refusals keep the delegate's words ----------------------------------------------------


def test_closed_version_refuses_with_the_message_and_keeps_the_typed_text(client, zero,
                                                                         delegate_client):
    fra, _ = delegate_client("FRA")
    token = csrf_token(fra, para_url(zero))  # the form was opened before the deadline
    zero.comments_close_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    response = fra.post(para_url(zero) + "/submissions",
                        data={"csrf_token": token, "kind": "comment",
                              "body": "Typed for an hour, sent a minute late."})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Comments on Zero draft closed on" in html and "nothing was saved" in html
    assert "Typed for an hour, sent a minute late.</textarea>" in html
    assert count_stored() == 0
    # Reading goes on; the page says plainly that the period is closed.
    public = client.get(para_url(zero)).get_data(as_text=True)
    assert "Comments on Zero draft are closed" in public
    own = fra.get(para_url(zero)).get_data(as_text=True)
    assert 'id="comment-body"' not in own and "are closed" in own


def test_blank_comment_is_refused_and_nothing_is_stored(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    response = comment(fra, zero, "  \n\t ")
    assert response.status_code == 400
    assert "the text is empty" in response.get_data(as_text=True)
    assert count_stored() == 0


@pytest.mark.parametrize("field, value, message", [
    ("kind", "statement", "Choose a comment or a proposed amendment"),
    ("kind", "bogus", "Choose a comment or a proposed amendment"),
    ("language", "xx", "Unknown language"),
    ("parent_id", "12abc", "not a valid id"),
    ("parent_id", "999999", "does not exist"),
])
def test_bad_form_fields_are_refused_clearly(zero, delegate_client, field, value, message):
    fra, _ = delegate_client("FRA")
    page = para_url(zero)
    data = {"kind": "comment", "body": "Kept text.", field: value}
    response = post(fra, page + "/submissions", page, **data)
    html = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500
    assert message in html
    assert count_stored() == 0


def test_reply_to_a_submission_on_another_paragraph_is_refused(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    comment(fra, zero, "On OP1.")
    (first,) = stored()
    response = comment(fra, zero, "Misplaced reply.", label="OP2", parent_id=str(first.id))
    assert response.status_code == 400
    assert "same paragraph" in response.get_data(as_text=True)
    assert "Misplaced reply.</textarea>" in response.get_data(as_text=True)
    assert count_stored() == 1


def test_reply_to_a_withdrawn_submission_is_refused_and_keeps_the_text(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    comment(fra, zero, "Soon withdrawn.")
    (first,) = stored()
    token = csrf_token(nor, para_url(zero))
    submission_action(fra, zero, first.id, "withdraw")
    response = nor.post(para_url(zero) + "/submissions",
                        data={"csrf_token": token, "kind": "comment", "body": "Late answer.",
                              "parent_id": str(first.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "was withdrawn by its author" in html
    assert "Late answer.</textarea>" in html
    assert count_stored() == 1


def test_too_long_text_is_413_and_kept(app, zero, delegate_client):
    app.config["MAX_SUBMISSION_CHARS"] = 50
    fra, _ = delegate_client("FRA")
    text = "A long statement. " * 5
    response = comment(fra, zero, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "at most 50 are accepted" in html
    assert text.strip() in unescape(html)
    assert count_stored() == 0


def test_huge_request_is_a_413_page(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    response = comment(fra, zero, "x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert count_stored() == 0


def test_nul_and_invalid_utf8_are_refused_or_stored_safely(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    response = comment(fra, zero, "before\x00after")
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert count_stored() == 0
    token = csrf_token(fra, para_url(zero))
    raw = (f"csrf_token={token}&kind=comment&body=".encode() + b"caf\xe9 \xff\xfe ok")
    response = fra.post(para_url(zero) + "/submissions", data=raw,
                        content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 400)
    for saved in stored():  # if kept, then as valid text
        saved.body.encode("utf-8")


def test_rate_limit_gives_a_429_page_and_keeps_the_text(app, zero, delegate_client):
    app.config["POST_RATE_LIMIT"] = "2 per minute"
    fra, _ = delegate_client("FRA")
    assert comment(fra, zero, "One.").status_code == 303
    assert comment(fra, zero, "Two.").status_code == 303
    response = comment(fra, zero, "Three, too fast.")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Please wait a minute" in html
    assert "Three, too fast.</textarea>" in html
    assert count_stored() == 2
    # Another delegate is not held back by France's pace.
    nor, _ = delegate_client("NOR")
    assert comment(nor, zero, "Norway's first.").status_code == 303


def test_form_without_csrf_token_is_refused_and_nothing_stored(zero, delegate_client):
    fra, _ = delegate_client("FRA")
    response = fra.post(para_url(zero) + "/submissions",
                        data={"kind": "comment", "body": "Forged."})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    page = f"{ZERO.format(id=zero.id)}/statements"
    assert fra.post(page, data={"body": "Forged statement."}).status_code == 400
    assert count_stored() == 0


# --- who sees which forms --------------------------------------------------------------------


def test_public_sees_threads_but_no_forms(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    amend(fra, zero, "*Calls upon* all Member States to act;")
    html = client.get(para_url(zero)).get_data(as_text=True)
    main = html[html.index("<main"):]
    assert "Proposed by France (FRA)" in seen(main)
    assert "<form" not in main.split("<footer")[0]
    assert "Log in as a delegate or observer to comment" in main
    statements = client.get(f"{ZERO.format(id=zero.id)}/statements").get_data(as_text=True)
    assert 'id="statement"' not in statements
    assert "Log in as a delegate or observer" in statements
    # Posting without being logged in (a session that ended while writing, say) is refused
    # with the text kept in the form, and stores nothing.
    token = csrf_token(client)
    response = client.post(para_url(zero) + "/submissions",
                           data={"csrf_token": token, "kind": "comment", "body": "Anonymous."})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Please log in first." in html and "Anonymous.</textarea>" in html
    assert count_stored() == 1  # the amendment only


@pytest.mark.parametrize("role", ["cofacilitator", "secretariat"])
def test_staff_read_but_are_not_offered_forms(app, zero, make_user, delegate_client, role):
    fra, _ = delegate_client("FRA")
    comment(fra, zero, "A delegation speaks.")
    user = make_user(role, delegation="PRT" if role == "cofacilitator" else None)
    browser = app.test_client()
    login(browser, user.email)
    html = browser.get(para_url(zero)).get_data(as_text=True)
    assert "A delegation speaks." in html
    assert 'id="comment-body"' not in html and 'id="amendment-text"' not in html
    response = comment(browser, zero, "Staff do not post.")
    assert response.status_code == 403
    assert count_stored() == 1


def test_observer_may_comment(client, zero, delegate_client):
    unodc, _ = delegate_client("UNODC", role="observer")
    assert comment(unodc, zero, "Technical assistance is available.").status_code == 303
    assert "Comment · United Nations Office on Drugs and Crime (UNODC)." in seen(thread_html(client.get(para_url(zero)).get_data(
        as_text=True)))


def test_hidden_submission_is_not_shown_to_the_public(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    comment(fra, zero, "Something the moderators hid.")
    (saved,) = stored()
    moderation.hide_submission(COMMAND_LINE, saved, reason_code="off_topic",
                               reason="Posted on the wrong paragraph.")
    db.session.commit()
    assert "Something the moderators hid." not in client.get(para_url(zero)).get_data(
        as_text=True)
    assert client.get(f"/consultations/gpa/submissions/{saved.id}").status_code == 404
    assert "Something the moderators hid." not in client.get("/delegations/FRA").get_data(
        as_text=True)
    # Its author still reads it, with the reason.
    own = fra.get(f"/consultations/gpa/submissions/{saved.id}").get_data(as_text=True)
    assert "Reason: Off topic: not about the text under consultation — Posted on the " \
        "wrong paragraph." in seen(own)


# --- the version page -------------------------------------------------------------------------


def test_version_page_counts_submissions_per_paragraph(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    comment(fra, zero, "One.")
    comment(nor, zero, "Two.")
    amend(fra, zero, "*Urges* States to protect all victims:", label="OP2")
    (amendment,) = [s for s in stored() if s.kind == SubmissionKind.amendment]
    submission_action(nor, zero, amendment.id, "support", label="OP2")  # not a thread entry

    html = client.get(ZERO.format(id=zero.id)).get_data(as_text=True)
    # Each link also names its paragraph, for screen readers (issue 13, item 10).
    hidden = r'<span class="visually-hidden"> \(paragraph {}\)</span>\s*'
    op1 = re.search(r'<a href="([^"]+)"[^>]*>\s*([^<]+)' + hidden.format("OP1") +
                    r'</a>\s*</p>\s*<div class="inline-thread" id="thread-OP1"', html)
    assert op1 and op1.group(1) == para_url(zero) + "#thread"
    assert op1.group(2).strip() == "2 comments and proposals"
    assert re.search(r'>\s*1 comment or proposal' + hidden.format("OP2") +
                     r'</a>\s*</p>\s*<div class="inline-thread" id="thread-OP2"', html)
    assert f'data-thread="{para_url(zero, "OP3")}?partial=thread"' in html
    assert re.search(r'>\s*Comment or propose an amendment' + hidden.format("OP3") +
                     r'</a>\s*</p>\s*<div class="inline-thread" id="thread-OP3"', html)
    assert '<script src="/static/consult.js" defer></script>' in html


def test_partial_thread_is_only_the_fragment(client, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    comment(fra, zero, "Seen inline.")
    response = client.get(para_url(zero) + "?partial=thread")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="thread"')
    assert "Seen inline." in html
    assert "<html" not in html and '<header class="site"' not in html and "<footer" not in html
    with client.get("/static/consult.js") as script:
        assert script.status_code == 200 and b"data-thread" in script.data


def test_earlier_threads_and_detached_submissions_on_a_later_version(client, staff,
                                                                    consultation,
                                                                    delegate_client):
    zero = publish(staff, consultation)
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    comment(fra, zero, "On the zero draft's OP1.")
    amend(nor, zero, "*Decides* to review the plan every year.", label="OP3")
    rev1 = publish(staff, consultation, label="Rev.1", text=REV1_TEXT)
    assert "OP3" not in [p.label for p in rev1.paragraphs]

    page = client.get(ZERO.format(id=rev1.id)).get_data(as_text=True)
    assert "1 on earlier versions" in seen(page)
    detached = page[page.index('id="detached"'):]
    assert "Submissions on paragraphs no longer in this version" in seen(detached)
    assert f'href="{para_url(zero, "OP3")}#thread"' in detached
    assert "Zero draft, OP3: 1 submission (NOR)" in seen(detached)

    thread = thread_html(client.get(para_url(rev1)).get_data(as_text=True))
    assert "No comments or proposals on this paragraph in Rev.1 yet." in thread
    assert "On Zero draft, OP1" in seen(thread)
    assert "On the zero draft's OP1." in thread
    # The old thread is read-only from here: replies go to the paragraph of the new text.
    own = thread_html(fra.get(para_url(rev1)).get_data(as_text=True))
    first = stored()[0]
    assert f'name="parent_id" value="{first.id}"' not in own


# --- permanent pages -------------------------------------------------------------------------


def test_submission_page_shows_replies_supporters_and_is_scoped_to_its_consultation(
        client, staff, zero, delegate_client):
    fra, _ = delegate_client("FRA")
    nor, _ = delegate_client("NOR")
    amend(fra, zero, "*Calls upon* all Member States to act;", body="Why: clarity.")
    (amendment,) = stored()
    submission_action(nor, zero, amendment.id, "support")
    comment(nor, zero, "We also like it.", parent_id=str(amendment.id))
    url = f"/consultations/gpa/submissions/{amendment.id}"
    html = client.get(url).get_data(as_text=True)
    words = seen(html)
    assert "Proposed by France (FRA); supported by Norway (NOR)." in words
    assert "We also like it." in html
    assert "Not edited since it was published" in words
    assert "<em>Calls upon</em> all Member States to act;" in html
    assert "*Calls upon*" not in html
    fresh()
    drafts.create_consultation(COMMAND_LINE, slug="other", title="Another consultation")
    db.session.commit()
    assert client.get(f"/consultations/other/submissions/{amendment.id}").status_code == 404
    assert client.get("/consultations/gpa/submissions/99999999").status_code == 404


def test_draft_versions_are_404_to_the_public(client, staff, consultation, delegate_client):
    draft = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT)
    db.session.commit()
    assert client.get(para_url(draft)).status_code == 404
    assert client.get(f"{ZERO.format(id=draft.id)}/statements").status_code == 404
    fra, _ = delegate_client("FRA")
    token = csrf_token(fra, "/")
    response = fra.post(para_url(draft) + "/submissions",
                        data={"csrf_token": token, "kind": "comment", "body": "Too early."})
    assert response.status_code == 404
    assert count_stored() == 0


def test_delegation_page_lists_its_public_submissions_newest_first(client, zero,
                                                                   delegate_client):
    fra, _ = delegate_client("FRA")
    comment(fra, zero, "First.")
    amend(fra, zero, "*Urges* States to protect all victims:", label="OP2")
    first, second = stored()
    html = client.get("/delegations/FRA").get_data(as_text=True)
    assert "no public submissions yet" not in html
    table = html[html.index('<table class="submissions-list"'):]
    assert table.index(f"/submissions/{second.id}") < table.index(f"/submissions/{first.id}")
    words = seen(table)
    assert "proposed amendment" in words and "comment" in words
    assert "Zero draft, OP2" in words and "Zero draft, OP1" in words
    assert "no public submissions yet" in client.get("/delegations/NOR").get_data(as_text=True)

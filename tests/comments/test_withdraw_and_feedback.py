"""Withdrawing asks first, and what a delegate is told after posting (issue 13, items 4, 11).

Without JavaScript: the Withdraw button leads to a confirmation page; after a post the page
comes back at the new submission with the confirmation beside it (focused), on the page
the form was on; after a refusal the text is in the form that was used, its message focused.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.comments import services as comments
from consult.comments.models import Submission, SubmissionStatus
from consult.db import db
from tests.comments.conftest import paragraph
from tests.conftest import csrf_token, fresh, login


@pytest.fixture
def page(version):
    return f"/consultations/gpa/versions/{version.id}/paragraphs/OP1"


@pytest.fixture
def france(client, fra):
    login(client, fra.email)
    return client


def stored() -> list[Submission]:
    fresh()
    return list(db.session.scalars(select(Submission).order_by(Submission.id)))


def post_comment(client, page, **data):
    data.setdefault("kind", "comment")
    data.setdefault("csrf_token", csrf_token(client, page))
    return client.post(page + "/submissions", data=data)


# --- item 4: Withdraw asks first -------------------------------------------------------------


def test_withdraw_is_a_link_to_a_confirmation_not_a_one_click_form(france, page, version, fra):
    mine = comments.post_comment(fra, paragraph(version, "OP1"), "We may change our mind.")
    db.session.commit()
    html = france.get(page).get_data(as_text=True)
    url = f"/consultations/gpa/submissions/{mine.id}/withdraw"
    assert f'<form method="post" action="{url}"' not in html
    link = re.search(rf'href="({re.escape(url)}[^"]*)"', html)
    assert link, "a Withdraw link"
    confirm = france.get(link.group(1).replace("&amp;", "&"))
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and confirm.headers["Cache-Control"] == "private, no-store"
    assert "We may change our mind." in text and "This cannot be undone" in text
    assert f'<form method="post" action="{url}"' in text and 'name="csrf_token"' in text
    # Cancel goes back to where the delegate was, at the submission.
    assert f'href="{page}#s{mine.id}"' in text
    fresh()
    assert db.session.get(Submission, mine.id).status == SubmissionStatus.active  # not yet
    done = france.post(url, data={"csrf_token": csrf_token(france, page), "next": page})
    assert done.status_code == 303 and done.headers["Location"] == f"{page}#s{mine.id}"
    fresh()
    assert db.session.get(Submission, mine.id).status == SubmissionStatus.withdrawn


def test_the_confirmation_is_only_for_the_author(client, page, version, fra, nor):
    mine = comments.post_comment(fra, paragraph(version, "OP1"), "Ours.")
    db.session.commit()
    url = f"/consultations/gpa/submissions/{mine.id}/withdraw"
    assert client.get(url).status_code == 302  # to the login page
    login(client, nor.email)
    assert client.get(url).status_code == 403


def test_a_foreign_next_on_the_confirmation_is_ignored(france, page, version, fra):
    mine = comments.post_comment(fra, paragraph(version, "OP1"), "Ours.")
    db.session.commit()
    text = france.get(f"/consultations/gpa/submissions/{mine.id}/withdraw"
                      "?next=//evil.example/").get_data(as_text=True)
    assert '="//evil' not in text  # neither as the form's next nor as Cancel
    assert f'href="{page}#s{mine.id}"' in text


# --- item 11: feedback after posting ---------------------------------------------------------


def test_after_posting_the_confirmation_is_beside_the_new_comment_and_focused(france, page):
    response = post_comment(france, page, body="Our first comment.")
    (saved,) = stored()
    assert response.headers["Location"].endswith(f"{page}#s{saved.id}")
    html = france.get(response.headers["Location"]).get_data(as_text=True)
    item = html[html.index(f'<li id="s{saved.id}"'):]
    notice = re.search(r'<p class="flash success notice"[^>]*>([^<]*)</p>', item)
    assert notice and notice.group(1) == "Your comment is published."
    assert "autofocus" in notice.group(0) and 'tabindex="-1"' in notice.group(0)
    # Said once, there, not at the top of the page as well; and only once.
    assert html.count("Your comment is published.") == 1
    assert "Your comment is published." not in france.get(page).get_data(as_text=True)


def test_posting_from_the_thread_opened_on_the_reading_page_returns_to_it(france, page,
                                                                         version):
    fragment = france.get(page + "?partial=thread").get_data(as_text=True)
    reading = f"/consultations/gpa/versions/{version.id}?thread=OP1"
    assert f'name="next" value="{reading}"' in fragment
    response = post_comment(france, page, body="From the reading page.", next=reading)
    (saved,) = stored()
    assert response.status_code == 303
    assert response.headers["Location"] == f"{reading}#s{saved.id}"
    # The thread, loaded again there by consult.js, carries the confirmation.
    again = france.get(page + "?partial=thread").get_data(as_text=True)
    assert "Your comment is published." in again


def test_a_foreign_next_after_posting_is_ignored(france, page):
    response = post_comment(france, page, body="Elsewhere?", next="https://evil.example/")
    assert response.status_code == 303 and "evil" not in response.headers["Location"]


def test_support_from_the_reading_page_returns_to_it(client, page, version, fra, nor):
    amendment = comments.propose_amendment(fra, paragraph(version, "OP1"),
                                           "*Calls upon* all Member States to act;")
    db.session.commit()
    login(client, nor.email)
    reading = f"/consultations/gpa/versions/{version.id}?thread=OP1"
    response = client.post(f"/consultations/gpa/submissions/{amendment.id}/support",
                           data={"csrf_token": csrf_token(client, page), "next": reading})
    assert response.headers["Location"] == f"{reading}#s{amendment.id}"


def test_a_refused_reply_stays_in_its_own_open_form_with_its_message_focused(app, france,
                                                                            page, version, nor):
    app.config["POST_RATE_LIMIT"] = "1 per minute"
    parent = comments.post_comment(nor, paragraph(version, "OP1"), "A question to answer.")
    db.session.commit()
    assert post_comment(france, page, body="First.").status_code == 303
    response = post_comment(france, page, body="Too fast, but kept.", parent_id=str(parent.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    form = html[html.index('<details class="reply" open>'):]
    form = form[:form.index("</details>")]
    assert f'id="reply-{parent.id}"' in form and "Too fast, but kept.</textarea>" in form
    error = re.search(r'<p class="flash error"[^>]*>', form).group(0)
    assert "autofocus" in error and 'tabindex="-1"' in error
    # Not copied into a box at the top, nor said twice.
    assert 'id="unsent-text"' not in html
    assert html.count("Please wait") == 1


def test_a_refused_comment_keeps_its_text_in_the_comment_form_with_its_message_focused(
        app, france, page):
    app.config["POST_RATE_LIMIT"] = "1 per minute"
    assert post_comment(france, page, body="First.").status_code == 303
    response = post_comment(france, page, body="Second, kept.")
    html = response.get_data(as_text=True)
    form = html[html.index('id="comment"'):]
    form = form[:form.index("</form>")]
    assert "Second, kept.</textarea>" in form
    assert re.search(r'<p class="flash error" role="alert" id="comment-error" tabindex="-1" '
                     r'autofocus>', form)
    assert 'aria-describedby="comment-error"' in form

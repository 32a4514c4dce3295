"""Feedback after posting, in Chromium (issue 13, item 11): focus and place matter here.

After a post the confirmation is focused beside the new submission (not above the viewport,
focus not on <body>); a post from a thread opened on the reading page comes back to the
reading page with the thread open; a refused reply stays in its open form, message focused.
"""

from __future__ import annotations

import datetime as dt

from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from tests.browser.test_participation import _log_in
from tests.comments.conftest import paragraph
from tests.conftest import SMALL_DRAFT


def _long_thread(app, staff, consultation, make_user, count=40):
    app.config["POST_RATE_LIMIT"] = "1000 per minute"
    version = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                    comments_close_at=utcnow() + dt.timedelta(days=10),
                                    publish=True)
    db.session.commit()
    others = make_user("delegate", delegation="NOR", email="nor@example.org")
    op1 = paragraph(version, "OP1")
    first = None
    for n in range(count):
        made = comments.post_comment(others, op1,
                                     f"Earlier comment number {n}.\n\n" + "Words. " * 40)
        first = first or made
    db.session.commit()
    make_user("delegate", delegation="FRA", email="fra@example.org", name="Marie Durand")
    return version, first


def _focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const item = el.closest('li.submission');
        const notice = item && item.querySelector('.notice');
        const box = (notice || el).getBoundingClientRect();
        return {tag: el.tagName, text: el.textContent.trim(),
                item: item ? item.id : null,
                notice: notice ? notice.textContent.trim() : null,
                visible: box.bottom > 0 && box.top < window.innerHeight};
    }""")


def test_after_posting_in_a_long_thread_the_confirmation_is_focused_and_in_view(
        live_server, app, browser, staff, consultation, make_user):
    version, _ = _long_thread(app, staff, consultation, make_user)
    page = _log_in(browser, live_server, "fra@example.org")
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}/paragraphs/OP1")
    page.fill("#comment-body", "Our comment at the end of a long thread.")
    page.click("text=Publish comment")
    page.wait_for_load_state()
    focused = _focused(page)
    # The new submission (the address's #s42) has the focus, its confirmation first in it.
    assert focused["tag"] in ("LI", "P") and focused["notice"] == "Your comment is published."
    assert focused["visible"] and focused["item"] and page.url.endswith("#" + focused["item"])
    page.close()


def test_posting_from_the_thread_on_the_reading_page_stays_on_the_reading_page(
        live_server, app, browser, staff, consultation, make_user):
    version, first = _long_thread(app, staff, consultation, make_user, count=3)
    page = _log_in(browser, live_server, "fra@example.org")
    reading = f"{live_server}/consultations/gpa/versions/{version.id}"
    page.goto(reading)
    page.click("#OP1 + .comments-link a")
    inline = page.locator("#thread-OP1")
    inline.wait_for(state="visible")
    inline.locator(f"#s{first.id} details.reply summary").first.click()
    inline.locator(f"#reply-body-{first.id}").fill("A reply from the reading page.")
    inline.locator(f"#reply-{first.id} button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.split("?")[0] == reading  # still the reading page
    inline = page.locator("#thread-OP1")
    inline.wait_for(state="visible")  # the thread is open again there
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'P'")
    focused = _focused(page)
    assert focused["notice"] == "Your reply is published." and focused["visible"]
    assert "A reply from the reading page." in inline.inner_text()
    page.close()


def test_a_refused_reply_keeps_its_text_in_its_own_form_with_the_message_focused(
        live_server, app, browser, staff, consultation, make_user):
    version, first = _long_thread(app, staff, consultation, make_user)
    app.config["POST_RATE_LIMIT"] = "1 per minute"
    page = _log_in(browser, live_server, "fra@example.org")
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}/paragraphs/OP1")
    page.fill("#comment-body", "One comment.")
    page.click("text=Publish comment")
    page.wait_for_load_state()
    # The first comment is on the last page of the newest activity; in the order they
    # were started, it leads the first.
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}/paragraphs/OP1"
              "?order=oldest")
    page.locator(f"#s{first.id} details.reply summary").first.click()
    page.fill(f"#reply-body-{first.id}", "A reply refused for speed, kept.")
    page.click(f"#reply-{first.id} button[type=submit]")
    page.wait_for_load_state()
    focused = _focused(page)
    assert "Please wait" in focused["text"] and focused["visible"]
    assert focused["item"] == f"s{first.id}"
    assert page.input_value(f"#reply-body-{first.id}") == "A reply refused for speed, kept."
    page.close()

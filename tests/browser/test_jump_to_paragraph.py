"""Reaching a paragraph of a long text by keyboard: a few Tab presses from the top of the
version page reach "Jump to paragraph"; typing OP4 lands on OP4, and the next Tab is its
own link. The comment links each have their own name and say whether they are open."""

from __future__ import annotations

import datetime as dt

from consult.db import db, utcnow
from consult.drafts import services as drafts
from tests.browser import test_browser as shared

live_server = shared.live_server
browser = shared.browser

LONG_DRAFT = "# Plan\n\n" + "\n\n".join(
    f"*Recalling* preambular consideration number {n}," for n in range(1, 31)) + "\n\n" + \
    "\n\n".join(f"{n}. *Decides* operative measure number {n};" for n in range(1, 41))


def _focused(page) -> dict:
    return page.evaluate("""() => {
        const e = document.activeElement;
        return {tag: e.tagName, id: e.id, text: (e.textContent || '').trim(),
                href: e.getAttribute('href') || ''};
    }""")


def test_a_keyboard_reader_jumps_to_op4(live_server, browser, staff, consultation):
    version = drafts.create_version(staff, consultation, label="Zero draft", text=LONG_DRAFT,
                                    comments_close_at=utcnow() + dt.timedelta(days=10),
                                    publish=True)
    db.session.commit()
    page = browser.new_page()
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}")

    presses = 0
    while _focused(page)["id"] != "jump-to":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 10, f"the jump field is not within 10 Tab presses: {_focused(page)}"

    page.keyboard.type("op 4")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/versions/{version.id}#OP4")
    # The next Tab starts from the paragraph reached: its own label link.
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["text"] == "OP4" and focused["href"].endswith("/paragraphs/OP4"), focused

    # A label that does not exist is said so, in the form.
    page.fill("#jump-to", "OP99")
    page.press("#jump-to", "Enter")
    page.wait_for_load_state()
    assert "has no paragraph OP99" in page.inner_text("form.jump [role=alert]")

    # The contents: closed, opened with the keyboard, its links lead to the paragraphs.
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}")
    page.focus("details.contents summary")
    page.keyboard.press("Enter")
    page.click("details.contents a[href='#OP4']")
    page.wait_for_url(f"**/versions/{version.id}#OP4")
    page.close()


def test_comment_links_have_distinct_names_and_say_when_open(live_server, browser, staff,
                                                             consultation):
    version = drafts.create_version(staff, consultation, label="Zero draft", text=LONG_DRAFT,
                                    comments_close_at=utcnow() + dt.timedelta(days=10),
                                    publish=True)
    db.session.commit()
    page = browser.new_page()
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}")
    link = page.get_by_role("link", name="Comment or propose an amendment (paragraph OP4)",
                            exact=True)
    assert link.count() == 1
    assert link.get_attribute("aria-expanded") == "false"
    link.click()
    page.wait_for_selector("#thread-OP4:not([hidden])")
    assert link.get_attribute("aria-expanded") == "true"
    page.close()

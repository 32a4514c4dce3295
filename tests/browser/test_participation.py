"""Participation in a real browser: France proposes, Norway supports, the public reads.

Headless Chromium through Playwright, against the app served by a live server thread (the
fixtures of test_browser.py).
"""

from __future__ import annotations

import datetime as dt

from consult.db import db, utcnow
from consult.drafts import services as drafts
from tests.browser import test_browser as shared
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD

# The live server and the browser of the main browser test.
live_server = shared.live_server
browser = shared.browser


def _log_in(browser, live_server, email):
    page = browser.new_page()  # a new page has its own context: its own cookies
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    assert "Log out" in page.inner_text("header")
    return page


def test_delegate_proposes_another_supports_and_the_public_sees_both(
        live_server, browser, make_user, staff, consultation):
    version = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                    comments_close_at=utcnow() + dt.timedelta(days=10),
                                    publish=True)
    db.session.commit()
    make_user("delegate", delegation="FRA", email="fra@example.org", name="Marie Durand")
    make_user("delegate", delegation="NOR", email="nor@example.org", name="Ola Nordmann")
    paragraph_url = f"{live_server}/consultations/gpa/versions/{version.id}/paragraphs/OP1"

    france = _log_in(browser, live_server, "fra@example.org")
    france.goto(paragraph_url)
    france.click("text=Propose an amendment")
    # The proposal starts from the current wording, as words (no Markdown source); France
    # adds two words, and the unchanged operative verb keeps its italics.
    assert france.input_value("#amendment-text") == "Calls upon Member States to act;"
    france.fill("#amendment-text", "Calls upon all Member States to act without delay;")
    france.fill("#amendment-body", "Urgency matters.")
    france.click("text=Publish proposed amendment")
    assert "Your proposed amendment is published." in france.inner_text("main")
    assert france.locator("#thread ins").first.inner_text().strip() == "all"
    assert france.locator("#thread blockquote.diff em").first.inner_text() == "Calls upon"
    france.close()

    norway = _log_in(browser, live_server, "nor@example.org")
    norway.goto(paragraph_url)
    norway.click("text=Support this proposal")
    assert "Your delegation's support is recorded." in norway.inner_text("main")
    assert "Withdraw our support" in norway.inner_text("#thread")
    norway.close()

    public = browser.new_page()
    public.goto(paragraph_url)
    thread = " ".join(public.inner_text("#thread").split())
    assert "Proposed by France (FRA); supported by Norway (NOR)." in thread
    assert "Urgency matters." in thread and "Marie Durand" in thread
    assert "Support this proposal" not in thread
    assert "Log in as a delegate or observer" in thread

    # On the version page, with JavaScript, the thread opens under its paragraph.
    public.goto(f"{live_server}/consultations/gpa/versions/{version.id}")
    inline = public.locator("#thread-OP1")
    assert inline.is_hidden()
    public.click("#OP1 + .comments-link a")
    inline.wait_for(state="visible")
    assert "Proposed by France (FRA); supported by Norway (NOR)." in " ".join(
        inline.inner_text().split())
    assert public.url.endswith(f"/versions/{version.id}")  # it stayed on the version page
    public.click("#OP1 + .comments-link a")
    inline.wait_for(state="hidden")
    public.close()

"""Issue 18 in a real browser: the links of an invitation and of a forgotten-password
message, received by a real SMTP server, are followed in Chromium."""

from __future__ import annotations

import re

from consult.auth.links import invite
from consult.db import db
from consult.mail.delivery import deliver_due
from consult.permissions import COMMAND_LINE
from tests.browser import test_browser as shared

live_server = shared.live_server
browser = shared.browser

GOOD = "ferry lantern orchid"


def _link(message, live_server) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(re.escape(live_server) + r"/password/set/\S+", text).group(0)


def _choose_password(page):
    page.fill("#password", GOOD)
    page.fill("#confirmation", GOOD)
    page.click("main button[type=submit]")


def test_an_invited_delegate_chooses_a_password_and_is_logged_in(
        app, live_server, browser, make_user, smtp_server):
    app.config["PUBLIC_URL"] = live_server
    user = make_user("delegate", delegation="SEN", email="sen@example.org",
                     name="Amina Diallo", password=None)
    invite(COMMAND_LINE, user)
    db.session.commit()
    deliver_due()
    [message] = smtp_server.to("sen@example.org")

    page = browser.new_page()
    page.goto(_link(message, live_server))
    assert "Welcome, Amina Diallo" in page.inner_text("main")
    page.fill("#password", GOOD)
    page.fill("#confirmation", "not the same at all")
    page.click("main button[type=submit]")
    assert "The two passwords are not the same." in page.inner_text("main")
    _choose_password(page)
    assert "Your password is set, and you are logged in." in page.inner_text("body")
    assert "Log out" in page.inner_text("header")


def test_a_forgotten_password_is_chosen_again_from_the_log_in_page(
        app, live_server, browser, make_user, smtp_server):
    app.config["PUBLIC_URL"] = live_server
    make_user("delegate", email="fra@example.org")
    page = browser.new_page()
    page.goto(f"{live_server}/login")
    page.click("text=Forgot your password?")
    page.fill("#email", "fra@example.org")
    page.click("main button[type=submit]")
    assert "If an account exists for this address" in page.inner_text("main")
    deliver_due()
    [message] = smtp_server.to("fra@example.org")
    page.goto(_link(message, live_server))
    _choose_password(page)
    assert "Log out" in page.inner_text("header")
    # The link worked once.
    page.goto(_link(message, live_server))
    assert "This link no longer works" in page.inner_text("main")

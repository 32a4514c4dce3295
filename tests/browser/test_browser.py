"""The main flow in a real browser: a co-facilitator imports and publishes; the public reads.

Runs headless Chromium from Debian's `chromium` package through Playwright (the fixtures are
in conftest.py). Outside CI a missing browser skips these tests with the reason; in CI
(CI=true) it fails them.
"""

from __future__ import annotations

from consult.db import db
# The fixtures live in conftest.py; the other browser tests import them from here too.
from tests.browser.conftest import CHROMIUM, _require_browser, browser, live_server  # noqa: F401
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD


def test_cofacilitator_imports_and_publishes_then_public_reads(live_server, browser, make_user,
                                                                consultation):
    make_user("cofacilitator", delegation="PRT", email="cofac@example.org",
              name="Ana Cofacilitator")
    db.session.commit()

    page = browser.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "cofac@example.org")
    page.fill("#password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    assert "Ana Cofacilitator" in page.inner_text("header")
    assert "PRT" in page.inner_text("header")

    page.goto(f"{live_server}/consultations/gpa")
    page.click("text=New version")
    page.fill("#label", "Zero draft")
    page.fill("#text", SMALL_DRAFT)
    page.click("button[value=preview]")
    assert "Preview: 8 paragraphs" in page.inner_text("main")
    page.click("button[value=save]")
    assert "8 new" in page.inner_text("main")
    page.fill("#comments_close_at", "2099-06-30 18:00")
    page.click("text=Save deadline")
    page.click("text=Publish Zero draft")
    # A confirmation page (no JavaScript) says what publishing does; nothing is public yet.
    assert "Publish Zero draft?" in page.inner_text("h1")
    assert "30 June 2099" in page.inner_text("main")
    page.click("text=Yes, publish Zero draft")
    assert "Zero draft is published" in page.inner_text("main")
    page.close()

    public = browser.new_page()
    public.goto(f"{live_server}/consultations/gpa")
    assert "comments close 30 June 2099, 18:00 UTC" in public.inner_text("main")
    public.click("text=Zero draft")
    assert public.locator("#OP2_a").inner_text().count("With shelter") == 1
    # Printed, the text keeps its labels and loses navigation and forms.
    public.emulate_media(media="print")
    assert public.locator("#OP2_a .label").is_visible()
    assert not public.locator("nav.account").is_visible()
    assert not public.locator("footer form.languages").is_visible()
    public.emulate_media(media="screen")
    public.click("#OP2_a a.label")
    assert "OP2(a)" in public.inner_text("h1")
    assert "Log in" in public.inner_text("header")
    public.close()

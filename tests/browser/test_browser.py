"""The main flow in a real browser: a co-facilitator imports and publishes; the public reads.

Runs headless Chromium from Debian's `chromium` package through Playwright. Outside CI a
missing browser skips these tests with the reason; in CI (CI=true) it fails them.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from consult.db import db
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD

CHROMIUM = os.environ.get("CONSULT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _require_browser():
    if os.path.exists(CHROMIUM):
        return
    message = (f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
               "(apt-get install chromium) or set CONSULT_CHROMIUM")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def live_server(app):
    """The app served on 127.0.0.1 on a free port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield instance
        instance.close()


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

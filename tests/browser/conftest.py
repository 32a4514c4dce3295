"""Fixtures of the browser tests: the app served on a free port, and headless Chromium.

Chromium is Debian's `chromium` package, driven through Playwright. Outside CI a missing
browser skips the tests that need it, with the reason; in CI (CI=true) it fails them.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

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

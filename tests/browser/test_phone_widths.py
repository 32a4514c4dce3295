"""No page is wider than a phone: every page type, as each kind of reader sees it, at 390 px.

The page types and the record behind them are those of tests/test_every_page_translated.py
(which fails when a new HTML route is missing from its list), so a new page is measured
here too. The record is stuffed with what makes pages wide in real use: a long unbroken
URL and identifier in a comment, a long delegation name, a long disposition note. Each
page is opened in each of the six languages, in headless Chromium emulating a phone (390 px,
touch, device scale 3); `scrollWidth` must not exceed the viewport, and the failure names
the elements that stick out.
"""

from __future__ import annotations

import pytest

from consult.comments import services as comments
from consult.db import db
from consult.moderation import services as moderation
from tests.browser.test_browser import browser, live_server  # noqa: F401
from tests.browser.test_rtl_layout import LONG_URL, LONG_WORD, OFFENDERS_JS
from tests.comments.conftest import paragraph
from tests.conftest import TEST_PASSWORD
from tests.test_every_page_translated import _pages, site  # noqa: F401

WIDTH = 390


@pytest.fixture
def wide_site(site, staff):
    """The translated-pages record, plus submissions as wide as delegates make them."""
    rev1 = site["rev1"]
    fra = site["fra"]
    op1 = paragraph(rev1, "OP1")
    wide = comments.post_comment(fra, op1, f"See {LONG_URL} and `{LONG_WORD}`.",
                                 language="en")
    proposal = comments.propose_amendment(
        fra, paragraph(rev1, "OP2"), f"*Urges* States to protect all victims ({LONG_URL}):",
        f"As explained at {LONG_URL}.", language="en")
    db.session.commit()
    moderation.set_disposition(staff, proposal, "not_retained", f"Not retained: {LONG_URL}")
    moderation.hide_submission(staff, wide, reason_code="off_topic",
                               reason=f"Not about OP1; see {LONG_URL}")
    db.session.commit()
    return site


def _context(browser, live_server, user=None):  # noqa: F811
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=3)
    page = context.new_page()
    if user is not None:
        page.goto(f"{live_server}/login")
        page.fill("#email", user.email)
        page.fill("#password", TEST_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_selector("header .who")
    return context, page


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ru", "ar", "zh"])
def test_no_page_is_wider_than_a_phone(live_server, browser, wide_site, lang):  # noqa: F811
    site = wide_site
    readers = {"public": None, "delegate": site["fra"], "staff": site["staff"],
               "secretariat": site["secretariat"]}
    pages = _pages(site)
    too_wide = []
    for who, user in readers.items():
        context, page = _context(browser, live_server, user)
        for name, reader, address in pages:
            if reader != who:
                continue
            if not address.startswith("/search"):
                address = f"{address}{'&' if '?' in address else '?'}lang={lang}"
            page.goto(live_server + address)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide.append(f"{name} ({who}, {address}): {width}px "
                                f"{page.evaluate(OFFENDERS_JS)}")
        context.close()
    assert not too_wide, "pages wider than a 390 px phone:\n" + "\n".join(too_wide)


def test_focus_is_visible_in_the_site_style(live_server, browser, wide_site):  # noqa: F811
    """Tabbing to a link, a button or a field draws the site's own focus ring, thick
    enough to see on every background, not only the browser's thin default."""
    context, page = _context(browser, live_server)
    page.goto(f"{live_server}/consultations/gpa/versions/{wide_site['rev1'].id}")
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        tag, width, style = page.evaluate(
            "() => { const e = document.activeElement, s = getComputedStyle(e);"
            " return [e.tagName.toLowerCase(), parseFloat(s.outlineWidth), s.outlineStyle]; }")
        assert style == "solid" and width >= 3, (tag, width, style)
        seen.add(tag)
    assert {"a", "input", "button"} <= seen, seen
    context.close()

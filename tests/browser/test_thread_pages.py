"""A long thread in Chromium: a reader pages through it with plain links, at phone width
too, and reaches every conversation (issue 14)."""

from __future__ import annotations

import re

from tests.browser.test_posting_feedback import _long_thread


def test_a_reader_pages_through_a_long_thread_to_its_oldest_comment(
        live_server, app, browser, staff, consultation, make_user):
    version, _first = _long_thread(app, staff, consultation, make_user, count=45)
    page = browser.new_page(viewport={"width": 390, "height": 844},
                            java_script_enabled=False)
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}/paragraphs/OP1")
    seen = []
    for expected in ("Page 1 of 3", "Page 2 of 3", "Page 3 of 3"):
        assert expected in page.inner_text("nav.pagination")
        seen += [int(n) for n in re.findall(r"Earlier comment number (\d+)\.",
                                            page.inner_text("#thread ol.submissions"))]
        # Nothing is wider than the phone: the pages never scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        if expected != "Page 3 of 3":
            page.click("nav.pagination a[rel=next]")
            page.wait_for_load_state()
    assert sorted(seen) == list(range(45)) and seen[0] == 44 and seen[-1] == 0
    page.click("nav.pagination a[rel=prev]")
    assert "Page 2 of 3" in page.inner_text("nav.pagination")
    page.close()

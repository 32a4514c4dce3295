"""The exported static archive, opened from disk in a real browser without JavaScript."""

from __future__ import annotations

from consult.archive.static_site import export_archive
from tests.browser import test_browser as shared
from tests.comments.conftest import can, fra, nor  # noqa: F401  (fixtures)
from tests.moderation.test_leaks import planted  # noqa: F401  (fixture)

browser = shared.browser


def test_the_static_archive_opens_from_disk_and_its_links_work(app, planted, browser,  # noqa: F811
                                                                tmp_path):
    root = tmp_path / "archive"
    export_archive(app, root, made_on="2026-11-29 08:00 UTC")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((root / "index.html").as_uri())
    assert "Static copy of the public record" in page.inner_text("header")
    page.click("main a:has-text('Global Plan of Action')")
    rev1 = planted["versions"][1]
    page.click(f"main a[href='versions/{rev1.id}/index.html']")
    assert page.url.startswith("file://")
    main = " ".join(page.inner_text("main").split())
    assert "Calls upon" in main and "act without delay" in main
    page.click("main a:has-text('Compilation text')")
    compilation = " ".join(page.inner_text("main").split())
    assert "Proposed by France (FRA)" in compilation and "supported by Canada (CAN)" in compilation
    assert "hiddenxylophone" not in compilation
    page.go_back()
    page.click("main a:has-text('Changes from the previous version')")
    assert "without delay" in page.inner_text("main")
    # The stylesheet came along: the page is styled from disk too.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
    context.close()

"""The search page in a real browser: the box in the header, marks, a facet, a result link."""

from __future__ import annotations

import datetime as dt

from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from tests.browser import test_browser as shared
from tests.conftest import SMALL_DRAFT

live_server = shared.live_server
browser = shared.browser


def test_a_reader_searches_narrows_and_opens_a_result(live_server, browser, make_user, staff,
                                                      consultation):
    version = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                    comments_close_at=utcnow() + dt.timedelta(days=10),
                                    publish=True)
    db.session.commit()
    op1 = next(p for p in version.paragraphs if p.label == "OP1")
    france = make_user("delegate", delegation="FRA")
    norway = make_user("delegate", delegation="NOR")
    comments.post_comment(france, op1, "France proposes a voluntary trust fund for victims.")
    mine = comments.post_comment(norway, op1, "Norway supports a trust fund run by UNODC.")
    comments.post_comment(france, op1, "我们支持设立信托基金,帮助贩运人口的受害者。")
    db.session.commit()

    page = browser.new_page()
    page.goto(f"{live_server}/")
    page.fill("header #site-q", "trust fund")
    page.press("header #site-q", "Enter")
    page.wait_for_url("**/search?q=trust+fund")
    assert "2 results" in page.inner_text("main h2")
    assert page.locator("ol.results mark").first.inner_text().lower() == "trust"

    page.click("nav.facets >> text=Norway")
    assert "1 result" in page.inner_text("main h2")
    page.click("ol.results a")
    page.wait_for_url(f"**/consultations/gpa/submissions/{mine.id}")
    assert "Norway supports a trust fund run by UNODC." in page.inner_text("main")

    # Chinese: a two-character word inside a sentence.
    page.goto(f"{live_server}/search?q=贩运")
    assert "1 result" in page.inner_text("main h2")
    assert page.locator("ol.results mark").first.inner_text() == "贩运"

    # A search the engine refuses says why, and keeps the form.
    page.goto(f"{live_server}/search?q=a*")
    assert "at least 3 letters" in page.inner_text("main .flash.error")
    assert page.input_value("main #q") == "a*"
    page.close()

"""Issue 16 in a real browser: the road to consensus. Co-facilitators mark paragraphs
agreed and put the text under silence; a Member State breaks silence with a statement; a
new version goes under silence and is adopted when the deadline passes (the tests move the
clock); the public sees each step in the log and the chart."""

from __future__ import annotations

import datetime as dt

from consult.db import db
from consult.drafts import services
from tests.browser.conftest import browser, live_server  # noqa: F401
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD
from tests.negotiation.conftest import Clock


def _log_in(browser, live_server, email):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    return context, page


def test_the_road_to_consensus(live_server, browser, make_user, consultation,  # noqa: F811
                               monkeypatch):
    clock = Clock(monkeypatch)
    staff = make_user("cofacilitator", delegation="PRT", email="cofac@example.org")
    make_user("delegate", delegation="EGY", email="egypt@example.org")
    zero = services.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                   publish=True)
    db.session.commit()
    version_url = f"{live_server}/consultations/gpa/versions/{zero.id}"

    # The co-facilitators record statuses, many at once, and start the silence procedure.
    staff_context, page = _log_in(browser, live_server, "cofac@example.org")
    page.goto(version_url)
    page.click("text=Record paragraph statuses")
    page.check("#choose-OP1")
    page.check("#choose-OP2")
    page.check("input[name=status][value=agreed]")
    page.fill("#status-note", "Agreed in informal consultations")
    page.click("main button[type=submit] >> nth=0")
    assert "The status of 2 paragraphs was recorded." in page.inner_text("main")
    page.goto(version_url)
    assert "agreed" in page.inner_text("#OP1")
    page.click("text=Put this text under silence procedure")
    deadline = clock.now + dt.timedelta(hours=30)
    page.fill("#until", deadline.strftime("%Y-%m-%d %H:%M"))
    page.fill("#message", "The text is adopted unless silence is broken.")
    page.click("text=Start the silence procedure")
    assert "Under silence procedure until" in page.inner_text("main")

    # A Member State breaks silence with a statement: public at once.
    delegate_context, delegate = _log_in(browser, live_server, "egypt@example.org")
    delegate.goto(version_url)
    assert "No new comments or proposals" in delegate.inner_text(".silence")
    delegate.click(".silence >> text=Break silence")
    delegate.fill("#statement", "Egypt cannot join consensus on OP2 as drafted.")
    delegate.click("main button[type=submit]")
    assert "Silence was broken" in delegate.inner_text("main")
    public = browser.new_context().new_page()
    public.goto(version_url)
    banner = public.inner_text(".silence")
    assert "Egypt" in banner and "Egypt cannot join consensus on OP2 as drafted." in banner

    # A new version, amended, goes under silence; the deadline passes unbroken.
    rev1 = services.create_version(staff, consultation, label="Rev.1",
                                   text=SMALL_DRAFT.replace("to protect", "to protect and assist"),
                                   publish=True)
    db.session.commit()
    page.goto(f"{live_server}/consultations/gpa/versions/{rev1.id}")
    assert "agreed" in page.inner_text("#OP1")  # unchanged: still agreed
    assert "agreed" not in page.inner_text("#OP2")  # its words changed: open again
    page.click("text=Put this text under silence procedure")
    page.fill("#until", (clock.now + dt.timedelta(hours=25)).strftime("%Y-%m-%d %H:%M"))
    page.fill("#message", "Second silence procedure.")
    page.click("text=Start the silence procedure")
    clock.advance(hours=26)

    public.goto(f"{live_server}/consultations/gpa")
    timeline = public.inner_text(".timeline")
    assert "adopted under silence procedure on" in timeline and "final" in timeline
    table = public.inner_text(".progress-table")
    assert "Rev.1" in table and "Zero draft" in table
    assert public.locator("section.progress svg[role=img]").count() == 1
    public.goto(f"{live_server}/consultations/gpa/log")
    log = public.inner_text("main")
    for words in ("paragraph status recorded", "silence procedure started", "silence broken",
                  "adopted under silence procedure"):
        assert words in log
    public.goto(f"{live_server}/consultations/gpa/versions/{rev1.id}")
    assert "Adopted under silence procedure" in public.inner_text(".silence")
    for context in (staff_context, delegate_context):
        context.close()

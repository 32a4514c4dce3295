"""Moderation in a real browser: a co-facilitator hides a submission and decides on a
proposal; the public reads the log entry and the compilation text.

Headless Chromium through Playwright, against the live server of test_browser.py.
"""

from __future__ import annotations

import datetime as dt

from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from tests.browser import test_browser as shared
from tests.browser.test_participation import _log_in
from tests.conftest import SMALL_DRAFT

live_server = shared.live_server
browser = shared.browser


def test_cofacilitator_hides_and_decides_and_the_public_sees_the_log_and_compilation(
        live_server, browser, make_user, consultation):
    make_user("cofacilitator", delegation="PRT", email="cofac@example.org",
              name="Ana Co-facilitator")
    fra = make_user("delegate", delegation="FRA", email="fra@example.org")
    nor = make_user("delegate", delegation="NOR", email="nor@example.org")
    staff = make_user("cofacilitator", delegation="PRT", email="other@example.org")
    version = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                    comments_close_at=utcnow() + dt.timedelta(days=10),
                                    publish=True)
    op1 = next(p for p in version.paragraphs if p.label == "OP1")
    proposal = comments.propose_amendment(fra, op1, "*Calls upon* all Member States to act;")
    comments.support_amendment(nor, proposal)
    rude = comments.post_comment(nor, op1, "An insulting remark about wombats.")
    db.session.commit()

    cofac = _log_in(browser, live_server, "cofac@example.org")
    cofac.goto(f"{live_server}/consultations/gpa/submissions/{rude.id}")
    cofac.click("text=Hide this submission")
    cofac.check("input[name=reason_code][value=abusive]")
    cofac.fill(f"#hide-reason-{rude.id}", "Insulting language.")
    cofac.click("form[action$='/hide'] button[type=submit]")
    assert "The submission is hidden." in cofac.inner_text("main")

    cofac.goto(f"{live_server}/consultations/gpa/versions/{version.id}/workbench")
    cofac.select_option(f"#disposition-{proposal.id}", "partly_incorporated")
    cofac.fill(f"#note-{proposal.id}", "The word 'all' is kept.")
    cofac.click(f"#s{proposal.id} .disposition-form button[type=submit]")
    assert "The disposition is recorded." in cofac.inner_text("main")
    cofac.close()

    public = browser.new_page()
    public.goto(f"{live_server}/consultations/gpa/versions/{version.id}/paragraphs/OP1")
    assert "wombats" not in public.inner_text("main")
    public.goto(f"{live_server}/consultations/gpa")
    public.click("text=Public moderation log")
    log = " ".join(public.inner_text("table.log").split())
    assert "submission hidden" in log and "Abusive or offensive language: Insulting language." \
        in log and "Ana Co-facilitator (co-facilitator)" in log
    assert "disposition recorded: partly incorporated" in log
    assert "wombats" not in log
    public.goto(f"{live_server}/consultations/gpa/versions/{version.id}")
    public.click("text=Compilation text")
    text = " ".join(public.inner_text("main").split())
    assert "FRA" in text and "NOR" in text
    assert "partly incorporated" in text.lower() and "The word 'all' is kept." in text
    assert public.locator("main ins").first.inner_text().strip() == "all"
    assert "wombats" not in text
    public.close()

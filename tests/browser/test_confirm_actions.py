"""Issue 13, item 4: Publish and Discard ask first, and work with JavaScript turned off."""

from __future__ import annotations

from consult.db import db
from consult.drafts import services
from tests.browser.conftest import browser, live_server  # noqa: F401
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD

SLIP = SMALL_DRAFT.replace("3. ", "2. ")


def test_publish_and_discard_confirm_without_javascript(live_server, browser, make_user,  # noqa: F811
                                                        consultation):
    staff = make_user("cofacilitator", delegation="PRT", email="cofac@example.org")
    assert "3. " in SMALL_DRAFT and SLIP != SMALL_DRAFT
    services.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                            publish=True)
    slip = services.create_version(staff, consultation, label="Rev.1", text=SLIP)
    other = services.create_version(staff, consultation, label="Rev.1 (alt)", text=SMALL_DRAFT)
    db.session.commit()

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "cofac@example.org")
    page.fill("#password", TEST_PASSWORD)
    page.click("main button[type=submit]")

    # Discard: asked, cancelled, asked again, done.
    page.goto(f"{live_server}/consultations/gpa/versions/{other.id}/review")
    page.click("text=Discard this draft")
    assert "Discard Rev.1 (alt)?" in page.inner_text("h1")
    assert "This cannot be undone." in page.inner_text("main")
    page.click("main >> text=Cancel")
    assert "Review Rev.1 (alt)" in page.inner_text("h1")
    page.click("text=Discard this draft")
    page.click("text=Yes, discard Rev.1 (alt)")
    assert "The draft Rev.1 (alt) was discarded." in page.inner_text("main")

    # Publish a draft with a numbering slip: named on the review page and when asked; the
    # box must be ticked.
    page.goto(f"{live_server}/consultations/gpa/versions/{slip.id}/review")
    assert "OP2 appears 2 times" in page.inner_text("main")
    page.click("text=Publish Rev.1")
    assert "Publish Rev.1?" in page.inner_text("h1")
    assert "OP2 appears 2 times" in page.inner_text("main")
    page.check("input[name=confirm_numbering]")
    page.click("text=Yes, publish Rev.1")
    assert "Rev.1 is published" in page.inner_text("main")
    context.close()

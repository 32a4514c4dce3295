"""Issue 13, item 5: the preview of a version is readable at desktop and phone widths.

Each operative paragraph used to be squeezed into the 2.5rem number column (one word per
line, a page ~34,000 px high) because the preview gives no number element and the text
took the second grid column.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.db import db
from consult.drafts import services
from tests.browser.conftest import browser, live_server  # noqa: F401
from tests.conftest import TEST_PASSWORD

GPA = (Path(__file__).resolve().parents[2] / "consult" / "demo" / "gpa-zero-draft.md").read_text()


def _log_in(page, base):
    page.goto(f"{base}/login")
    page.fill("#email", "cofac@example.org")
    page.fill("#password", TEST_PASSWORD)
    page.click("main button[type=submit]")


def _geometry(page, selector):
    return page.evaluate("""(selector) => {
        const main = document.querySelector('main');
        const style = getComputedStyle(main);
        const content = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const widths = [...document.querySelectorAll(selector)].map(e => e.getBoundingClientRect().width);
        return {content, widths, height: document.documentElement.scrollHeight};
    }""", selector)


@pytest.mark.parametrize("width", [1280, 390])
def test_preview_of_previous_text_has_wide_paragraphs(live_server, browser, make_user,  # noqa: F811
                                                       consultation, width):
    staff = make_user("cofacilitator", delegation="PRT", email="cofac@example.org")
    services.create_version(staff, consultation, label="Zero draft", text=GPA, publish=True)
    db.session.commit()

    page = browser.new_page(viewport={"width": width, "height": 900})
    _log_in(page, live_server)
    page.goto(f"{live_server}/consultations/gpa/versions/new?from=previous")
    page.fill("#label", "Rev.1")
    page.click("button[value=preview]")
    assert "Preview: " in page.inner_text("main")

    for kind in ("operative", "subparagraph", "preambular"):
        found = _geometry(page, f".preview .draft .para.{kind} > .text")
        assert found["widths"], kind
        narrowest = min(found["widths"])
        assert narrowest > 0.6 * found["content"], (kind, narrowest, found["content"])
    # The whole page, form included, stays a few screens long (it was ~34,000 px).
    height = _geometry(page, ".preview")["height"]
    assert height < (20_000 if width == 390 else 12_000), height
    page.close()


def test_version_page_keeps_its_number_column(live_server, browser, make_user,  # noqa: F811
                                              consultation):
    staff = make_user("cofacilitator", delegation="PRT", email="cofac@example.org")
    version = services.create_version(staff, consultation, label="Zero draft", text=GPA,
                                      publish=True)
    db.session.commit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}")
    found = _geometry(page, ".draft .para.operative > .text")
    assert min(found["widths"]) > 0.6 * found["content"]
    number = page.locator("#OP1 .num").bounding_box()
    text = page.locator("#OP1 > .text").bounding_box()
    assert number["x"] + number["width"] <= text["x"]  # the number beside, not over, the text
    page.close()

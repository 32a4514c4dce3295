"""Six languages in a real browser: an Arabic reader takes part; a French reader reads two
languages side by side.

Headless Chromium through Playwright (fixtures in tests/browser/conftest.py); the browser's
own language (its Accept-Language) chooses the interface, as for a real first visit.
"""

from __future__ import annotations

import datetime as dt

from babel.support import Translations

from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.drafts.translations import add_translation
from consult.settings import ROOT
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD
from tests.drafts.test_translations import FRENCH


def catalog(lang: str) -> Translations:
    """The compiled catalog the app uses, to expect the very words it shows."""
    return Translations.load(str(ROOT / "consult" / "translations"), [lang])


def _published(staff, consultation):
    version = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                    comments_close_at=utcnow() + dt.timedelta(days=10),
                                    publish=True)
    db.session.commit()
    return version


def test_an_arabic_reader_reads_a_version_opens_a_paragraph_and_comments(
        live_server, browser, make_user, staff, consultation):
    version = _published(staff, consultation)
    make_user("delegate", delegation="EGY", email="egy@example.org", name="ليلى حسن")
    arabic = catalog("ar")
    context = browser.new_context(locale="ar-EG", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("#email", "egy@example.org")
    page.fill("#password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    assert arabic.gettext("Log out") in page.inner_text("header")

    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}")
    assert arabic.gettext("Log out") != "Log out"
    main_direction = page.eval_on_selector("main", "e => getComputedStyle(e).direction")
    assert main_direction == "rtl"
    # The English text is isolated: it reads left to right, its comma stays at the end.
    text = page.locator("#PP1 .text").first
    assert text.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert text.inner_text().strip().endswith("Nations,")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.click("#OP1 a.label")  # the paragraph's own page
    assert page.url.endswith("/paragraphs/OP1")
    page.fill("#comment-body", "تؤيد مصر هذه الفقرة، مع إضافة «دون تأخير».")
    page.select_option("#comment-language", "ar") if page.locator(
        "#comment-language").count() else None
    page.click("#comment button[type=submit]")
    shown = page.locator("#thread .body").first
    assert "تؤيد مصر هذه الفقرة" in shown.inner_text()
    assert shown.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def test_a_french_reader_switches_the_text_to_english_side_by_side(
        live_server, browser, staff, consultation):
    version = _published(staff, consultation)
    add_translation(staff, version, "fr", FRENCH)
    db.session.commit()
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/consultations/gpa/versions/{version.id}")
    assert page.get_attribute("html", "lang") == "fr"
    # A French reader gets the French text first, the original marked as such.
    assert "États Membres" in page.inner_text("#OP1")
    bar = page.locator("nav.text-languages")
    assert "English" in bar.inner_text()
    bar.locator("a[href*='beside=en']").click()
    assert "beside=en" in page.url
    texts = page.locator("#OP1 .text")
    assert texts.count() == 2
    french, english = texts.nth(0), texts.nth(1)
    assert "États Membres" in french.inner_text() and "Member States" in english.inner_text()
    assert french.get_attribute("lang") == "fr" and english.get_attribute("lang") == "en"
    left, right = french.bounding_box(), english.bounding_box()
    # Side by side: the same line, two columns.
    assert abs(left["y"] - right["y"]) < 5 and left["x"] + left["width"] <= right["x"] + 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Back to one language.
    page.locator("nav.text-languages a[href$='text=fr']").last.click()
    assert page.locator("#OP1 .text").count() == 1
    context.close()

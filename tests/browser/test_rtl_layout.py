"""Right-to-left and narrow screens in a real browser: no page scrolls sideways, Arabic
mirrors the layout, and text of the other direction keeps its own.

For Arabic and Chinese, at 390 px (a phone) and 1280 px (a laptop), every main page is
opened with `?lang=`, checked for horizontal overflow and photographed. Screenshots go to
pytest's tmp_path, and a few to /tmp/consult-shots/ (or CONSULT_SHOTS_DIR) for a person to
look at. Headless Chromium through Playwright (fixtures in conftest.py).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.drafts.translations import add_translation
from consult.moderation import services as moderation
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD

LONG_URL = ("https://www.unodc.org/documents/human-trafficking/Global-Plan-of-Action/"
            "consultation-on-the-draft-plan-of-action-against-trafficking-in-persons-"
            "with-every-annex-and-statement-in-one-unbroken-address-2010.pdf")
LONG_WORD = "Antidiskriminierungsverbandsgeschäftsführungsmitgliedsvertretungsbeauftragter" * 2

# The draft is English, as every draft is today; OP4 ends in brackets and a URL, which a
# right-to-left page would scramble without isolation.
DRAFT = SMALL_DRAFT + f"""
4. *Requests* the United Nations Office on Drugs and Crime (UNODC) to report at
{LONG_URL} (annually).
"""
REV1 = DRAFT.replace("act;", "act without delay;")
# Rev.1 in Arabic, paragraph for paragraph, to read beside the English (parallel texts).
REV1_ARABIC = f"""# خطة مسودة

*إذ تشير إلى* ميثاق الأمم المتحدة،

*وإذ يساورها القلق* إزاء الاتجار بالأشخاص،

1. *تهيب* بالدول الأعضاء أن تتصرف دون تأخير؛

2. *تحث* الدول على حماية الضحايا:

(a) بتوفير المأوى؛

(b) بتقديم المساعدة القانونية؛

3. *تقرر* استعراض الخطة.

4. *تطلب* إلى مكتب الأمم المتحدة المعني بالمخدرات والجريمة (UNODC) تقديم تقرير على
{LONG_URL} (سنويا).
"""

ARABIC_COMMENT = ("نرحب بالفقرة OP1 (بصيغتها الحالية)، ونقترح أن يقدم مكتب الأمم المتحدة "
                  "المعني بالمخدرات والجريمة (UNODC) تقريرا سنويا.")
ENGLISH_COMMENT = (f"France supports OP1 (as drafted). The data: {LONG_URL}\n\n"
                   f"Identifier `{LONG_WORD}` and UNODC.\n\n"
                   f"```\n{'x' * 30} {'y' * 200}\n```\n")

SHOTS = Path(os.environ.get("CONSULT_SHOTS_DIR") or "/tmp/consult-shots")
# (language, width, page) kept for a person to look at.
KEEP = {("ar", 390, "version"), ("ar", 1280, "version"), ("ar", 390, "paragraph"),
        ("ar", 1280, "paragraph"), ("ar", 390, "submission"), ("ar", 1280, "home"),
        ("ar", 390, "search"), ("ar", 390, "compare-side"), ("ar", 1280, "compilation"),
        ("zh", 390, "version"), ("zh", 390, "paragraph"), ("zh", 1280, "paragraph"),
        ("zh", 390, "log"), ("ar", 1280, "parallel"), ("ar", 390, "parallel")}

# Elements that stick out of the viewport and are not inside a box that scrolls or clips:
# what makes a page scroll sideways, named for the failure message.
OFFENDERS_JS = """() => {
  const width = window.innerWidth, found = [];
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || (r.right <= width + 0.5 && r.left >= -0.5)) continue;
    if (clipped(el)) continue;
    const classes = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().replace(/\\s+/g, '.') : '';
    found.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes}` +
               ` [${Math.round(r.left)}, ${Math.round(r.right)}]`);
  }
  return found.slice(0, 8);
}"""


# Where the first or last non-space character of an element's text is drawn.
CHAR_X_JS = """(el, which) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) if (walker.currentNode.data.trim()) nodes.push(walker.currentNode);
  const node = which === 'first' ? nodes[0] : nodes[nodes.length - 1];
  const i = which === 'first' ? node.data.search(/\\S/) : node.data.trimEnd().length - 1;
  const range = document.createRange();
  range.setStart(node, i);
  range.setEnd(node, i + 1);
  const r = range.getBoundingClientRect();
  return r.left + r.width / 2;
}"""


@pytest.fixture
def record(make_user, staff, consultation):
    """Two published versions of an English draft (the second also in Arabic), comments in
    Arabic and English, an amendment, a hidden comment with a long reason; an Egyptian
    delegate to log in as."""
    zero = drafts.create_version(staff, consultation, label="Zero draft", text=DRAFT,
                                 publish=True)
    db.session.commit()
    rev1 = drafts.create_version(staff, consultation, label="Rev.1 (final)", text=REV1,
                                 based_on_id=zero.id, publish=True,
                                 comments_close_at=utcnow() + dt.timedelta(days=10))
    add_translation(staff, rev1, "ar", REV1_ARABIC)
    db.session.commit()
    egypt = make_user("delegate", delegation="EGY", email="egy@example.org",
                      name="ليلى حسن (Laila Hassan)")
    france = make_user("delegate", delegation="FRA", email="fra@example.org",
                       name="Marie Durand")
    norway = make_user("delegate", delegation="NOR", email="nor@example.org",
                       name="Ola Nordmann")
    op1 = next(p for p in rev1.paragraphs if p.label == "OP1")
    arabic = comments.post_comment(egypt, op1, ARABIC_COMMENT, language="ar")
    english = comments.post_comment(france, op1, ENGLISH_COMMENT, language="en")
    reply = comments.post_comment(norway, op1, "Agreed (UNODC).", parent_id=arabic.id,
                                  language="en")
    arabic_reply = comments.post_comment(egypt, op1, "نؤيد ذلك (بقوة).", parent_id=english.id,
                                         language="ar")
    amendment = comments.propose_amendment(
        norway, op1, "*Calls upon* all Member States to act without delay (now);",
        f"Urgency (see {LONG_URL}).", language="en")
    comments.support_amendment(egypt, amendment)
    rude = comments.post_comment(norway, op1, "Off-topic remark about wombats.")
    moderation.hide_submission(staff, rude, reason_code="off_topic",
                               reason=f"Not about OP1; see {LONG_URL}")
    db.session.commit()
    return {"zero": zero, "rev1": rev1, "arabic": arabic, "english": english,
            "amendment": amendment, "reply": reply, "arabic_reply": arabic_reply}


def _pages(record):
    zero, rev1 = record["zero"], record["rev1"]
    base = "/consultations/gpa"
    return {
        "home": "/",
        "consultation": base,
        "version": f"{base}/versions/{rev1.id}",
        "parallel": f"{base}/versions/{rev1.id}?text=en&beside=ar",
        "paragraph": f"{base}/versions/{rev1.id}/paragraphs/OP1",
        "submission": f"{base}/submissions/{record['english'].id}",
        "amendment": f"{base}/submissions/{record['amendment'].id}",
        "search": "/search?q=UNODC",
        "log": "/moderation-log",
        "delegation": "/delegations/EGY",
        "compilation": f"{base}/versions/{rev1.id}/compilation",
        "compare": f"{base}/compare/{zero.id}/{rev1.id}",
        "compare-side": f"{base}/compare/{zero.id}/{rev1.id}?view=side",
        "paragraph-url": f"{base}/versions/{rev1.id}/paragraphs/OP4",
    }


def _logged_in(browser, live_server, width, lang=None):
    """The Egyptian delegate, logged in; with `lang`, chosen with the language switcher."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "egy@example.org")
    page.fill("#password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    assert "Log out" in page.inner_text("header")
    if lang:
        page.click(f"footer form.languages button[value={lang}]")
        assert page.evaluate("document.documentElement.lang") == lang
    return context, page


def _open(page, url, lang):
    """A page in `lang`: ?lang= sets the interface language, except on search, where it
    filters the results (the switcher's choice applies there)."""
    if not url.split("?")[0].endswith("/search"):
        url = f"{url}{'&' if '?' in url else '?'}lang={lang}"
    page.goto(url)
    assert page.evaluate("document.documentElement.lang") == lang
    page.evaluate("document.fonts.ready.then(() => true)")


def _assert_no_sideways_scroll(page, what):
    width, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    offenders = [] if width <= inner else page.evaluate(OFFENDERS_JS)
    assert width <= inner, f"{what}: page is {width}px wide in a {inner}px window; {offenders}"


def _box(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not displayed"
    return box


def _direction(page, selector):
    return page.locator(selector).first.evaluate("e => getComputedStyle(e).direction")


def _char_x(page, selector, which):
    """The horizontal middle of the first or last visible character of an element's text."""
    return page.locator(selector).first.evaluate(CHAR_X_JS, which)


def _shoot(page, tmp_path, lang, width, name):
    path = tmp_path / f"{lang}-{width}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if (lang, width, name) in KEEP:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / path.name), full_page=True)


@pytest.mark.parametrize("lang", ["ar", "zh"])
@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways(live_server, browser, record, tmp_path, lang, width):
    context, page = _logged_in(browser, live_server, width, lang)
    for name, path in _pages(record).items():
        _open(page, live_server + path, lang)
        _assert_no_sideways_scroll(page, f"{lang} {width}px {name}")
        _shoot(page, tmp_path, lang, width, name)
    context.close()

    # The log-in page, as a visitor sees it; and the skip link, once focused, stays inside.
    anonymous = browser.new_context(viewport={"width": width, "height": 900})
    page = anonymous.new_page()
    _open(page, f"{live_server}/login", lang)
    _assert_no_sideways_scroll(page, f"{lang} {width}px login")
    _shoot(page, tmp_path, lang, width, "login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    skip = _box(page, "a.skip")
    assert 0 <= skip["x"] and skip["x"] + skip["width"] <= width
    _assert_no_sideways_scroll(page, f"{lang} {width}px login, skip link focused")
    anonymous.close()


def test_arabic_mirrors_the_layout_and_isolates_english(live_server, browser, record):
    context, page = _logged_in(browser, live_server, 1280)
    rev1 = record["rev1"]
    # The English original (an Arabic translation exists, and would be shown by default).
    _open(page, f"{live_server}/consultations/gpa/versions/{rev1.id}?text=en", "ar")
    middle = 1280 / 2
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert _direction(page, "main") == "rtl"
    right = lambda box: box["x"] + box["width"]  # noqa: E731
    # The header mirrors: the site's name on the right; further left the search box, then
    # the account (the reverse of English).
    brand, search = _box(page, "header .brand"), _box(page, "header form.site-search")
    account = _box(page, "header nav.account")
    assert brand["x"] > middle and right(brand) > 1280 - 40, brand
    assert right(account) <= search["x"] and right(search) <= brand["x"], (account, search)
    assert account["x"] < 40, account
    # The names in the header are isolated: an Arabic name with Latin in brackets reads
    # right to left, its closing bracket last, on the left.
    name = "header .who bdi.user-name"
    assert page.locator(name).inner_text() == "ليلى حسن (Laila Hassan)"
    assert _char_x(page, name, "first") > _char_x(page, name, "last")
    # A paragraph of the English draft: labels at the start (right), text left-to-right.
    label, text = _box(page, "#OP1 a.label"), _box(page, "#OP1 .text")
    assert label["x"] > text["x"] + text["width"] - 1, (label, text)
    assert _direction(page, "#OP1 .text") == "ltr"
    assert page.locator("#OP1 .text").get_attribute("lang") == "en"
    # Its comments link is indented from the start (right) side, past the label column.
    link = _box(page, "#OP1 + p.comments-link")
    assert right(text) < right(link) < right(label) - 50, (label, link, text)

    # Parallel texts: the English text first (on the right), the Arabic beside it on the
    # left, each in its own direction.
    _open(page, f"{live_server}/consultations/gpa/versions/{rev1.id}?text=en&beside=ar", "ar")
    english_text, arabic_text = "#OP1 .text[lang=en]", "#OP1 .text[lang=ar]"
    assert _direction(page, english_text) == "ltr" and _direction(page, arabic_text) == "rtl"
    assert _box(page, english_text)["x"] > right(_box(page, arabic_text)) - 1

    # On the paragraph's page, the English comment keeps its direction; the Arabic one too.
    english, arabic = record["english"], record["arabic"]
    page.goto(f"{live_server}/consultations/gpa/versions/{rev1.id}/paragraphs/OP1?lang=ar")
    assert _direction(page, f"#s{english.id} > article > .body") == "ltr"
    assert _direction(page, f"#s{arabic.id} > article > .body") == "rtl"
    assert page.locator(f"#s{english.id} > article > .body").get_attribute("lang") == "en"
    assert _direction(page, "#thread") == "rtl"
    # A short English reply reads left to right, its full stop after the bracket on the
    # right, and starts at the left of its box.
    reply = f"#s{record['reply'].id} > article > .body"
    assert page.locator(reply).inner_text().strip() == "Agreed (UNODC)."
    assert _char_x(page, reply, "first") < _char_x(page, reply, "last")
    assert _char_x(page, reply, "first") - _box(page, reply)["x"] < 20
    # An English paragraph quoted in the Arabic page (the submission's current text) too.
    page.goto(f"{live_server}/consultations/gpa/submissions/{english.id}?lang=ar")
    quoted = "blockquote.current-text > div[lang=en]"
    assert _direction(page, quoted) == "ltr"
    assert _char_x(page, quoted, "first") < _char_x(page, quoted, "last")

    # Printed, the page is still right-to-left, mirrored and no wider than the paper.
    page.emulate_media(media="print")
    page.goto(f"{live_server}/consultations/gpa/versions/{rev1.id}?text=en&lang=ar")
    assert _direction(page, "main") == "rtl"
    label, text = _box(page, "#OP1 a.label"), _box(page, "#OP1 .text")
    assert label["x"] > text["x"], (label, text)
    _assert_no_sideways_scroll(page, "ar print version")
    page.emulate_media(media="screen")
    context.close()

    # A visitor's header: the site's name on the right half, the search box on the left half.
    visitor = browser.new_context(viewport={"width": 1280, "height": 900})
    page = visitor.new_page()
    _open(page, f"{live_server}/consultations/gpa/versions/{rev1.id}", "ar")
    brand, search = _box(page, "header .brand"), _box(page, "header form.site-search")
    assert brand["x"] > middle, brand
    assert right(search) < middle, search
    visitor.close()


def test_arabic_text_keeps_its_direction_on_a_left_to_right_page(live_server, browser,
                                                                 record):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    rev1, arabic = record["rev1"], record["arabic"]
    for lang in ("zh", "en"):
        _open(page, f"{live_server}/consultations/gpa/versions/{rev1.id}/paragraphs/OP1", lang)
        assert _direction(page, "main") == "ltr"
        assert _direction(page, f"#s{arabic.id} > article > .body") == "rtl"
        assert page.locator(f"#s{arabic.id} > article > .body").get_attribute("lang") == "ar"
        # A short Arabic reply reads right to left from the right edge of its box, its
        # bracket and full stop at the end, on the left.
        reply = f"#s{record['arabic_reply'].id} > article > .body"
        assert _direction(page, reply) == "rtl"
        first, last = _char_x(page, reply, "first"), _char_x(page, reply, "last")
        assert first > last
        box = _box(page, reply)
        assert box["x"] + box["width"] - first < 20
    context.close()

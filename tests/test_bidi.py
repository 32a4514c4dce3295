"""Bidirectional text in the markup: what users write keeps its own language and direction,
names are isolated, and the stylesheets lay pages out in logical (start/end) terms only.

The rendering itself is checked in Chromium by tests/browser/test_rtl_layout.py.
"""

from __future__ import annotations

import datetime as dt
import re

import lxml.html
import pytest

from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.settings import ROOT
from tests.conftest import SMALL_DRAFT, login

ARABIC = "نرحب بالفقرة (بصيغتها الحالية)."
ENGLISH = "France supports OP1 (as drafted)."


@pytest.fixture
def posted(client, make_user, staff, consultation):
    """A published version (label with brackets), an Arabic comment, an English one, one
    whose language was not said, and an amendment; the Egyptian delegate logged in."""
    version = drafts.create_version(staff, consultation, label="Rev.1 (final)",
                                    text=SMALL_DRAFT, publish=True,
                                    comments_close_at=utcnow() + dt.timedelta(days=10))
    db.session.commit()
    egypt = make_user("delegate", delegation="EGY", email="egy@example.org",
                      name="ليلى حسن (Laila Hassan)")
    france = make_user("delegate", delegation="FRA", email="fra@example.org",
                       name="Marie Durand")
    op1 = next(p for p in version.paragraphs if p.label == "OP1")
    found = {
        "version": version,
        "arabic": comments.post_comment(egypt, op1, ARABIC, language="ar"),
        "english": comments.post_comment(france, op1, ENGLISH, language="en"),
        "unsaid": comments.post_comment(france, op1, "No language said (here)."),
        "amendment": comments.propose_amendment(
            france, op1, "*Calls upon* all Member States to act;", "Urgency (now).",
            language="en"),
    }
    db.session.commit()
    assert login(client, "egy@example.org").status_code == 302
    return found


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return lxml.html.fromstring(response.get_data(as_text=True))


def one(tree, xpath):
    found = tree.xpath(xpath)
    assert len(found) == 1, f"{xpath}: {len(found)} elements"
    return found[0]


def test_submission_text_carries_its_declared_language_and_finds_its_direction(client,
                                                                              posted):
    version = posted["version"]
    for lang in ("ar", "en", "zh"):
        tree = page(client, f"/consultations/gpa/versions/{version.id}/paragraphs/OP1?lang={lang}")
        for name, declared in (("arabic", "ar"), ("english", "en"), ("unsaid", "")):
            body = one(tree, f'//li[@id="s{posted[name].id}"]/article/div[@class="body"]')
            # An empty lang says "unknown": better than inheriting the page's language. A
            # declared language gives the direction ("UNODC…" opening an Arabic comment
            # does not turn it left to right); an undeclared one is left to the browser.
            direction = {"ar": "rtl", "en": "ltr", "": "auto"}[declared]
            assert body.get("lang") == declared and body.get("dir") == direction, name
        amendment = f'//li[@id="s{posted["amendment"].id}"]/article'
        for part, direction in (('div[@class="body"]', "ltr"),
                                ('div/blockquote[@class="diff"]', "auto"),
                                ('div/details/blockquote[@class="proposed-clean"]', "auto")):
            found = one(tree, f"{amendment}/{part}")
            assert (found.get("lang"), found.get("dir")) == ("en", direction), part
        # Forms for text: the direction follows what is typed.
        assert one(tree, '//textarea[@id="comment-body"]').get("dir") == "auto"
        assert one(tree, '//textarea[@id="amendment-text"]').get("lang") == "en"

    # The submission's own page: its text, the proposed wording, the quoted paragraph.
    tree = page(client, f"/consultations/gpa/submissions/{posted['amendment'].id}?lang=ar")
    for xpath, direction in (('//article[@id="s{id}"]/div[@class="body"]', "ltr"),
                             ('//article[@id="s{id}"]//blockquote[@class="diff"]', "auto"),
                             ('//main/blockquote[@class="proposed-clean"]', "auto")):
        found = one(tree, xpath.format(id=posted["amendment"].id))
        assert (found.get("lang"), found.get("dir")) == ("en", direction), xpath
    quoted = one(tree, '//blockquote[@class="current-text"]/div')
    assert (quoted.get("lang"), quoted.get("dir")) == ("en", "auto")


def test_names_and_labels_are_isolated(client, posted):
    version = posted["version"]
    tree = page(client, f"/consultations/gpa/versions/{version.id}/paragraphs/OP1?lang=ar")
    # The header: the account's name and its delegation's name.
    header = one(tree, '//header[@class="site"]')
    assert one(header, './/bdi[@class="user-name"]').text == "ليلى حسن (Laila Hassan)"
    assert one(header, './/bdi[@class="delegation-name"]').text == "مصر"
    # Each submission's head: delegation and author.
    head = one(tree, f'//li[@id="s{posted["english"].id}"]/article/header')
    assert [b.text for b in head.xpath('.//span[@class="attribution"]//bdi')] == ["فرنسا"]
    assert [b.text for b in head.xpath('.//span[@class="author"]/bdi')] == ["Marie Durand"]
    # The thread's heading names the paragraph; "no comments" sentences the version.
    assert one(tree, '//h2[@id="thread-title"]/bdi').text == "OP1"

    tree = page(client, f"/consultations/gpa/submissions/{posted['english'].id}?lang=ar")
    assert [b.text for b in tree.xpath('//p[@class="crumbs"]//bdi')] == [
        "Global Plan of Action", "Rev.1 (final)", "OP1"]
    assert [b.text for b in tree.xpath("//h1//bdi")] == ["فرنسا", "OP1", "Rev.1 (final)"]

    tree = page(client, "/consultations/gpa?lang=ar")
    assert one(tree, "//h1/bdi").text == "Global Plan of Action"
    assert "Rev.1 (final)" in [b.text for b in tree.xpath('//ol[@class="timeline"]//bdi')]
    tree = page(client, "/?lang=ar")
    assert one(tree, '//ul[@class="consultations"]//h2//bdi').text == "Global Plan of Action"
    tree = page(client, "/delegations/EGY?lang=ar")
    assert one(tree, "//h1/bdi").text == "مصر"
    # Each name in its own direction, inside list items that follow the page's.
    names = {li.get("lang"): li.xpath("span")[0].get("dir")
             for li in tree.xpath('//ul[@class="names"]/li')}
    assert names["ar"] == "rtl" and names["en"] == names["fr"] == names["zh"] == "ltr"


def test_search_results_find_their_own_direction(client, posted):
    tree = page(client, "/search?q=supports")
    snippet = one(tree, '//ol[@class="results"]//p[@class="snippet"]')
    assert (snippet.get("lang"), snippet.get("dir")) == ("en", "auto")
    assert one(tree, '//ol[@class="results"]//h3[@class="result-title"]/a').get("dir") == "auto"
    assert "Rev.1 (final)" in [b.text for b in tree.xpath('//p[@class="result-meta"]//bdi')]


def test_compare_and_compilation_keep_the_draft_in_its_language(client, posted, staff,
                                                                 consultation):
    zero = posted["version"]
    rev2 = drafts.create_version(staff, consultation, label="Rev.2", based_on_id=zero.id,
                                 text=SMALL_DRAFT.replace("act;", "act now;"), publish=True)
    db.session.commit()
    for view in ("inline", "side"):
        tree = page(client, f"/consultations/gpa/compare/{zero.id}/{rev2.id}?view={view}&lang=ar")
        texts = tree.xpath('//div[contains(@class, "text")]')
        assert texts and all((t.get("lang"), t.get("dir")) == ("en", "auto") for t in texts)
        assert [b.text for b in tree.xpath("//h1/bdi")] == ["Rev.1 (final)", "Rev.2"]
    tree = page(client, f"/consultations/gpa/versions/{zero.id}/compilation?lang=ar")
    diff = one(tree, '//li[@id="s{}"]/blockquote[@class="diff"]'.format(posted["amendment"].id))
    assert (diff.get("lang"), diff.get("dir")) == ("en", "auto")


# --- the stylesheets -------------------------------------------------------------------------

# Physical left/right in layout: each mirrors wrongly in a right-to-left page. Four-value
# margins and paddings are refused when their two sides differ (then use margin-inline).
PHYSICAL = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border|inset)-(?:left|right)(?:-[a-z]+)?"
    r"|left|right|float|clear)\s*:"
    r"|text-align\s*:\s*(?:left|right)"
    r"|(?:border-)?(?:top|bottom)-(?:left|right)-radius\s*:")
SHORTHAND = re.compile(r"(?<![\w-])(margin|padding)\s*:\s*([^;}]+)")


def _sides_differ(values: str) -> bool:
    parts = values.replace("!important", "").split()
    return len(parts) == 4 and parts[1] != parts[3]


def test_stylesheets_use_logical_properties_only():
    found = []
    for path in sorted((ROOT / "consult" / "static").glob("*.css")):
        css = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        for number, line in enumerate(css.splitlines(), 1):
            if PHYSICAL.search(line):
                found.append(f"{path.name}:{number}: {line.strip()}")
            for _, values in SHORTHAND.findall(line):
                if _sides_differ(values):
                    found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == []


def test_the_skip_link_is_never_pushed_off_the_page():
    css = (ROOT / "consult" / "static" / "consult.css").read_text(encoding="utf-8")
    assert not re.search(r"-\d{3,}px", css), "off-screen offsets scroll right-to-left pages"

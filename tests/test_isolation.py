"""Text written in the other direction is isolated wherever it is shown.

An Arabic comment, reply, name, reason or note on an English (left-to-right) page must sit
in an element that sets its own direction (`dir`, or `<bdi>`); otherwise its brackets and
full stops land on the wrong side and neighbouring words are reordered. Every page type of
tests/test_every_page_translated.py is checked, as each kind of reader sees it.
"""

from __future__ import annotations

import re

import lxml.html
import pytest

from consult.comments import services as comments
from consult.db import db
from consult.moderation import services as moderation
from tests.comments.conftest import paragraph
from tests.test_every_page_translated import _clients, _pages, site  # noqa: F401

ARABIC = re.compile(r"[\u0600-\u06ff]")
# Undeclared language on purpose: the page cannot know it, so it must let the text decide.
COMMENT = "نرحب بالفقرة (بصيغتها الحالية)."
REPLY = "نؤيد ذلك (بقوة)."
PROPOSAL = "*تهيب* بجميع الدول الأعضاء أن تتصرف؛"
REASON = "خارج الموضوع (انظر الفقرة 1)."
NOTE = "أدرج جزئيا (في الفقرة 1)."
NAME = "ليلى حسن"


@pytest.fixture
def arabic_site(site, staff, make_user):
    rev1 = site["rev1"]
    egypt = make_user("delegate", delegation="EGY", email="egy@example.org", name=NAME)
    op1, op2 = paragraph(rev1, "OP1"), paragraph(rev1, "OP2")
    comment = comments.post_comment(egypt, op1, COMMENT)
    comments.post_comment(egypt, op1, REPLY, parent_id=comment.id)
    proposal = comments.propose_amendment(egypt, op2, PROPOSAL, COMMENT)
    hidden = comments.post_comment(egypt, op2, COMMENT)
    comments.post_statement(egypt, rev1, COMMENT)
    db.session.commit()
    moderation.set_disposition(staff, proposal, "partly_incorporated", NOTE)
    moderation.hide_submission(staff, hidden, reason_code="off_topic", reason=REASON)
    db.session.commit()
    pages = _pages(site) + [("delegation (Egypt)", "public", "/delegations/EGY"),
                            ("search (Arabic)", "public", "/search?q=%D8%A8%D8%A7%D9%84%D9%81%D9%82%D8%B1%D8%A9")]
    return site, pages


def _unisolated(html: str) -> list[str]:
    """Arabic text on the page with no element between it and <main>/<body> that sets a
    direction: the `dir` attribute, or a <bdi>."""
    root = lxml.html.document_fromstring(html)
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "title",
                                                               "textarea", "option", "head"):
            continue
        texts = [element.text] + [child.tail for child in element]
        if not any(t and ARABIC.search(t) for t in texts):
            continue
        node, isolated = element, False
        while node is not None and node.tag not in ("html",):
            if node.tag == "bdi" or (node.get("dir") and node.tag not in ("html", "body")):
                isolated = True
                break
            node = node.getparent()
        if not isolated:
            text = next(t for t in texts if t and ARABIC.search(t))
            found.append(f"<{element.tag} class={element.get('class')!r}>{text.strip()[:40]}")
    return found


def test_text_of_the_other_direction_is_isolated_on_every_page(app, arabic_site):
    site, pages = arabic_site
    clients = _clients(app, site, "en")
    problems = {}
    for name, who, address in pages:
        response = clients[who].get(address)
        expected = int(name.split()[1]) if name.startswith("error ") else 200
        if response.status_code != expected:
            problems[name] = [f"HTTP {response.status_code}"]
            continue
        found = _unisolated(response.get_data(as_text=True))
        if found:
            problems[name] = found
    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())


def test_the_language_choice_isolates_each_native_name(app, arabic_site):
    """The language menu of the comment form lists names in their own scripts: each
    option declares its language, so العربية is shaped and ordered as Arabic."""
    site, _ = arabic_site
    clients = _clients(app, site, "en")
    html = clients["delegate"].get(
        f"/consultations/gpa/versions/{site['rev1'].id}/paragraphs/OP1").get_data(as_text=True)
    root = lxml.html.document_fromstring(html)
    options = root.xpath("//select[@id='comment-language']/option")
    assert options, "the comment form offers a language choice"
    arabic = [o for o in options if o.get("value") == "ar"]
    assert arabic and arabic[0].get("lang") == "ar" and arabic[0].get("dir") == "rtl"

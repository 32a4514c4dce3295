"""Proposed wording looks like the paragraph it replaces, everywhere (issue 13, 2).

The zero draft's OP1 is "*Calls upon* Member States to act;" (italic operative verb) and
OP2 "*Urges* States to protect victims:". Delegates type Markdown, or start from the
paragraph's plain text; readers never see asterisks.
"""

from __future__ import annotations

import io
import re
from html import unescape

import docx
import pytest

from consult.comments import services
from consult.comments.wording import render_wording
from consult.db import db
from consult.moderation.services import set_disposition
from tests.comments.conftest import paragraph
from tests.conftest import fresh, login

OP1 = "*Calls upon* Member States to act;"


def visible(html: str) -> str:
    """What a reader sees: tags removed, entities decoded, spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def block(html: str, css_class: str) -> str:
    """The inside of the first <blockquote class="…css_class…">."""
    match = re.search(rf'<blockquote class="{css_class}"[^>]*>(.*?)</blockquote>', html,
                      re.DOTALL)
    assert match, f"no blockquote.{css_class}"
    return match.group(1)


# --- the rendering -----------------------------------------------------------------------


def test_an_unchanged_operative_verb_stays_italic_when_typed_plain():
    marked, clean = render_wording(OP1, "Calls upon all States to act;")
    assert marked == "<em>Calls upon</em> <del>Member</del><ins>all</ins> States to act;"
    assert clean == "<em>Calls upon</em> all States to act;"


def test_a_replaced_italic_verb_is_marked_on_the_rendered_words():
    marked, clean = render_wording("*Encourages* States to act;",
                                   "*~~Encourages~~Urges* States to act;")
    assert marked == "<del><em>Encourages</em></del><ins><em>Urges</em></ins> States to act;"
    assert clean == "<em>Urges</em> States to act;"


def test_links_are_rendered_and_unsafe_ones_are_not():
    marked, clean = render_wording(OP1, "*Calls upon* Member States to act "
                                        "[now](https://un.org) [x](javascript:alert(1));")
    assert '<a href="https://un.org" rel="nofollow ugc noopener">now</a>' in clean
    for html in (marked, clean):
        assert 'href="javascript' not in html  # left as the text the delegate typed


def test_raw_html_is_text_and_the_html_stays_balanced():
    marked, clean = render_wording(OP1, "*Calls <b>upon</b>* **Member States** to act;")
    assert "<b>" not in marked and "&lt;b&gt;" in marked
    for html in (marked, clean):
        for tag in ("em", "strong", "ins", "del", "a"):
            assert html.count(f"<{tag}>") + html.count(f"<{tag} ") == html.count(f"</{tag}>")


def test_chinese_changes_are_marked_one_character_at_a_time():
    marked, _ = render_wording("*吁请*各国采取行动；", "*吁请*各国立即采取行动；")
    assert marked == "<em>吁请</em>各国<ins>立即</ins>采取行动；"


def test_the_same_words_unformatted_are_no_amendment(version, fra):
    with pytest.raises(services.Invalid):
        services.propose_amendment(fra, paragraph(version, "OP1"), "Calls upon Member "
                                                                    "States to act;")


# --- pages ---------------------------------------------------------------------------------


def test_the_submission_shows_rendered_wording_marked_and_clean(client, version, fra):
    made = services.propose_amendment(fra, paragraph(version, "OP1"),
                                      "Calls upon all States to act;", "Because *now*.")
    db.session.commit()
    html = client.get(f"/consultations/gpa/submissions/{made.id}").get_data(as_text=True)
    marked, clean = block(html, "diff"), block(html, "proposed-clean")
    assert "*" not in visible(marked) and "*" not in visible(clean)
    assert "<em>Calls upon</em>" in marked and "<em>Calls upon</em>" in clean
    assert "<del>Member</del><ins>all</ins>" in marked
    assert visible(clean) == "Calls upon all States to act;"


def test_the_amendment_box_starts_from_the_plain_text(client, version, fra):
    login(client, fra.email)
    html = client.get(f"/consultations/gpa/versions/{version.id}/paragraphs/OP1") \
        .get_data(as_text=True)
    box = re.search(r'<textarea id="amendment-text"[^>]*>(.*?)</textarea>', html, re.DOTALL)
    assert box and unescape(box.group(1)) == "Calls upon Member States to act;"


def test_the_compilation_page_and_docx_show_rendered_wording(client, version, fra, make_user,
                                                             consultation):
    made = services.propose_amendment(fra, paragraph(version, "OP2"),
                                      "*~~Urges~~Calls upon* States to protect victims:")
    cofacilitator = make_user("cofacilitator", consultations=[consultation])
    set_disposition(cofacilitator, made, "incorporated", "OP2 now reads *Calls upon*.")
    db.session.commit()
    url = f"/consultations/gpa/versions/{version.id}/compilation"
    html = client.get(url).get_data(as_text=True)
    proposal = re.search(rf'<li class="proposal[^"]*" id="s{made.id}">(.*?)</li>', html,
                         re.DOTALL).group(1)
    assert "*" not in visible(proposal) and "~~" not in proposal
    assert "<del><em>Urges</em></del><ins><em>Calls upon</em></ins>" in proposal
    assert "OP2 now reads <em>Calls upon</em>." in proposal

    document = docx.Document(io.BytesIO(client.get(url + ".docx").data))
    texts = [p.text for p in document.paragraphs]
    wording = next(p for i, p in enumerate(document.paragraphs)
                   if texts[i - 1].startswith("Proposed by France (FRA)"))
    assert "*" not in wording.text and "~" not in wording.text
    runs = [(r.text, bool(r.italic), bool(r.bold), bool(r.font.strike)) for r in wording.runs]
    assert ("Urges", True, False, True) in runs  # deleted, and italic as in the text
    assert ("Calls upon", True, True, False) in runs  # inserted, italic as proposed
    assert "Disposition: Incorporated — OP2 now reads Calls upon." in texts


def test_the_api_gives_the_clean_wording_and_keeps_the_source(client, version, fra):
    made = services.propose_amendment(fra, paragraph(version, "OP1"),
                                      "Calls upon all States to act;")
    db.session.commit()
    data = client.get(f"/api/v1/comments/{made.id}").get_json()
    assert data["proposed_text"] == "Calls upon all States to act;"  # the record
    assert data["proposed_html"] == "<em>Calls upon</em> all States to act;"
    assert "<em>Calls upon</em>" in data["proposed_diff_html"]


def test_an_edit_keeps_the_rendered_earlier_text(client, version, fra):
    made = services.propose_amendment(fra, paragraph(version, "OP1"),
                                      "*Calls upon* all States to act;")
    db.session.commit()
    services.edit_submission(fra, made, proposed_text="*Calls upon* all States to act now;",
                             expected_revision=0)
    db.session.commit()
    fresh()
    html = client.get(f"/consultations/gpa/submissions/{made.id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    assert "<em>Calls upon</em>" in history and "*" not in visible(history)


def test_the_clean_text_section_of_the_submission_page_is_rendered(client, version, fra):
    made = services.propose_amendment(fra, paragraph(version, "OP1"),
                                      "*Calls upon* all States to act;")
    db.session.commit()
    html = client.get(f"/consultations/gpa/submissions/{made.id}").get_data(as_text=True)
    section = html[html.index("Proposed wording (clean text)"):]
    assert "*" not in visible(block(section, "proposed-clean"))


def test_the_disposition_note_is_rendered_on_the_submission_page(client, version, fra,
                                                                  make_user, consultation):
    made = services.propose_amendment(fra, paragraph(version, "OP2"),
                                      "*Calls upon* States to protect victims:")
    cofacilitator = make_user("cofacilitator", consultations=[consultation])
    set_disposition(cofacilitator, made, "incorporated", "OP2 now reads *Calls upon*.")
    db.session.commit()
    html = client.get(f"/consultations/gpa/submissions/{made.id}").get_data(as_text=True)
    assert "OP2 now reads <em>Calls upon</em>." in html
    assert "*Calls upon*" not in html

"""Issue 16, part 1: square brackets, the unagreed text of a negotiation, counted and marked.

What counts as a bracket is what a reader sees as one (consult/drafts/brackets.py): pairs,
nested pairs each; not a link's brackets, a footnote mark, an escaped bracket or code.
Pure tests: no application, no database.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from consult.drafts.brackets import (
    CLOSE_MARK,
    MARKED_BRACKETS,
    MARKED_DEPTH,
    OPEN_MARK,
    Brackets,
    version_brackets,
)
from consult.drafts.parsing import parse_draft
from consult.markdown import (
    draft_brackets,
    draft_references,
    render_draft,
    render_draft_markdown,
    render_draft_unmarked,
)

COP21 = Path(__file__).resolve().parents[2] / "consult" / "demo" / "cop21"


def count(text: str, references: dict | None = None) -> int:
    return draft_brackets(text, references).count


# --- what counts ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("no brackets at all", 0),
    ("[a]", 1),
    ("[a [b]]", 2),  # nested pairs count each
    ("[[domestic laws],[policies]]", 3),
    ("*In [furtherance][pursuit]* of", 2),  # undefined reference: brackets
    ("[x] placeholder in Annex [X]", 2),
    ("[]", 1),
    ("[a\n\nb]", 1),  # one passage over two blocks of the same paragraph
    ("- [a\n- b]", 1),  # … or two list items
])
def test_pairs_and_nested_pairs(text, expected):
    found = draft_brackets(text)
    assert (found.count, found.is_balanced) == (expected, True)


@pytest.mark.parametrize("text", [
    "[the report](https://undocs.org/A/64/178)",  # inline link
    "[the report](/documents/1 \"title [x]\")",  # link with a title
    "![a map [1]](https://example.org/map.png)",  # image, brackets in its description too
    "See the report[^1].",  # footnote mark
    "[^12]: The footnote itself.",  # footnote definition
    "[^note]",
    "\\[sic\\]",  # escaped
    "\\[sic]",  # the bracket that closes an escaped one
    "&#91;a&#93;",  # character references
    "`[code]` and ``[[more]]``",  # code spans
    "```\n[fenced]\n```",  # fenced code
    "    [indented code]",  # indented code
    "<https://example.org/[1]>",  # autolink
    "[ref]\n\n[ref]: https://example.org",  # reference defined in the same text
])
def test_what_is_not_a_bracket(text):
    assert count(text) == 0, render_draft(text)


def test_reference_links_need_their_definition_somewhere_in_the_version():
    text = "This is the [final draft negotiating text][source] and [source] itself."
    assert count(text) == 3  # nothing defines "source": brackets
    references = draft_references(["Some text.", "[source]: http://unfccc.int/11infnot.pdf"])
    assert count(text, references) == 0
    html = render_draft_markdown(text, references)
    assert html.count('<a href="http://unfccc.int/11infnot.pdf">') == 2
    # A definition is not text: it counts nothing.
    assert count("[source]: http://unfccc.int/11infnot.pdf") == 0


def test_a_bracketed_footnote_mark_and_a_footnote_with_brackets():
    # COP21, 23 October, Article 4.2(a): the footnote marks are themselves bracketed.
    assert count("support from developed country Parties[[^9]] to developing country "
                 "Parties[[^10]]") == 2
    assert count("[^6]: [South Africa wishes its reservation to be recorded.]") == 1


@pytest.mark.parametrize("text, expected", [
    ("[a", Brackets(0, 1, 0, 0)),
    ("a]", Brackets(0, 0, 1, 0)),
    ("[x [y]", Brackets(1, 1, 0, 1)),  # the inner pair is matched, the outer left open
    ("[a]] b [", Brackets(1, 1, 1, 1)),
    ("]][[", Brackets(0, 2, 2, 0)),
])
def test_unbalanced_brackets_are_named_not_counted(text, expected):
    found = draft_brackets(text)
    assert found == expected and not found.is_balanced


def test_a_thousand_levels_and_half_a_million_brackets_are_read_linearly():
    deep = "[" * 1000 + "words" + "]" * 1000
    found = draft_brackets(deep)
    assert (found.count, found.depth, found.is_balanced) == (1000, 1000, True)
    html = render_draft_markdown(deep)
    # Only the outer levels get a span of their own: parsers limit how deep elements nest.
    assert html.count('<span class="bracketed">') == MARKED_DEPTH
    assert html.count(OPEN_MARK) == 1000 and html.count(CLOSE_MARK) == 1000
    assert lxml.html.fragment_fromstring(html, create_parent="div") is not None
    # The longest draft there may be (500,000 characters), all brackets: counted, and
    # shown unmarked rather than as 15 MB of markup.
    huge = "[" * 250_000 + "]" * 250_000
    html, found = render_draft(huge)
    assert (found.count, found.depth) == (250_000, 250_000) and html == huge
    assert draft_brackets("[a " * 20_000) == Brackets(0, 20_000, 0, 0)


# --- marking --------------------------------------------------------------------------------

def _well_formed(html: str) -> None:
    # Every span opened is closed inside the element it was opened in.
    stack = []
    for match in re.finditer(r"<(/?)([a-z0-9]+)[^>]*?(/?)>", html):
        closing, tag, empty = match.groups()
        if empty or tag in ("br", "img", "hr"):
            continue
        if closing:
            assert stack and stack[-1] == tag, (html, match.start())
            stack.pop()
        else:
            stack.append(tag)
    assert stack == [], html


def test_passages_and_brackets_are_marked_and_the_brackets_stay():
    html = render_draft_markdown("[[domestic laws],[policies]]")
    assert html == (
        '<span class="bracketed">' + OPEN_MARK
        + '<span class="bracketed">' + OPEN_MARK + "domestic laws" + CLOSE_MARK + "</span>,"
        + '<span class="bracketed">' + OPEN_MARK + "policies" + CLOSE_MARK + "</span>"
        + CLOSE_MARK + "</span>")
    assert lxml.html.fragment_fromstring(html, create_parent="div").text_content() == \
        "[[domestic laws],[policies]]"


def test_a_passage_that_crosses_emphasis_or_a_link_stays_well_formed():
    for text in ("*[Taking* account of the [needs]][*Taking full account* of]",
                 "**[Option 1:** [Parties [aim]]** text",
                 "[see [the report](https://undocs.org/A/1) and [more]]",
                 "*a [b* c] d",
                 "| [a | b] |\n|---|---|\n| [c] | d |"):
        html = render_draft_markdown(text)
        _well_formed(html)
        assert html.count(OPEN_MARK) == html.count(CLOSE_MARK) == count(text), html


def test_unbalanced_brackets_stay_plain_text():
    assert render_draft_markdown("[a") == "[a"
    assert render_draft_markdown("a] [b]") == \
        'a] <span class="bracketed">' + OPEN_MARK + "b" + CLOSE_MARK + "</span>"


def test_text_without_brackets_renders_as_before():
    for text in ("*Calls upon* Member States to act;", "[a](https://example.org)",
                 "1. item\n2. item", "`[code]`"):
        assert render_draft_markdown(text) == render_draft_unmarked(text)


def test_the_renderer_for_wording_and_the_docx_reads_brackets_plain():
    # Proposed wording, the .docx and search read the unmarked tokens (comments/wording.py).
    from consult.comments.wording import paragraph_plain

    assert paragraph_plain("*[Taking* account of [needs]]") == "[Taking account of [needs]]"


def test_a_paragraph_with_very_many_brackets_is_shown_unmarked():
    text = "[a] " * (MARKED_BRACKETS // 2 + 1)
    html, found = render_draft(text)
    assert found.count == MARKED_BRACKETS // 2 + 1 and "bracketed" not in html


# --- a version --------------------------------------------------------------------------------

def test_a_version_sums_its_paragraphs_and_pairs_loose_ends_across_them():
    found = version_brackets([
        ("OP1", draft_brackets("[All Parties [shall] act,")),  # opens a passage…
        ("OP2", draft_brackets("[and] communicate")),
        ("OP3", draft_brackets("report.]")),  # … closed two paragraphs later
        ("OP4", draft_brackets("a slip]")),
    ])
    assert found.total == 2
    assert [(u.label, u.unclosed, u.stray, u.closes_in, u.opened_in)
            for u in found.unbalanced] == [
        ("OP1", 1, 0, ("OP3",), ()),
        ("OP3", 0, 1, (), ("OP1",)),
        ("OP4", 0, 1, (), ())]


# --- the COP21 negotiating texts ----------------------------------------------------------------

def _cop21(name: str) -> tuple[dict[str, Brackets], int, list[str]]:
    parsed = parse_draft((COP21 / name).read_text(encoding="utf-8"))
    references = draft_references(p.text for p in parsed)
    found = [(p.label, draft_brackets(p.text, references)) for p in parsed]
    total = version_brackets(found)
    return dict(found), total.total, [u.label for u in total.unbalanced]


@pytest.mark.parametrize("name, total, unbalanced", [
    ("23-oct-2015.md", 1003, 40),
    ("4-dec-2015.md", 996, 34),
    ("9-dec-2015.md", 207, 17),
    ("12-dec-2015.md", 0, 0),  # the Paris Agreement as adopted: every bracket gone
])
def test_the_bracketed_passages_of_the_four_cop21_texts(name, total, unbalanced):
    by_label, found_total, found_unbalanced = _cop21(name)
    assert (found_total, len(found_unbalanced)) == (total, unbalanced)
    assert sum(item.count for item in by_label.values()) == total


def test_cop21_paragraphs_counted_by_hand():
    october, _total, unbalanced = _cop21("23-oct-2015.md")
    # PP1: "This is the [final draft negotiating text][source]" with "[source]: url" below.
    assert october["PP1"] == Brackets() and october["PP3"] == Brackets()  # "…2015*[^1]"
    # PP6: [furtherance] [pursuit] [principles and provisions] [as set out in Articles 2, 3
    # and 4] [including … circumstances,] and one "]" too many.
    assert october["PP6"] == Brackets(count=5, unclosed=0, stray=1, depth=1)
    # PP8: "[Taking account … [particular …][particularly vulnerable][urgent …] … [those …]
    # … Parties[ and other …] … [, small mountainous …] … [and the central American
    # isthmus]]" holds seven, then "[Taking full account …]": nine, two deep.
    assert october["PP8"] == Brackets(count=9, unclosed=0, stray=0, depth=2)
    assert october["Art.4-OP2(1)"] == Brackets(count=2, depth=1)  # Parties[[^9]] … [[^10]]
    assert "PP6" in unbalanced and "PP8" not in unbalanced
    december, _total, _unbalanced = _cop21("4-dec-2015.md")
    # "[and being guided by its principles [and provisions], … [in the light of …],]"
    assert december["PP5"] == Brackets(count=3, depth=2)
    # "[to enhance … [and] [to achieve … Article 2]. [In order to strengthen [and support]
    # …,[Parties [agree to] … [cooperation][and][concomitant][support]] so as to:]": ten,
    # three deep, and "[to enhance" never closed.
    assert december["Art.2-OP1"] == Brackets(count=10, unclosed=1, stray=0, depth=3)
    ninth, _total, _unbalanced = _cop21("9-dec-2015.md")
    assert ninth["H7"] == Brackets(count=1, depth=1)  # "## [Article 3bis] *(REDD-plus)*"

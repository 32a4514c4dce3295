"""Tests for consult.drafts.parsing: turning Markdown UN drafts into labelled paragraphs."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from consult.drafts.parsing import (MAX_DRAFT_CHARS, MAX_PARAGRAPHS, DraftError,
                                    ParsedParagraph, parse_draft, render_draft_markdown)

DATA = Path(__file__).resolve().parents[2] / "consult" / "demo"  # copies of ../shared/data
COP21 = ["23-oct-2015", "4-dec-2015", "9-dec-2015", "12-dec-2015"]
CHINESE = DATA / "A-RES-64-178.zh.txt"

UN_TEXT = """\
# Draft resolution

*Recalling* its resolution 64/178 of 18 December 2009,

*Noting with concern* that trafficking in persons [remains][is] widespread,

The General Assembly,

1. *Decides* to convene a high-level meeting;

2. *Requests* the Secretary-General:

(a) To report to the Assembly;

(b) To consult:

(i) Member States;

(ii) Civil society;

(c) To conclude the consultations;

3. *Decides* to remain seized of the matter.
"""


def _summary(paragraphs):
    return [(p.kind, p.label, p.text) for p in paragraphs]


def _by_label(paragraphs):
    return {p.label: p for p in paragraphs}


def _cop21(name):
    return (DATA / "cop21" / f"{name}.md").read_text(encoding="utf-8")


# --- structure and labels ------------------------------------------------------------------

def test_un_text_kinds_and_labels():
    paragraphs = parse_draft(UN_TEXT)
    assert [(p.kind, p.label) for p in paragraphs] == [
        ("heading", "H1"),
        ("preambular", "PP1"),
        ("preambular", "PP2"),
        ("preambular", "PP3"),
        ("operative", "OP1"),
        ("operative", "OP2"),
        ("subparagraph", "OP2(a)"),
        ("subparagraph", "OP2(b)"),
        ("subparagraph", "OP2(b)(i)"),
        ("subparagraph", "OP2(b)(ii)"),
        ("subparagraph", "OP2(c)"),
        ("operative", "OP3"),
    ]
    by_label = _by_label(paragraphs)
    assert by_label["H1"].heading_level == 1
    assert by_label["H1"].text == "Draft resolution"
    assert by_label["OP2"].number == "2"
    assert by_label["OP2"].text == "*Requests* the Secretary-General:"
    assert by_label["OP2(b)"].number == "b"
    assert by_label["OP2(b)"].text == "To consult:"
    assert by_label["OP2(b)"].parent_label == "OP2"
    assert by_label["OP2(b)(ii)"].number == "ii"
    assert by_label["OP2(b)(ii)"].parent_label == "OP2"
    assert by_label["PP1"].number is None and by_label["PP1"].parent_label is None
    assert all(p.heading_level is None for p in paragraphs if p.kind != "heading")


def test_parsed_paragraph_is_frozen():
    paragraph = parse_draft(UN_TEXT)[0]
    assert isinstance(paragraph, ParsedParagraph)
    with pytest.raises(AttributeError):
        paragraph.text = "changed"  # type: ignore[misc]


def test_printed_numbers_are_kept_when_numbering_skips():
    paragraphs = parse_draft("Recalling,\n\n1. One;\n\n2. Two;\n\n5. Five.\n")
    assert [p.label for p in paragraphs] == ["PP1", "OP1", "OP2", "OP5"]
    assert paragraphs[-1].number == "5"
    assert paragraphs[-1].text == "Five."


def test_parenthesis_numbers_and_tight_lists():
    paragraphs = parse_draft("1) First;\n2) Second;\n3) Third.\n")
    assert [(p.label, p.text) for p in paragraphs] == [
        ("OP1", "First;"), ("OP2", "Second;"), ("OP3", "Third.")]


def test_roman_i_after_h_is_a_letter():
    letters = "abcdefghij"
    text = "1. Decides:\n\n" + "\n\n".join(f"({c}) Item {c};" for c in letters)
    labels = [p.label for p in parse_draft(text)]
    assert labels == ["OP1"] + [f"OP1({c})" for c in letters]


def test_markdown_nested_list_gives_subparagraphs():
    text = "1. So as to:\n\n   1. hold the increase;\n   2. pursue efforts.\n\n2. Next.\n"
    paragraphs = parse_draft(text)
    assert [(p.kind, p.label, p.number, p.parent_label) for p in paragraphs] == [
        ("operative", "OP1", "1", None),
        ("subparagraph", "OP1(1)", "1", "OP1"),
        ("subparagraph", "OP1(2)", "2", "OP1"),
        ("operative", "OP2", "2", None),
    ]
    assert paragraphs[1].text == "hold the increase;"


def test_headings_atx_and_setext_are_counted_in_order():
    text = ("Title\n=====\n\nIntro,\n\nPart one\n--------\n\n1. One.\n\n### Deeper ###\n\n"
            "2. Two.\n")
    paragraphs = parse_draft(text)
    headings = [(p.label, p.text, p.heading_level) for p in paragraphs if p.kind == "heading"]
    assert headings == [("H1", "Title", 1), ("H2", "Part one", 2), ("H3", "Deeper", 3)]
    assert [p.label for p in paragraphs if p.kind == "operative"] == ["OP1", "OP2"]


def test_unnumbered_text_after_operative_paragraph_is_continuation():
    text = "1. Decides that:\n\nthe meeting shall be open;\n\n2. Requests.\n"
    paragraphs = parse_draft(text)
    assert [p.label for p in paragraphs] == ["OP1", "OP2"]
    assert paragraphs[0].text == "Decides that:\n\nthe meeting shall be open;"


def test_unnumbered_text_under_a_heading_is_its_own_paragraph():
    text = ("1. First.\n\n## Article 2\n\nFor the purposes of this Agreement:\n\n"
            "1. Definition one;\n\n2. Definition two.\n")
    paragraphs = parse_draft(text)
    assert [(p.kind, p.label) for p in paragraphs] == [
        ("operative", "OP1"),
        ("heading", "H1"),
        ("preambular", "PP1"),
        ("operative", "Art.2-OP1"),
        ("operative", "Art.2-OP2"),
    ]
    assert paragraphs[2].text == "For the purposes of this Agreement:"


def test_chapeau_before_a_new_list_is_its_own_paragraph():
    text = ("## Article 6\n\n**Option 1:**\n\n1. Parties shall act.\n\n**Option 2:**\n\n"
            "1. Parties should act.\n")
    paragraphs = parse_draft(text)
    assert [(p.kind, p.label, p.text) for p in paragraphs] == [
        ("heading", "H1", "Article 6"),
        ("preambular", "PP1", "**Option 1:**"),
        ("operative", "Art.6-OP1", "Parties shall act."),
        ("preambular", "PP2", "**Option 2:**"),
        ("operative", "Art.6-OP1-2", "Parties should act."),
    ]


def test_restarted_numbering_gets_section_prefixes_and_labels_stay_unique():
    text = ("## Article 1\n\n1. A.\n\n2. B.\n\n## [Article 2bis] *(general)*\n\n1. C.\n\n"
            "## Annex\n\n1. D.\n\n1. E.\n")
    labels = [p.label for p in parse_draft(text)]
    assert labels == ["H1", "Art.1-OP1", "Art.1-OP2", "H2", "Art.2bis-OP1", "H3", "OP1",
                      "OP1-2"]


def test_chinese_article_headings_give_section_prefixes():
    text = "## 第一条\n\n1. 甲。\n\n## 第二条\n\n1. 乙。\n"
    labels = [p.label for p in parse_draft(text)]
    assert labels == ["H1", "Art.1-OP1", "H2", "Art.2-OP1"]


# --- text kept exactly -----------------------------------------------------------------------

def test_text_is_kept_exactly_with_chinese_arabic_brackets_and_emphasis():
    chinese = "*回顾*其关于改进工作协调，打击贩运人口的第 63/194 号决议，"
    arabic = "إذ تشير إلى قرارها 64/178 المؤرخ 18 كانون الأول/ديسمبر 2009،"
    operative = ("*Requests* [the Secretary-General][**the co-facilitators**] to report "
                 "[in 2010]][[see note]](https://example.org/x_y),")
    text = f"{chinese}\n\n{arabic}\n\n1. {operative}\n\n2. يقرر أن يبقي المسألة قيد نظره.\n"
    paragraphs = parse_draft(text)
    assert [p.text for p in paragraphs] == [chinese, arabic, operative,
                                            "يقرر أن يبقي المسألة قيد نظره."]
    assert [p.label for p in paragraphs] == ["PP1", "PP2", "OP1", "OP2"]


def test_multiline_paragraph_is_not_rewrapped():
    text = "*Recalling* the Convention\nand its Protocols,\n\n1. Urges States\n   to act;\n"
    paragraphs = parse_draft(text)
    assert paragraphs[0].text == "*Recalling* the Convention\nand its Protocols,"
    assert paragraphs[1].text == "Urges States\n   to act;"


def test_italic_preambular_paragraphs():
    text = ("*Recalling* its resolution 64/178,\n\n"
            "*Deeply concerned* that trafficking persists,\n\n"
            "_Convinced_ that action is needed,\n\n1. Acts.\n")
    paragraphs = parse_draft(text)
    assert [(p.kind, p.label) for p in paragraphs][:3] == [
        ("preambular", "PP1"), ("preambular", "PP2"), ("preambular", "PP3")]
    assert paragraphs[0].text.startswith("*Recalling*")
    assert paragraphs[2].text == "_Convinced_ that action is needed,"


def test_front_matter_toc_and_comments_are_skipped():
    text = ("---\ntitle: Draft\nedit: true\n---\n\n<!-- editorial note\nacross lines -->\n"
            "* TOC\n{:toc}\n\n## Preamble\n{:.no_toc}\n\n*Recalling*,<!-- inline -->\n\n"
            "1. Decides.\n")
    paragraphs = parse_draft(text)
    assert _summary(paragraphs) == [("heading", "H1", "Preamble"),
                                    ("preambular", "PP1", "*Recalling*,"),
                                    ("operative", "OP1", "Decides.")]


def test_windows_line_endings_and_trailing_whitespace():
    unix = "Recalling,\n\n1. One;\n2. Two.\n"
    windows = "Recalling,   \r\n\r\n1. One;\t\r\n2. Two.  \r\n"
    assert _summary(parse_draft(windows)) == _summary(parse_draft(unix))
    assert all("\r" not in p.text for p in parse_draft(windows))


def test_table_and_bullet_list_stay_one_paragraph_each():
    table = "| Region | Cases |\n|---|---|\n| Africa | 12 |\n| Asia | 30 |"
    bullets = "- victims;\n- witnesses;\n\n- families."
    paragraphs = parse_draft(f"Intro,\n\n{table}\n\n{bullets}\n\n1. Decides.\n")
    assert _summary(paragraphs) == [("preambular", "PP1", "Intro,"),
                                    ("preambular", "PP2", table),
                                    ("preambular", "PP3", bullets),
                                    ("operative", "OP1", "Decides.")]
    after = parse_draft(f"1. Decides:\n\n{bullets}\n\n2. Ends.\n")
    assert [p.label for p in after] == ["OP1", "OP2"]
    assert after[0].text == f"Decides:\n\n{bullets}"


def test_full_width_and_chinese_numbering_and_other_markers():
    text = ("大会，\n\n１．敦促会员国；\n\n２．又敦促；\n\n三、请秘书长；\n\n"
            "4. Décide :\n\na) de convoquer;\n\nb) de prier.\n")
    paragraphs = parse_draft(text)
    assert [(p.label, p.number, p.text) for p in paragraphs] == [
        ("PP1", None, "大会，"),
        ("OP1", "1", "敦促会员国；"),
        ("OP2", "2", "又敦促；"),
        ("OP3", "3", "请秘书长；"),
        ("OP4", "4", "Décide :"),
        ("OP4(a)", "a", "de convoquer;"),
        ("OP4(b)", "b", "de prier."),
    ]


def test_arabic_hyphen_numbering():
    paragraphs = parse_draft("إن الجمعية العامة،\n\n1 - تقرر عقد اجتماع؛\n\n2 - تطلب.\n")
    assert [(p.label, p.text) for p in paragraphs] == [
        ("PP1", "إن الجمعية العامة،"), ("OP1", "تقرر عقد اجتماع؛"), ("OP2", "تطلب.")]


def test_wrapped_year_at_line_start_is_not_a_paragraph_number():
    paragraphs = parse_draft("*Recalling* the Summit held in\n2005. and its outcome,\n\n1. Acts.\n")
    assert [p.label for p in paragraphs] == ["PP1", "OP1"]


def test_text_without_blank_lines_is_one_paragraph_per_line():
    text = "Recalling its resolutions,\nNoting the report,\n1. Decides;\n2. Requests.\n"
    assert [(p.label, p.text) for p in parse_draft(text)] == [
        ("PP1", "Recalling its resolutions,"), ("PP2", "Noting the report,"),
        ("OP1", "Decides;"), ("OP2", "Requests.")]


# --- real texts ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", COP21)
def test_cop21_texts_parse(name):
    source = _cop21(name)
    paragraphs = parse_draft(source)
    kinds = collections.Counter(p.kind for p in paragraphs)
    labels = [p.label for p in paragraphs]
    assert len(paragraphs) >= 200
    assert len(set(labels)) == len(labels)
    assert kinds["operative"] >= 100
    assert kinds["preambular"] >= 20
    assert kinds["heading"] >= 25
    assert all(p.text.strip() for p in paragraphs)
    # Every square bracket of the negotiating text survives (front matter has none).
    body = source.split("\n---\n", 1)[1]
    for bracket in "[]":
        assert sum(p.text.count(bracket) for p in paragraphs) == body.count(bracket)
    # Front matter and kramdown markup are gone.
    assert not any("{:toc}" in p.text or "title:" in p.text for p in paragraphs)
    subs = [p for p in paragraphs if p.kind == "subparagraph"]
    assert all(p.parent_label in set(labels) for p in subs)


def test_cop21_labels_follow_articles():
    by_label = _by_label(parse_draft(_cop21("12-dec-2015")))
    assert by_label["Art.2-OP1"].text.startswith("This Agreement, in enhancing the "
                                                 "implementation of the Convention")
    assert by_label["Art.2-OP1(1)"].parent_label == "Art.2-OP1"
    assert by_label["Art.4-OP1"].text.startswith("In order to achieve the long-term "
                                                 "temperature goal")
    assert by_label["PP1"].text.startswith("*This is the COP21 Paris Agreement")


def test_cop21_bracketed_options_are_preserved():
    paragraphs = parse_draft(_cop21("23-oct-2015"))
    texts = "\n".join(p.text for p in paragraphs)
    assert ("*In [furtherance][pursuit]* of the objective, [principles and provisions] of "
            "the Convention") in texts
    article_1 = _by_label(paragraphs)["Art.1-OP3"]
    assert article_1.text == ('"CMA" means the Conference of the Parties serving as the '
                              'meeting of the Parties to this [Agreement];')


def test_chinese_resolution_operative_paragraphs():
    paragraphs = parse_draft(CHINESE.read_text(encoding="utf-8"))
    operative = [p for p in paragraphs if p.kind == "operative"]
    assert [p.label for p in operative] == [f"OP{n}" for n in range(1, 12)]
    op8 = _by_label(paragraphs)["OP8"]
    assert op8.number == "8"
    assert op8.text.startswith("赞赏地注意到大会第六十三届会议主席决定任命共同主持人")
    assert "共同主持人" in op8.text
    assert "公开、包容各方和透明的方式" in op8.text.replace("\n", "")
    op1 = _by_label(paragraphs)["OP1"]
    assert op1.text.startswith("敦促尚未批准或加入《联合国打击跨国有组织犯罪公约》")
    preambular = [p for p in paragraphs if p.kind == "preambular"]
    assert len(preambular) >= 10
    # Hard-wrapped lines of one paragraph are kept together.
    assert any(p.text.startswith("回顾其关于改进工作协调") and "其他相关决议，" in p.text
               for p in preambular)


# --- validation ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", "\r\n \r\n"])
def test_empty_draft(text):
    with pytest.raises(DraftError, match="^The draft is empty.$"):
        parse_draft(text)


@pytest.mark.parametrize("text", [
    "---\ntitle: Only front matter\n---\n",
    "<!-- just a comment -->\n",
    "* TOC\n{:toc}\n\n---\n",
])
def test_draft_with_only_markup(text):
    with pytest.raises(DraftError, match="no paragraphs"):
        parse_draft(text)


def test_draft_too_long():
    with pytest.raises(DraftError, match="too long"):
        parse_draft("a" * (MAX_DRAFT_CHARS + 1))


def test_draft_at_the_length_limit_is_accepted():
    assert len(parse_draft("a" * MAX_DRAFT_CHARS)) == 1


def test_too_many_paragraphs():
    text = "\n\n".join(f"{n}. Paragraph {n}." for n in range(1, MAX_PARAGRAPHS + 2))
    with pytest.raises(DraftError, match="paragraphs"):
        parse_draft(text)
    assert len(parse_draft("\n\n".join(text.split("\n\n")[:MAX_PARAGRAPHS]))) == MAX_PARAGRAPHS


def test_nul_bytes_are_refused():
    with pytest.raises(DraftError, match="NUL"):
        parse_draft("1. Decides\x00 to act.")


def test_draft_error_is_a_value_error():
    assert issubclass(DraftError, ValueError)


# --- round trip ------------------------------------------------------------------------------

def _assert_round_trip(paragraphs):
    markdown = render_draft_markdown(paragraphs)
    again = parse_draft(markdown)
    assert _summary(again) == _summary(paragraphs)
    assert [(p.number, p.parent_label, p.heading_level) for p in again] == \
        [(p.number, p.parent_label, p.heading_level) for p in paragraphs]
    return markdown


def test_round_trip_un_text():
    markdown = _assert_round_trip(parse_draft(UN_TEXT))
    assert markdown.startswith("# Draft resolution\n\n*Recalling* its resolution 64/178")
    assert "\n2. *Requests* the Secretary-General:\n" in markdown
    assert "(a) To report to the Assembly;" in markdown


def test_round_trip_continuations_tables_lists_and_chapeaus():
    text = ("Title\n=====\n\nIntro,\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- x\n- y\n\n"
            "1. Decides:\n\n(a) one;\n\n    1. nested;\n\n(b) two;\n\nContinuation.\n\n"
            "- bullet in operative part\n\n## Article 9\n\n**Option 1:**\n\n1. A.\n\n"
            "**Option 2:**\n\n1. B.\n\n[^1]: A footnote\n\n    with a second paragraph.\n")
    _assert_round_trip(parse_draft(text))


@pytest.mark.parametrize("name", COP21)
def test_round_trip_cop21(name):
    _assert_round_trip(parse_draft(_cop21(name)))


def test_round_trip_chinese_resolution():
    _assert_round_trip(parse_draft(CHINESE.read_text(encoding="utf-8")))


def test_key_markers_of_the_browser_editor_end_a_paragraph():
    text = ("1. Decides. ⟦¶ k1⟧\n\n**Option 2:** ⟦¶ k2⟧\n\n(a) Alone ⟦¶ k3⟧\n\n"
            "2. Requests:\n\nthe report. ⟦¶ k4⟧\n")
    assert _summary(parse_draft(text)) == [
        ("operative", "OP1", "Decides. ⟦¶ k1⟧"),
        ("preambular", "PP1", "**Option 2:** ⟦¶ k2⟧"),
        ("preambular", "PP2", "(a) Alone ⟦¶ k3⟧"),
        ("operative", "OP2", "Requests:\n\nthe report. ⟦¶ k4⟧"),
    ]


@pytest.mark.parametrize("name", ["23-oct-2015", "12-dec-2015"])
def test_rendered_text_with_key_markers_keeps_every_paragraph(name):
    paragraphs = parse_draft(_cop21(name))
    marked = [ParsedParagraph(kind=p.kind, label=p.label, number=p.number,
                              text=f"{p.text} ⟦¶ k{i}⟧", parent_label=p.parent_label,
                              heading_level=p.heading_level)
              for i, p in enumerate(paragraphs)]
    again = parse_draft(render_draft_markdown(marked))
    assert [(p.kind, p.label, p.text) for p in again] == [
        (p.kind, p.label, p.text) for p in marked]


def test_render_accepts_paragraphs_built_by_hand():
    paragraphs = [
        ParsedParagraph(kind="heading", label="H1", number=None, text="Plan",
                        heading_level=2),
        ParsedParagraph(kind="preambular", label="PP1", number=None, text="*Recalling*,"),
        ParsedParagraph(kind="operative", label="OP7", number="7", text="Decides:"),
        ParsedParagraph(kind="subparagraph", label="OP7(a)", number="a", text="to act;",
                        parent_label="OP7"),
    ]
    assert render_draft_markdown(paragraphs) == \
        "## Plan\n\n*Recalling*,\n\n7. Decides:\n\n    (a) to act;\n"
    _assert_round_trip(paragraphs)

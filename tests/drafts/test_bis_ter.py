"""Issue 16, part 1: paragraphs inserted as "7 bis", "7 ter"… in the six languages.

A paragraph added between 7 and 8 during negotiations is numbered "7 bis." (then "7 ter.",
"7 quater."…) rather than renumbering the text. Each is an operative paragraph of its own,
labelled OP7bis whatever the language (the labels of translations must line up), with its
own sub-paragraphs, and the numbering check takes OP7, OP7bis, OP8 as regular.
"""

from __future__ import annotations

import pytest

from consult.drafts.alignment import misalignments, parse_translation
from consult.drafts.models import paragraph_anchor
from consult.drafts.parsing import (
    number_parts,
    numbering_warnings,
    parse_draft,
    printed_number,
    render_draft_markdown,
)


def operative(text: str) -> list[tuple[str, str, str]]:
    return [(p.label, p.number, p.text) for p in parse_draft(text) if p.kind == "operative"]


@pytest.mark.parametrize("marker", ["7 bis.", "7bis.", "7 bis)", "7-bis.", "7 Bis.",
                                    "7\u00a0bis."])
def test_english_french_and_spanish_write_the_latin_word(marker):
    text = f"7. *Decides* to act;\n\n{marker} *Décide* d'agir;\n\n8. *Decide* actuar.\n"
    assert operative(text) == [("OP7", "7", "*Decides* to act;"),
                               ("OP7bis", "7bis", "*Décide* d'agir;"),
                               ("OP8", "8", "*Decide* actuar.")]


def test_every_latin_ordinal_up_to_duodecies():
    words = ["bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "novies",
             "decies", "undecies", "duodecies"]
    text = "\n\n".join(["3. Three."] + [f"3 {word}. Text {word}." for word in words] +
                       ["3 nonies. Also nine."])
    labels = [label for label, _number, _text in operative(text)]
    assert labels == ["OP3"] + [f"OP3{word}" for word in words] + ["OP3novies-2"]


def test_russian_arabic_and_chinese_forms_get_the_same_labels():
    russian = "7. Решает;\n\n7 бис. Решает;\n\n7-тер. Решает;\n\n7 кватер. Решает;\n\n8. Решает.\n"
    arabic = ("7 - يقرر؛\n\n7 مكررا - يقرر؛\n\n7 مكرراً ثانياً - يقرر؛\n\n"
              "7 مكررا ثالثا - يقرر؛\n\n8 - يقرر.\n")
    chinese = "7. 决定；\n\n7之二. 决定；\n\n7 之三 决定；\n\n７之四．决定；\n\n8. 决定。\n"
    expected = ["OP7", "OP7bis", "OP7ter", "OP7quater", "OP8"]
    for text in (russian, arabic, chinese):
        found = operative(text)
        assert [label for label, _n, _t in found] == expected, text
        assert all(not t[0].isdigit() and "-" not in t[:2] for _l, _n, t in found), found
        assert numbering_warnings(parse_draft(text)) == []


def test_arabic_indic_digits_and_the_number_text():
    found = operative("٧ - يقرر؛\n\n٧ مكررا - يطلب.\n")
    assert found == [("OP7", "7", "يقرر؛"), ("OP7bis", "7bis", "يطلب.")]


def test_words_that_merely_start_like_an_ordinal_are_not_markers():
    # "7 bisect." and "2015 terms" are text, not paragraph 7 bis.
    assert operative("7 bisect. the line.\n") == []
    assert operative("1. One.\n\n2 terms. Two.\n") == [("OP1", "1", "One.\n\n2 terms. Two.")]
    # "之一" is not an ordinal the UN uses (bis is 之二).
    assert operative("7之一. 决定。\n") == []


def test_sub_paragraphs_of_a_bis_paragraph():
    text = ("7. *Calls upon* States:\n\n(a) To act;\n\n7 bis. *Urges* States:\n\n"
            "(a) To protect;\n\n(b) To assist;\n\n8. *Decides* to remain seized.\n")
    parsed = parse_draft(text)
    assert [(p.label, p.parent_label) for p in parsed] == [
        ("OP7", None), ("OP7(a)", "OP7"), ("OP7bis", None), ("OP7bis(a)", "OP7bis"),
        ("OP7bis(b)", "OP7bis"), ("OP8", None)]
    assert paragraph_anchor("OP7bis(a)") == "OP7bis_a"
    assert paragraph_anchor("OP7bis") == "OP7bis"


def test_bis_paragraphs_round_trip_through_markdown():
    text = ("1. One:\n\n    (a) first;\n\n1 bis. One bis:\n\n    1. nested;\n\n"
            "    1 bis. nested bis;\n\n1 ter. One ter.\n\n2. Two.\n")
    parsed = parse_draft(text)
    assert [p.label for p in parsed] == ["OP1", "OP1(a)", "OP1bis", "OP1bis(1)",
                                         "OP1bis(1bis)", "OP1ter", "OP2"]
    rendered = render_draft_markdown(parsed)
    assert "1 bis. One bis:" in rendered and "1 ter. One ter." in rendered
    assert parse_draft(rendered) == parsed


def test_a_bis_paragraph_right_after_a_wrapped_line_starts_a_paragraph():
    # Text pasted with one paragraph per line: the bis paragraph is its own.
    assert [label for label, _n, _t in operative("6. Six.\n7. Seven\n7 bis. Seven bis.\n")] == \
        ["OP6", "OP7", "OP7bis"]


def test_numbering_takes_bis_and_ter_as_regular_and_names_slips():
    regular = "6. A.\n\n7. B.\n\n7 bis. C.\n\n7 ter. D.\n\n8. E.\n\n8 bis. F.\n"
    assert numbering_warnings(parse_draft(regular)) == []
    # A bis of another paragraph, a ter without its bis, a bis twice.
    slips = numbering_warnings(parse_draft(
        "6. A.\n\n7. B.\n\n5 bis. C.\n\n8. D.\n\n8 ter. E.\n\n9. F.\n\n9 bis. G.\n\n"
        "9 bis. H.\n"))
    assert [(w.kind, w.number, w.previous) for w in slips] == [
        ("out_of_order", "5bis", "7"), ("out_of_order", "8", "5bis"),
        ("out_of_order", "8ter", "8"), ("duplicate", "9bis", None)]
    assert slips[0].message == "OP5bis follows OP7 (line 5): labelled OP5bis."


def test_number_helpers():
    assert number_parts("7") == (7, 1) and number_parts("7bis") == (7, 2)
    assert number_parts("12quater") == (12, 4)
    assert number_parts("a") is None and number_parts("7x") is None
    assert printed_number("7bis") == "7 bis" and printed_number("7") == "7"
    assert printed_number("a") == "a" and printed_number(None) == ""


def test_a_translation_with_its_own_bis_forms_lines_up():
    english = "7. *Decides* to act;\n\n7 bis. *Requests* a report;\n\n8. *Decides* to stay.\n"
    labels = [p.label for p in parse_draft(english)]
    for translation in (
            "7. *Décide* d'agir ;\n\n7 bis. *Demande* un rapport ;\n\n8. *Décide* de rester.\n",
            "7 - يقرر؛\n\n7 مكررا - يطلب تقريرا؛\n\n8 - يقرر.\n",
            "7. 决定；\n\n7之二. 请提交报告；\n\n8. 决定。\n",
            "7. Постановляет;\n\n7 бис. Просит;\n\n8. Постановляет.\n"):
        assert misalignments(parse_translation(translation), labels) == [], translation

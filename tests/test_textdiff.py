"""Word-level differences as readers see them on a proposed amendment."""

from html.parser import HTMLParser

from consult.textdiff import diff_words, has_changes, tokenize


def test_inserted_latin_word_is_marked_alone():
    assert diff_words("The plan is good.", "The plan is very good.") == \
        "The plan is <ins>very </ins>good."


def test_deleted_latin_word_is_marked_alone():
    assert diff_words("The plan is very good.", "The plan is good.") == \
        "The plan is <del>very </del>good."


def test_replaced_latin_word_shows_old_then_new():
    assert diff_words("States shall act.", "States should act.") == \
        "States <del>shall</del><ins>should</ins> act."


def test_unchanged_text_has_no_marks():
    assert diff_words("Same text.", "Same text.") == "Same text."
    assert not has_changes("Same text.", "  Same text.\n")


def test_changed_chinese_word_inside_a_sentence_is_marked_alone():
    html = diff_words("各国应当立即采取行动。", "各国必须立即采取行动。")
    assert html == "各国<del>应当</del><ins>必须</ins>立即采取行动。"


def test_arabic_words_are_whole_tokens():
    old = "يجب على الدول أن تتخذ إجراءات"
    new = "ينبغي على الدول أن تتخذ إجراءات عاجلة"
    html = diff_words(old, new)
    assert html.startswith("<del>يجب</del><ins>ينبغي</ins> على الدول")
    assert html.endswith("إجراءات<ins> عاجلة</ins>")
    # Diacritics stay inside their word.
    assert tokenize("كَتَبَ الدرسَ") == ["كَتَبَ", " ", "الدرسَ"]


def test_html_special_characters_are_escaped_everywhere():
    html = diff_words("a < b & c", "a > b & <script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&amp;" in html and "<del>&lt;</del><ins>&gt;</ins>" in html

    found = set()

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.add(tag)

    Tags().feed(html)
    assert found == {"ins", "del"}

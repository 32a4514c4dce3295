"""Tests for consult.drafts.matching: stable paragraph identity across versions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from consult.drafts.matching import (Match, OldParagraph, match_paragraphs, similarity,
                                     summarise, tokenize)
from consult.drafts.parsing import ParsedParagraph, parse_draft

DATA = Path(__file__).resolve().parents[2] / "consult" / "demo"  # copies of ../shared/data

PARAGRAPHS = [
    "*Urges* Member States to address the social, economic, cultural and political factors "
    "that make persons vulnerable to trafficking;",
    "*Calls upon* Member States to adopt and implement comprehensive national action plans "
    "against trafficking in persons;",
    "*Encourages* Member States to conduct awareness-raising campaigns, in cooperation with "
    "civil society and the media, about the methods used by traffickers;",
    "*Calls upon* Member States to take measures to reduce the demand for goods and services "
    "produced by exploited persons;",
    "*Requests* the Secretary-General to report to the General Assembly at its sixty-fifth "
    "session on the implementation of the present resolution.",
]
INSERTED = ("*Reaffirms* the commitment of Member States to prevent and combat trafficking in "
            "persons in all its forms, wherever it occurs;")


def _draft(texts, preamble=("*Recalling* its resolution 64/178,",)):
    parts = list(preamble) + [f"{n}. {text}" for n, text in enumerate(texts, start=1)]
    return parse_draft("\n\n".join(parts) + "\n")


def _old(paragraphs, prefix="k"):
    return [OldParagraph(key=f"{prefix}{i}", kind=p.kind, label=p.label, text=p.text)
            for i, p in enumerate(paragraphs)]


def _check_shape(matches, old, new):
    """One match per new paragraph in order, then removed old ones in old order."""
    head = [m for m in matches if m.new_index is not None]
    tail = matches[len(head):]
    assert [m.new_index for m in head] == list(range(len(new)))
    assert all(m.new_index is None and m.status == "removed" for m in tail)
    keys = [m.old_key for m in matches if m.old_key is not None]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(p.key for p in old)
    order = {p.key: i for i, p in enumerate(old)}
    assert [order[m.old_key] for m in tail] == sorted(order[m.old_key] for m in tail)
    for m in matches:
        assert m.status in {"kept", "edited", "moved", "new", "removed"}
        assert 0.0 <= m.similarity <= 1.0
        assert (m.old_key is None) == (m.status == "new")
        assert (m.new_label is None) == (m.status == "removed")


def test_identical_versions_are_all_kept():
    version = _draft(PARAGRAPHS)
    old = _old(version)
    matches = match_paragraphs(old, version)
    _check_shape(matches, old, version)
    assert [(m.old_key, m.status, m.similarity) for m in matches] == \
        [(p.key, "kept", 1.0) for p in old]
    assert summarise(matches) == {"kept": 6, "edited": 0, "moved": 0, "new": 0, "removed": 0}


def test_insert_at_top_renumbers_but_keeps_everything():
    before = _draft(PARAGRAPHS)
    after = _draft([INSERTED] + PARAGRAPHS)
    old = _old(before)
    matches = match_paragraphs(old, after)
    _check_shape(matches, old, after)
    assert matches[1] == Match(new_index=1, old_key=None, status="new", similarity=0.0,
                               old_label=None, new_label="OP1")
    kept = [m for m in matches if m.status == "kept"]
    assert [m.old_key for m in kept] == [p.key for p in old]
    # OP1 became OP2 and so on: renumbering alone is "kept", not "moved".
    assert [(m.old_label, m.new_label) for m in kept[1:]] == \
        [(f"OP{n}", f"OP{n + 1}") for n in range(1, 6)]
    assert summarise(matches) == {"kept": 6, "edited": 0, "moved": 0, "new": 1, "removed": 0}


def test_delete_one_paragraph():
    before = _draft(PARAGRAPHS)
    after = _draft(PARAGRAPHS[:2] + PARAGRAPHS[3:])
    old = _old(before)
    matches = match_paragraphs(old, after)
    _check_shape(matches, old, after)
    assert matches[-1].status == "removed"
    assert matches[-1].old_key == "k3" and matches[-1].old_label == "OP3"
    assert [m.status for m in matches[:-1]] == ["kept"] * 5
    assert [m.old_key for m in matches[:-1]] == ["k0", "k1", "k2", "k4", "k5"]


def test_swap_two_paragraphs_keys_follow_text():
    swapped = PARAGRAPHS[:]
    swapped[1], swapped[2] = swapped[2], swapped[1]
    before = _draft(PARAGRAPHS)
    after = _draft(swapped)
    old = _old(before)
    matches = match_paragraphs(old, after)
    _check_shape(matches, old, after)
    by_text = {p.text: key for p, key in zip(before, (o.key for o in old))}
    for m in matches:
        assert m.old_key == by_text[after[m.new_index].text]
        assert m.similarity == 1.0
    statuses = [m.status for m in matches]
    assert statuses.count("moved") == 1
    assert statuses.count("kept") == 5
    assert {m.old_key for m in matches if m.status == "moved"} <= {"k2", "k3"}


def test_swap_around_a_paragraph_moves_the_swapped_pair_only():
    swapped = PARAGRAPHS[:]
    swapped[1], swapped[3] = swapped[3], swapped[1]
    matches = match_paragraphs(_old(_draft(PARAGRAPHS)), _draft(swapped))
    assert [(m.old_key, m.status) for m in matches] == [
        ("k0", "kept"), ("k1", "kept"), ("k4", "moved"), ("k3", "kept"), ("k2", "moved"),
        ("k5", "kept")]


def test_move_one_paragraph_far():
    moved = PARAGRAPHS[1:] + PARAGRAPHS[:1]
    matches = match_paragraphs(_old(_draft(PARAGRAPHS)), _draft(moved))
    assert [(m.old_key, m.status) for m in matches] == [
        ("k0", "kept"), ("k2", "kept"), ("k3", "kept"), ("k4", "kept"), ("k5", "kept"),
        ("k1", "moved")]


def test_moved_and_edited_is_moved_with_similarity_below_one():
    edited_moved = PARAGRAPHS[1:] + [PARAGRAPHS[0].replace("cultural", "environmental")]
    matches = match_paragraphs(_old(_draft(PARAGRAPHS)), _draft(edited_moved))
    last = matches[-1]
    assert (last.old_key, last.status) == ("k1", "moved")
    assert 0.5 <= last.similarity < 1.0


def test_edit_one_word_keeps_key():
    edited = PARAGRAPHS[:]
    edited[2] = edited[2].replace("campaigns", "programmes")
    before = _draft(PARAGRAPHS)
    after = _draft(edited)
    old = _old(before)
    matches = match_paragraphs(old, after)
    _check_shape(matches, old, after)
    assert [m.status for m in matches] == ["kept", "kept", "kept", "edited", "kept", "kept"]
    assert matches[3].old_key == "k3"
    assert 0.9 < matches[3].similarity < 1.0


def test_bracket_or_punctuation_change_is_an_edit():
    edited = PARAGRAPHS[:]
    edited[0] = edited[0].replace("cultural and political", "cultural [and political]")
    matches = match_paragraphs(_old(_draft(PARAGRAPHS)), _draft(edited))
    assert (matches[1].old_key, matches[1].status) == ("k1", "edited")
    assert matches[1].similarity == 0.99


def test_rewrapped_text_is_kept():
    rewrapped = [PARAGRAPHS[0].replace(" that make", "\n   that make")] + PARAGRAPHS[1:]
    matches = match_paragraphs(_old(_draft(PARAGRAPHS)), _draft(rewrapped))
    assert [m.status for m in matches] == ["kept"] * 6


def test_split_paragraph_one_half_keeps_the_key():
    long_text = ("*Calls upon* Member States to ensure that victims of trafficking are "
                 "identified promptly and treated as victims of crime, with full respect for "
                 "their human rights, and to provide them with safe shelter, medical and "
                 "psychological care, legal counselling and interpretation services.")
    first = ("*Calls upon* Member States to ensure that victims of trafficking are identified "
             "promptly and treated as victims of crime, with full respect for their human "
             "rights;")
    second = ("*Also calls upon* Member States to provide victims with safe shelter, medical "
              "and psychological care, legal counselling and interpretation services.")
    before = _draft([PARAGRAPHS[0], long_text, PARAGRAPHS[4]])
    after = _draft([PARAGRAPHS[0], first, second, PARAGRAPHS[4]])
    old = _old(before)
    matches = match_paragraphs(old, after)
    _check_shape(matches, old, after)
    halves = matches[2:4]
    assert sorted(m.status for m in halves) == ["edited", "new"]
    keeper = next(m for m in halves if m.status == "edited")
    other = next(m for m in halves if m.status == "new")
    assert keeper.old_key == "k2"
    assert other.old_key is None
    best = max(similarity(long_text, first), similarity(long_text, second))
    assert abs(keeper.similarity - best) < 1e-3
    assert summarise(matches)["removed"] == 0


def test_unrelated_paragraphs_are_new_and_removed():
    before = _draft(["Decides to convene a meeting on oceans."])
    after = _draft(["Requests a report on outer space."])
    matches = match_paragraphs(_old(before), after)
    assert [(m.status, m.old_key) for m in matches] == [
        ("kept", "k0"), ("new", None), ("removed", "k1")]


def test_headings_match_only_headings():
    old = [OldParagraph("h", "heading", "H1", "Article 2"),
           OldParagraph("p", "preambular", "PP1", "Recalling the Convention,")]
    new = [ParsedParagraph(kind="preambular", label="PP1", number=None, text="Article 2"),
           ParsedParagraph(kind="preambular", label="PP2", number=None,
                           text="Recalling the Convention,")]
    matches = match_paragraphs(old, new)
    assert [(m.new_label, m.old_key, m.status) for m in matches] == [
        ("PP1", None, "new"), ("PP2", "p", "kept"), (None, "h", "removed")]


def test_renumbered_heading_matches_by_its_section():
    old_text = ("## Article 4 *(adaptation)*\n\n1. Parties establish the global goal on "
                "adaptation of enhancing adaptive capacity.\n\n2. Parties recognize that "
                "adaptation is a global challenge.\n\n## Article 5 *(loss and damage)*\n\n"
                "1. Parties recognize the importance of averting loss and damage.\n")
    new_text = ("## Article 5\n\n1. Parties recognize the importance of averting loss and "
                "damage.\n\n## Article 7\n\n1. Parties establish the global goal on "
                "adaptation of enhancing adaptive capacity.\n\n2. Parties recognize that "
                "adaptation is a global challenge.\n")
    before, after = parse_draft(old_text), parse_draft(new_text)
    matches = match_paragraphs(_old(before), after)
    by_new = {m.new_label: m for m in matches if m.new_index is not None}
    assert by_new["H1"].old_label == "H2"  # Article 5 (loss and damage) → Article 5
    assert by_new["H2"].old_label == "H1"  # Article 4 (adaptation) → Article 7


def test_repeated_identical_texts_pair_by_position():
    before = parse_draft("## Article 1\n\n**Option 1:**\n\nA text.\n\n## Article 2\n\n"
                         "**Option 1:**\n\nAnother text.\n")
    after = parse_draft("## Article 2\n\n**Option 1:**\n\nAnother text.\n")
    matches = match_paragraphs(_old(before), after)
    assert [(m.new_label, m.old_label, m.status) for m in matches[:3]] == [
        ("H1", "H2", "kept"), ("PP1", "PP3", "kept"), ("PP2", "PP4", "kept")]


# --- explicit overrides --------------------------------------------------------------------

def test_explicit_force_new():
    version = _draft(PARAGRAPHS)
    old = _old(version)
    matches = match_paragraphs(old, version, explicit={2: None})
    _check_shape(matches, old, version)
    assert (matches[2].status, matches[2].old_key) == ("new", None)
    assert matches[-1] == Match(None, "k2", "removed", 0.0, "OP2", None)


def test_explicit_specific_key():
    version = _draft(PARAGRAPHS)
    old = _old(version)
    matches = match_paragraphs(old, version, explicit={1: "k3"})
    _check_shape(matches, old, version)
    assert matches[1].old_key == "k3"
    assert matches[1].similarity < 0.5
    # The paragraph that had k3's text cannot take it any more.
    assert matches[3].old_key != "k3"
    assert {m.old_key for m in matches} >= {"k1", "k3"}


def test_explicit_key_with_edited_text_is_edited():
    edited = PARAGRAPHS[:]
    edited[4] = "Requests a completely different report."
    matches = match_paragraphs(_old(_draft(PARAGRAPHS)), _draft(edited), explicit={5: "k5"})
    assert (matches[5].old_key, matches[5].status) == ("k5", "edited")


def test_explicit_duplicate_key_is_refused():
    version = _draft(PARAGRAPHS)
    with pytest.raises(ValueError, match="more than one"):
        match_paragraphs(_old(version), version, explicit={1: "k2", 2: "k2"})


def test_explicit_unknown_key_is_refused():
    version = _draft(PARAGRAPHS)
    with pytest.raises(ValueError, match="unknown key"):
        match_paragraphs(_old(version), version, explicit={1: "nope"})


def test_explicit_index_out_of_range_is_refused():
    version = _draft(PARAGRAPHS)
    with pytest.raises(ValueError):
        match_paragraphs(_old(version), version, explicit={99: "k1"})


def test_duplicate_old_keys_are_refused():
    version = _draft(PARAGRAPHS)
    old = _old(version)
    old[1] = OldParagraph("k0", old[1].kind, old[1].label, old[1].text)
    with pytest.raises(ValueError, match="Duplicate"):
        match_paragraphs(old, version)


# --- other scripts ---------------------------------------------------------------------------

def test_chinese_paragraph_edited_by_a_few_characters_still_matches():
    op8 = ("赞赏地注意到大会第六十三届会议主席决定任命共同主持人，以便开始由会员国进行协商并考虑"
           "制定一项防止贩运人口、起诉贩运者及保护和协助贩运受害者的联合国全球行动计划，强调必须"
           "以公开、包容各方和透明的方式进行这些协商；")
    others = ["鼓励包括私营部门在内的所有利益攸关方加强工作协调；",
              "请秘书长酌情邀请区域组织分享关于协调努力防止和打击贩运人口方面各种挑战和最佳做法的信息；"]
    edited = op8.replace("共同主持人", "共同协调人").replace("这些协商", "协商")
    before = _draft([others[0], op8, others[1]], preamble=("大会，",))
    after = _draft([others[0], edited, others[1]], preamble=("大会，",))
    matches = match_paragraphs(_old(before), after)
    assert [(m.old_key, m.status) for m in matches] == [
        ("k0", "kept"), ("k1", "kept"), ("k2", "edited"), ("k3", "kept")]
    assert 0.9 < matches[2].similarity < 1.0


def test_chinese_tokens_are_characters_and_arabic_is_normalised():
    assert tokenize("打击贩运 2009年") == ["打", "击", "贩", "运", "2009", "年"]
    assert tokenize("تُقَرِّرُ") == tokenize("تقرر")
    assert tokenize("*Recalling* [the] Convention,") == ["recalling", "the", "convention"]
    assert tokenize("ＡＢＣ１２") == ["abc12"]


def test_similarity_bounds():
    assert similarity("same text", "same text") == 1.0
    assert similarity("Same text.", "same   text") == 0.99
    assert similarity("alpha beta", "gamma delta") == 0.0
    assert 0.0 < similarity("alpha beta gamma", "alpha beta delta") < 1.0


def test_empty_inputs():
    assert match_paragraphs([], []) == []
    new = _draft(PARAGRAPHS[:1])
    assert [m.status for m in match_paragraphs([], new)] == ["new", "new"]
    old = _old(new)
    assert [m.status for m in match_paragraphs(old, [])] == ["removed", "removed"]


def test_summarise_counts_every_status():
    matches = [Match(0, "a", "kept", 1.0, "OP1", "OP1"), Match(1, None, "new", 0.0, None, "OP2"),
               Match(2, "b", "kept", 1.0, "OP2", "OP3"), Match(None, "c", "removed", 0.0,
                                                                "OP3", None)]
    assert summarise(matches) == {"kept": 2, "edited": 0, "moved": 0, "new": 1, "removed": 1}


# --- real versions ---------------------------------------------------------------------------

@pytest.mark.parametrize("before, after", [("23-oct-2015", "4-dec-2015"),
                                           ("4-dec-2015", "9-dec-2015"),
                                           ("9-dec-2015", "12-dec-2015")])
def test_consecutive_cop21_versions(before, after):
    old_paragraphs = parse_draft((DATA / "cop21" / f"{before}.md").read_text(encoding="utf-8"))
    new_paragraphs = parse_draft((DATA / "cop21" / f"{after}.md").read_text(encoding="utf-8"))
    old = _old(old_paragraphs)
    started = time.perf_counter()
    matches = match_paragraphs(old, new_paragraphs)
    elapsed = time.perf_counter() - started
    _check_shape(matches, old, new_paragraphs)
    counts = summarise(matches)
    matched = counts["kept"] + counts["edited"] + counts["moved"]
    assert matched >= 0.5 * len(new_paragraphs)
    assert counts["kept"] >= 25
    assert counts["new"] + matched == len(new_paragraphs)
    assert counts["removed"] + matched == len(old_paragraphs)
    print(f"{before} -> {after}: {counts} in {elapsed * 1000:.0f} ms")


def test_cop21_preamble_paragraph_found_across_versions():
    old_paragraphs = parse_draft((DATA / "cop21" / "9-dec-2015.md").read_text(encoding="utf-8"))
    new_paragraphs = parse_draft((DATA / "cop21" / "12-dec-2015.md").read_text(encoding="utf-8"))
    matches = match_paragraphs(_old(old_paragraphs), new_paragraphs)
    old_text = {f"k{i}": p.text for i, p in enumerate(old_paragraphs)}
    being = next(i for i, p in enumerate(new_paragraphs) if p.text.startswith("*Being* Parties"))
    assert old_text[matches[being].old_key].startswith("*Being* Parties")

"""Comparing two versions: alignment by key, moves, word diffs, permissions, real texts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from consult.db import db
from consult.demo import read_text
from consult.drafts import services
from consult.drafts.diff import compare_version_ids, compare_versions, diff_html
from consult.drafts.models import MatchStatus
from consult.errors import Invalid, NotFound
from consult.urls import MAX_ID
from consult.permissions import COMMAND_LINE

PARAGRAPHS = [
    ("*Urges* Member States to address the social, economic, cultural and political factors "
     "that make persons vulnerable to trafficking;"),
    ("*Calls upon* Member States to adopt and implement comprehensive national action plans "
     "against trafficking in persons;"),
    ("*Encourages* Member States to conduct awareness-raising campaigns, in cooperation with "
     "civil society and the media, about the methods used by traffickers;"),
    ("*Calls upon* Member States to take measures to reduce the demand for goods and services "
     "produced by exploited persons;"),
    ("*Requests* the Secretary-General to report to the General Assembly at its sixty-fifth "
     "session on the implementation of the present resolution."),
]
INSERTED = ("*Reaffirms* the commitment of Member States to prevent and combat trafficking in "
            "persons in all its forms, wherever it occurs;")


def draft(texts) -> str:
    """A Markdown draft of numbered operative paragraphs."""
    return "\n\n".join(f"{n}. {text}" for n, text in enumerate(texts, start=1)) + "\n"


def publish(staff, consultation, label, text):
    version = services.create_version(staff, consultation, label=label, text=text, publish=True)
    db.session.commit()
    return version


def compare(old, new, user=None):
    return compare_version_ids(user, old.id, new.id)


def outline(comparison):
    """What a reader sees in the list: each change with its old and new label."""
    return [(c.change, c.from_label, c.to_label) for c in comparison.changes]


def marked(html: str, tag: str) -> list[str]:
    """The words inside <ins> or <del>."""
    return [m.strip() for m in re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL)]


@pytest.fixture
def zero(staff, consultation):
    """A published version of five operative paragraphs."""
    return publish(staff, consultation, "Zero draft", draft(PARAGRAPHS))


def test_insert_at_top_is_one_addition_and_the_rest_merely_renumbered(staff, consultation, zero):
    rev = publish(staff, consultation, "Rev.1", draft([INSERTED] + PARAGRAPHS))
    result = compare(zero, rev)
    assert outline(result) == [("added", None, "OP1")] + [
        ("unchanged", f"OP{n}", f"OP{n + 1}") for n in range(1, 6)]
    assert result.counts == {"modified": 0, "moved": 0, "added": 1, "removed": 0,
                             "unchanged": 5}
    added = result.changes[0]
    assert "Reaffirms" in added.html and "<ins>" not in added.html
    assert all(c.is_renumbered and not c.edited for c in result.changes[1:])


def test_deleted_paragraph_is_removed_and_read_where_it_was(staff, consultation, zero):
    rev = publish(staff, consultation, "Rev.1", draft(PARAGRAPHS[:2] + PARAGRAPHS[3:]))
    result = compare(zero, rev)
    assert outline(result) == [("unchanged", "OP1", "OP1"), ("unchanged", "OP2", "OP2"),
                               ("removed", "OP3", None), ("unchanged", "OP4", "OP3"),
                               ("unchanged", "OP5", "OP4")]
    removed = result.changes[2]
    assert "awareness-raising" in removed.html and removed.to_html == ""


def test_swapped_paragraphs_are_moved_not_removed_and_added(staff, consultation, zero):
    order = [0, 3, 2, 1, 4]
    rev = publish(staff, consultation, "Rev.1", draft([PARAGRAPHS[i] for i in order]))
    result = compare(zero, rev)
    # OP2 and OP4 change places around OP3, which stays where it was.
    assert outline(result) == [("unchanged", "OP1", "OP1"), ("moved", "OP4", "OP2"),
                               ("unchanged", "OP3", "OP3"), ("moved", "OP2", "OP4"),
                               ("unchanged", "OP5", "OP5")]
    assert not any(c.edited for c in result.changes)
    assert "<ins>" not in result.changes[1].html and "<del>" not in result.changes[1].html


def test_two_neighbours_swapped_make_one_move(staff, consultation, zero):
    rev = publish(staff, consultation, "Rev.1", draft([PARAGRAPHS[i] for i in [0, 2, 1, 3, 4]]))
    counts = compare(zero, rev).counts
    assert counts == {"modified": 0, "moved": 1, "added": 0, "removed": 0, "unchanged": 4}


def test_edit_marks_exactly_the_changed_words(staff, consultation, zero):
    edited = PARAGRAPHS[1].replace("adopt and implement comprehensive",
                                   "adopt and fully implement")
    rev = publish(staff, consultation, "Rev.1", draft([PARAGRAPHS[0], edited] + PARAGRAPHS[2:]))
    result = compare(zero, rev)
    assert [c.change for c in result.changes] == ["unchanged", "modified", "unchanged",
                                                  "unchanged", "unchanged"]
    change = result.changes[1]
    assert marked(change.html, "ins") == ["fully"]
    assert marked(change.html, "del") == ["comprehensive"]
    # Rendered, not Markdown: the emphasis shows as emphasis, the asterisks never.
    assert change.html.startswith("<em>Calls upon</em>") and "*" not in change.html
    assert marked(change.from_html, "del") == ["comprehensive"] and "<ins>" not in change.from_html
    assert marked(change.to_html, "ins") == ["fully"] and "<del>" not in change.to_html
    assert change.edited and 0.5 < change.similarity < 1


def test_split_paragraph_keeps_its_key_in_one_half_and_adds_the_other(staff, consultation, zero):
    first = ("*Encourages* Member States to conduct awareness-raising campaigns, in cooperation "
             "with civil society and the media;")
    second = "*Also encourages* the media to report on the methods used by traffickers;"
    rev = publish(staff, consultation, "Rev.1",
                  draft(PARAGRAPHS[:2] + [first, second] + PARAGRAPHS[3:]))
    result = compare(zero, rev)
    assert outline(result) == [("unchanged", "OP1", "OP1"), ("unchanged", "OP2", "OP2"),
                               ("modified", "OP3", "OP3"), ("added", None, "OP4"),
                               ("unchanged", "OP4", "OP5"), ("unchanged", "OP5", "OP6")]
    kept = result.changes[2]
    assert kept.key == zero.paragraphs[2].key.key
    assert marked(kept.html, "del") == [", about the methods used by traffickers"]
    assert marked(kept.html, "ins") == []


def test_moved_and_edited_stays_moved_with_its_word_diff(staff, consultation, zero):
    edited = PARAGRAPHS[2].replace("the media", "the press")
    rev = publish(staff, consultation, "Rev.1",
                  draft([PARAGRAPHS[0], PARAGRAPHS[1], PARAGRAPHS[3], PARAGRAPHS[4], edited]))
    result = compare(zero, rev)
    assert outline(result)[-1] == ("moved", "OP3", "OP5")
    change = result.changes[-1]
    assert change.edited
    assert marked(change.html, "del") == ["media"] and marked(change.html, "ins") == ["press"]
    assert result.counts["moved"] == 1 and result.counts["modified"] == 0


def test_any_two_versions_compare_not_only_consecutive_ones(staff, consultation, zero):
    # Rev.1 drops OP2 and adds a paragraph at the end; Rev.2 edits OP3 and adds one on top.
    publish(staff, consultation, "Rev.1",
            draft([PARAGRAPHS[0]] + PARAGRAPHS[2:] + ["*Decides* to review the plan in 2013."]))
    rev2 = publish(staff, consultation, "Rev.2", draft(
        [INSERTED, PARAGRAPHS[0], PARAGRAPHS[2].replace("the media", "the press")]
        + PARAGRAPHS[3:] + ["*Decides* to review the plan in 2013."]))
    result = compare(zero, rev2)
    assert outline(result) == [("added", None, "OP1"), ("unchanged", "OP1", "OP2"),
                               ("removed", "OP2", None), ("modified", "OP3", "OP3"),
                               ("unchanged", "OP4", "OP4"), ("unchanged", "OP5", "OP5"),
                               ("added", None, "OP6")]


def test_comparing_backwards_reads_as_the_reverse(staff, consultation, zero):
    rev = publish(staff, consultation, "Rev.1", draft([INSERTED] + PARAGRAPHS))
    result = compare(rev, zero)
    assert result.from_version.id == rev.id and result.to_version.id == zero.id
    assert outline(result)[0] == ("removed", "OP1", None)
    assert result.counts["removed"] == 1 and result.counts["unchanged"] == 5


def test_a_version_compared_with_itself_is_the_same_version(zero):
    result = compare(zero, zero)
    assert result.same_version
    assert [c.change for c in result.changes] == ["unchanged"] * len(zero.paragraphs)
    assert [c.html for c in result.changes] == [p.html for p in zero.paragraphs]
    assert result.counts["unchanged"] == 5 and sum(result.counts.values()) == 5


def test_chinese_edit_marks_only_the_changed_characters(staff, consultation):
    old = publish(staff, consultation, "Zero", "1. 各会员国应当采取有效措施，打击一切形式的贩运人口行为。\n")
    new = publish(staff, consultation, "Rev.1", "1. 各会员国必须采取有效措施，打击一切形式的贩运人口行为。\n")
    change = compare(old, new).changes[0]
    assert change.change == "modified"
    assert marked(change.html, "del") == ["应当"] and marked(change.html, "ins") == ["必须"]
    assert change.html.startswith("各会员国<del>")


def test_arabic_edit_marks_the_whole_word_with_its_marks(staff, consultation):
    old = publish(staff, consultation, "Zero",
                  "1. تحث الدولَ الأعضاءَ على اتخاذ التدابير اللازمة لمكافحة الاتجار بالأشخاص.\n")
    new = publish(staff, consultation, "Rev.1",
                  "1. تحث الدولِ الأعضاءَ على اتخاذ التدابير الفعالة لمكافحة الاتجار بالأشخاص.\n")
    change = compare(old, new).changes[0]
    assert change.change == "modified"
    # Only a vowel mark changed in the first word: the word is marked whole, never the
    # mark alone; the other changed word is marked alone.
    assert marked(change.html, "del") == ["الدولَ", "اللازمة"]
    assert marked(change.html, "ins") == ["الدولِ", "الفعالة"]
    assert "الأعضاءَ على اتخاذ التدابير" in change.html


def test_formatting_only_change_is_still_visible(staff, consultation, zero):
    plain = PARAGRAPHS[0].replace("*Urges*", "Urges")
    rev = publish(staff, consultation, "Rev.1", draft([plain] + PARAGRAPHS[1:]))
    change = compare(zero, rev).changes[0]
    assert change.change == "modified"
    assert marked(change.html, "del") == ["*", "*"]


def test_text_that_looks_like_markup_stays_text(staff, consultation):
    old = publish(staff, consultation, "Zero", "1. States & <b>parties</b> shall act.\n")
    new = publish(staff, consultation, "Rev.1",
                  "1. States & <b>parties</b> shall act <script>now</script>.\n")
    change = compare(old, new).changes[0]
    for html in (change.html, change.from_html, change.to_html):
        assert "<b>" not in html and "<script>" not in html
    assert "&lt;script&gt;" in change.html and "&amp;" in change.html


def test_diff_html_keeps_each_side_well_formed():
    inline, old_side, new_side = diff_html("<em>Urges</em> all States to act",
                                           "<strong>Calls upon</strong> all States to act now")
    assert inline == ("<del>Urges</del><strong><ins>Calls upon</ins></strong> all States to "
                      "act<ins> now</ins>")
    assert old_side == "<em><del>Urges</del></em> all States to act"
    assert new_side == "<strong><ins>Calls upon</ins></strong> all States to act<ins> now</ins>"


# --- who may compare what ---------------------------------------------------------------

def test_drafts_are_not_found_for_the_public_but_staff_compare_them(staff, consultation, zero,
                                                                    make_user):
    pending = services.create_version(staff, consultation, label="Rev.1",
                                      text=draft(PARAGRAPHS[:4]))
    db.session.commit()
    delegate = make_user("delegate")
    for user in (None, delegate):
        with pytest.raises(NotFound):
            compare(zero, pending, user)
        with pytest.raises(NotFound):
            compare(pending, zero, user)
    result = compare(zero, pending, staff)
    assert not result.is_public
    assert outline(result)[-1] == ("removed", "OP5", None)


def test_versions_of_two_consultations_are_refused(staff, consultation, zero):
    other = services.create_consultation(COMMAND_LINE, slug="other-plan", title="Another plan")
    db.session.commit()
    elsewhere = services.create_version(COMMAND_LINE, other, label="Zero", text=draft(PARAGRAPHS),
                                        publish=True)
    db.session.commit()
    with pytest.raises(Invalid, match="different consultations"):
        compare(zero, elsewhere)
    with pytest.raises(Invalid, match="different consultations"):
        compare_versions(None, elsewhere, zero)


@pytest.mark.parametrize("missing", [0, -1, 999_999, MAX_ID, MAX_ID + 1, 2**63])
def test_unknown_or_impossible_ids_are_not_found(zero, missing):
    with pytest.raises(NotFound):
        compare_version_ids(None, zero.id, missing)
    with pytest.raises(NotFound):
        compare_version_ids(None, missing, zero.id)


# --- the real COP21 texts ---------------------------------------------------------------

def test_consecutive_cop21_versions_account_for_every_paragraph_once(staff, consultation):
    versions = [publish(staff, consultation, name, read_text(f"cop21/{name}.md"))
                for name in ("23-oct-2015", "4-dec-2015", "9-dec-2015")]
    early, before, after = versions
    before_id, after_id = before.id, after.id
    db.session.expire_all()  # read as a request would: from the database

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = compare_version_ids(None, before_id, after_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # Two queries per side (the version, its paragraphs with their keys), however long, and
    # one look for a silence deadline that passed unbroken (once per transaction).
    assert len(statements) <= 5, "\n\n".join(s[:300] for s in statements)
    assert len(before.paragraphs) > 300 and len(after.paragraphs) > 200

    counts = result.counts
    assert counts["modified"] > 0 and counts["removed"] > 0 and counts["unchanged"] > 0
    assert sorted(c.from_paragraph.id for c in result.changes if c.from_paragraph) == \
        sorted(p.id for p in before.paragraphs)
    assert sorted(c.to_paragraph.id for c in result.changes if c.to_paragraph) == \
        sorted(p.id for p in after.paragraphs)
    # Reading order of the newer text.
    positions = [c.to_paragraph.position for c in result.changes if c.to_paragraph]
    assert positions == sorted(positions)
    # Consecutive versions: the comparison says what the matcher said when 9 December
    # was made from 4 December.
    expected = {MatchStatus.kept: "unchanged", MatchStatus.edited: "modified",
                MatchStatus.moved: "moved", MatchStatus.new: "added"}
    by_key = {c.key: c.change for c in result.changes}
    for paragraph in after.paragraphs:
        assert by_key[paragraph.key.key] == expected[paragraph.match_status], paragraph.label
    for change in result.changes:
        if change.change == "modified":
            assert "<ins>" in change.html or "<del>" in change.html, change.to_label

    # Keys persist, so 23 October compares with 9 December directly.
    skipping = compare(early, after)
    assert sorted(c.from_paragraph.id for c in skipping.changes if c.from_paragraph) == \
        sorted(p.id for p in early.paragraphs)
    assert sorted(c.to_paragraph.id for c in skipping.changes if c.to_paragraph) == \
        sorted(p.id for p in after.paragraphs)
    assert len({c.key for c in skipping.changes}) == len(skipping.changes)
    assert skipping.counts["removed"] > counts["removed"]

"""The five classic edits, each made to a real negotiating text (COP21, 12 December 2015).

Each test imports the real text as one version, makes one edit to it as a co-facilitator
would, publishes the result, and checks what a reader of the comparison sees.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from consult.db import db
from consult.demo import read_text
from consult.drafts import services
from consult.drafts.diff import compare_version_ids
from consult.drafts.parsing import ParsedParagraph, parse_draft, render_draft_markdown

TEXT = read_text("cop21/12-dec-2015.md")


@pytest.fixture
def original(staff, consultation):
    version = services.create_version(staff, consultation, label="12 December", text=TEXT,
                                      publish=True)
    db.session.commit()
    return version


def revise(staff, consultation, paragraphs):
    version = services.create_version(staff, consultation, label="Revised",
                                      text=render_draft_markdown(paragraphs), publish=True)
    db.session.commit()
    return version


def by_label(paragraphs, label):
    return next(i for i, p in enumerate(paragraphs) if p.label == label)


def changed(comparison):
    return [(c.change, c.from_label, c.to_label) for c in comparison.changes
            if c.change != "unchanged"]


def test_insert_at_top_of_a_real_text(staff, consultation, original):
    paragraphs = parse_draft(TEXT)
    new = ParsedParagraph(kind="preambular", label="PP0", number=None,
                          text="*Noting* the outcome of the twenty-first session,",
                          parent_label=None, heading_level=None)
    revised = revise(staff, consultation, [new] + paragraphs)
    result = compare_version_ids(None, original.id, revised.id)
    assert changed(result) == [("added", None, "PP1")]
    assert result.counts["unchanged"] == len(paragraphs)
    # Every preambular paragraph moved down one number, and reads as unchanged, not moved.
    pp5 = next(c for c in result.changes if c.from_label == "PP5")
    assert pp5.to_label == "PP6" and pp5.change == "unchanged"


def test_delete_from_a_real_text(staff, consultation, original):
    paragraphs = parse_draft(TEXT)
    gone = paragraphs.pop(by_label(paragraphs, "PP7"))
    revised = revise(staff, consultation, paragraphs)
    result = compare_version_ids(None, original.id, revised.id)
    assert changed(result) == [("removed", "PP7", None)]
    removed = next(c for c in result.changes if c.change == "removed")
    assert "Recognizing" in removed.html and gone.text.split()[1] in removed.html
    # It is read where it was: right after the paragraph that preceded it.
    labels = [c.from_label for c in result.changes]
    assert labels.index("PP7") == labels.index("PP6") + 1


def test_swap_in_a_real_text(staff, consultation, original):
    paragraphs = parse_draft(TEXT)
    i, j = by_label(paragraphs, "PP5"), by_label(paragraphs, "PP6")
    paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
    revised = revise(staff, consultation, paragraphs)
    result = compare_version_ids(None, original.id, revised.id)
    moves = changed(result)
    assert len(moves) == 1 and moves[0][0] == "moved"
    assert moves[0][1:] in (("PP5", "PP6"), ("PP6", "PP5"))
    assert result.counts["removed"] == 0 and result.counts["added"] == 0


def test_edit_in_a_real_text(staff, consultation, original):
    paragraphs = parse_draft(TEXT)
    i = by_label(paragraphs, "PP9")
    assert "special situations" in paragraphs[i].text
    paragraphs[i] = dataclasses.replace(
        paragraphs[i], text=paragraphs[i].text.replace("special situations",
                                                       "particular situations"))
    revised = revise(staff, consultation, paragraphs)
    result = compare_version_ids(None, original.id, revised.id)
    assert changed(result) == [("modified", "PP9", "PP9")]
    edit = next(c for c in result.changes if c.change == "modified")
    assert re.findall(r"<del>(.*?)</del>", edit.html) == ["special"]
    assert re.findall(r"<ins>(.*?)</ins>", edit.html) == ["particular"]


def test_split_in_a_real_text(staff, consultation, original):
    paragraphs = parse_draft(TEXT)
    i = by_label(paragraphs, "PP14")
    head, _, rest = paragraphs[i].text.partition(" humankind, ")
    assert rest.startswith("Parties should")
    paragraphs[i: i + 1] = [
        dataclasses.replace(paragraphs[i], text=head + " humankind,"),
        dataclasses.replace(paragraphs[i], text="*Also acknowledging* that " + rest)]
    revised = revise(staff, consultation, paragraphs)
    result = compare_version_ids(None, original.id, revised.id)
    outcome = changed(result)
    # The half most like the old paragraph keeps its identity (edited); the other is new.
    assert sorted(c for c, _, _ in outcome) == ["added", "modified"]
    modified = next(c for c in result.changes if c.change == "modified")
    added = next(c for c in result.changes if c.change == "added")
    assert modified.from_label == "PP14" and {modified.to_label, added.to_label} == {
        "PP14", "PP15"}
    assert "Also acknowledging" in modified.html + added.html
    assert result.counts["removed"] == 0 and result.counts["moved"] == 0

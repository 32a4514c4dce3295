"""Search indexes and shows the words readers see, not Markdown source (issue 13, 2)."""

from __future__ import annotations

import re

from tests.search.conftest import ids


def _text(snippet: str) -> str:
    return re.sub(r"<[^>]+>", "", snippet)


def test_proposed_wording_and_bodies_are_snippeted_without_markdown(find, post, fra):
    made = post(fra, "We **strongly** prefer [this](https://un.org).", kind="amendment",
                proposed_text="*Calls upon* all Member States to act without delay;")
    page = find("delay")
    assert made.id in ids(page)
    row = next(r for r in page.results if r["type"] != "paragraph" and r["id"] == made.id)
    assert "*" not in _text(row["snippet"]) and "](" not in _text(row["snippet"])
    assert "Calls upon all Member States to act without <mark" in row["snippet"]
    preferred = find("strongly")
    row = next(r for r in preferred.results if r["id"] == made.id)
    assert "We <mark" in row["snippet"] and "**" not in row["snippet"]


def test_paragraph_snippets_show_the_words_of_the_text(find, version):
    page = find("Member")
    row = next(r for r in page.results if r["type"] == "paragraph")
    assert "*" not in _text(row["snippet"])
    assert "Calls upon <mark" in row["snippet"]

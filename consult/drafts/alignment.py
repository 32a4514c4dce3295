"""Whether a text in another language lines up with a version, paragraph for paragraph.

Pure functions (no database): the version's services use them to keep a draft's
translations attached when its text changes, the translation services to refuse a text
that does not line up.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass

from consult.drafts.parsing import ParsedParagraph, parse_draft

# The key marks of the browser editor (see drafts.services.KEY_MARKER): a translator may
# start from the editable text, so the marks are dropped before comparing.
_KEY_MARKER = re.compile(r"[ \t]*⟦¶\s*([a-z0-9]{1,16})\s*⟧[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Misalignment:
    """One place where the translation and the original differ (1-based position)."""

    position: int
    expected: str | None  # the original's label there (None: the translation has more)
    found: str | None  # the translation's label there (None: the translation has fewer)

    def as_dict(self) -> dict:
        """For the JSON API."""
        return {"position": self.position, "expected": self.expected, "found": self.found}


def parse_translation(text: str) -> list[ParsedParagraph]:
    """Parse a translation as a draft (raises parsing.DraftError), key marks removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parsed = parse_draft(text)
    return [ParsedParagraph(kind=p.kind, label=p.label, number=p.number,
                            text=_KEY_MARKER.sub("", p.text).rstrip(),
                            parent_label=p.parent_label, heading_level=p.heading_level)
            for p in parsed]


def misalignments(parsed: list[ParsedParagraph], labels: list[str]) -> list[Misalignment]:
    """Where the translation's paragraphs differ from the original's ([] when they line up).

    Aligned like a diff, so that one extra or missing paragraph is named once rather than
    shifting every label after it. Positions count paragraphs of the translation (of the
    original where the translation has nothing).
    """
    found = [p.label for p in parsed]
    if found == labels:
        return []
    problems = []
    matcher = difflib.SequenceMatcher(a=labels, b=found, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for offset in range(max(a2 - a1, b2 - b1)):
            expected = labels[a1 + offset] if a1 + offset < a2 else None
            got = found[b1 + offset] if b1 + offset < b2 else None
            position = (b1 + offset if got is not None else a1 + offset) + 1
            problems.append(Misalignment(position, expected, got))
    return problems


def original_stamp(source_text: str) -> str:
    """A fingerprint of an original text, kept with each translation made from it."""
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()[:16]

"""The compilation text: a version with every public proposal under its paragraph.

This is public data: it holds only what the public may see, whoever asks. A co-facilitator
sees the hidden proposals on the moderation pages, never here, so that the document they
print or send is the same one every delegation gets.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import aliased

from consult import permissions
from consult.auth.models import Delegation
from consult.comments.models import (
    Disposition,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from consult.comments.wording import inline_html, markdown_plain
from consult.db import db
from consult.drafts.models import Paragraph, Version
from consult.drafts.translations import paragraphs_in, require_text_language


@dataclasses.dataclass
class Proposal:
    """One amendment as the compilation shows it."""

    submission: Submission
    supporters: list[Delegation]  # in the order they gave support
    disposition: Disposition
    note: str  # the co-facilitators' note on the disposition ("" when none)

    @property
    def supporter_codes(self) -> list[str]:
        """The supporting delegations' codes."""
        return [d.code for d in self.supporters]

    @property
    def note_html(self) -> str:
        """The note as inline HTML: the co-facilitators' Markdown rendered, never shown raw."""
        return inline_html(self.note) if self.note else ""

    @property
    def note_plain(self) -> str:
        """The note without Markdown (the Word document writes its own runs)."""
        return markdown_plain(self.note) if self.note else ""


@dataclasses.dataclass
class Entry:
    """One paragraph of the version and the proposals made on it."""

    paragraph: Paragraph
    proposals: list[Proposal]


@dataclasses.dataclass
class Compilation:
    """The whole version, paragraph by paragraph, with its proposals and their fate."""

    version: Version
    entries: list[Entry]
    counts: dict[str, int]  # proposals per disposition value, every disposition listed
    withdrawn_count: int  # proposals withdrawn by their authors, left out of the text
    last_changed_at: dt.datetime | None  # newest proposal, edit, withdrawal or disposition
    language: str = "en"  # the language of the paragraphs' text

    @property
    def proposal_count(self) -> int:
        """How many proposals the compilation shows."""
        return sum(self.counts.values())

    @property
    def proposals(self) -> list[Proposal]:
        """Every proposal shown, in the order of the text."""
        return [p for entry in self.entries for p in entry.proposals]


def _public():
    """Rows the public may see: neither hidden nor under a hidden submission."""
    return Submission.is_hidden.is_(False) & Submission.under_hidden.is_(False)


def _latest(*values) -> dt.datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def compile_version(user, version: Version, language: str | None = None) -> Compilation:
    """The compilation text of a version the user may read (drafts: its staff only).

    The paragraphs in `language` if the version has it (default: the original); the
    proposals as their delegations wrote them.
    """
    permissions.require(user, "view_version", version)
    language = require_text_language(language, version) or version.language
    paragraphs = {p.id: p for p in paragraphs_in(version, language)}
    # Two queries for the whole version, however many paragraphs: amendments, supports.
    amendments = list(db.session.scalars(
        select(Submission)
        .where(Submission.version_id == version.id,
               Submission.kind == SubmissionKind.amendment,
               Submission.paragraph_id.is_not(None), _public())
        .order_by(Submission.created_at, Submission.id)))
    amendment = aliased(Submission)
    # Withdrawn supports are loaded too, only for their withdrawal time (last_changed_at).
    supports = list(db.session.scalars(
        select(Submission)
        .join(amendment, amendment.id == Submission.parent_id)
        .where(amendment.version_id == version.id,
               amendment.kind == SubmissionKind.amendment,
               Submission.kind == SubmissionKind.support, _public())
        .order_by(Submission.created_at, Submission.id)))

    supporters: dict[int, list[Delegation]] = {}
    changes: list[dt.datetime | None] = []
    for support in supports:
        changes += [support.created_at, support.withdrawn_at]
        if support.status == SubmissionStatus.active:
            supporters.setdefault(support.parent_id, []).append(support.delegation)

    shown: dict[int, list[Proposal]] = {}
    counts = {d.value: 0 for d in Disposition}
    withdrawn = 0
    for s in amendments:
        changes += [s.created_at, s.edited_at, s.withdrawn_at,
                    getattr(s, "disposition_at", None)]
        if s.paragraph_id not in paragraphs:
            continue  # defensive: an amendment is always on a paragraph of its version
        if s.status == SubmissionStatus.withdrawn:
            withdrawn += 1
            continue
        disposition = s.disposition or Disposition.pending
        counts[disposition.value] += 1
        shown.setdefault(s.paragraph_id, []).append(Proposal(
            s, supporters.get(s.id, []), disposition, s.disposition_note or ""))

    entries = [Entry(p, shown.get(p.id, [])) for p in paragraphs.values()]
    return Compilation(version, entries, counts, withdrawn, _latest(*changes), language)


def fingerprint(compilation: Compilation) -> str:
    """A hash of everything the compilation shows: equal hashes, equal documents."""
    version = compilation.version
    data = {
        # How proposals are rendered (wording.py): a new rendering is a new document.
        "rendering": "wording-2",
        "consultation": version.consultation.title,
        "version": [version.id, version.label, version.symbol, version.status.value],
        "language": compilation.language,
        "withdrawn": compilation.withdrawn_count,
        "last_changed_at": compilation.last_changed_at.isoformat()
        if compilation.last_changed_at else None,
        "entries": [[
            e.paragraph.id, e.paragraph.label, e.paragraph.kind.value, e.paragraph.number,
            e.paragraph.heading_level, e.paragraph.text,
            [[p.submission.id, p.submission.delegation.code, p.submission.delegation.name_en,
              p.submission.author.name, p.submission.proposed_text, p.submission.body,
              p.submission.language, p.submission.created_at.isoformat(),
              p.submission.edited_at.isoformat() if p.submission.edited_at else None,
              p.supporter_codes, p.disposition.value, p.note]
             for p in e.proposals]] for e in compilation.entries],
    }
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()[:32]

"""The compilation text: a version with every public proposal under its paragraph.

This is public data: it holds only what the public may see, whoever asks. A co-facilitator
sees the hidden proposals on the moderation pages, never here, so that the document they
print or send is the same one every delegation gets.

A compilation is read a page at a time: what the whole of it counts comes from aggregates
in the database (`summarize_version`), and proposals are loaded only for the paragraphs of
the page asked for. Pages are runs of whole paragraphs holding at most
COMPILATION_PROPOSALS_PER_PAGE proposals; a paragraph with more is shown on as many pages
as it needs, its text on each, its proposals in turn. The forms that show everything (the
text to print, the Word document, the API without ?page=) read runs of whole paragraphs one
after another (`iter_pages`), so memory holds one run of proposals at a time and a
paragraph is never cut there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from consult import visibility
from consult import permissions
from consult.archive.export import record_etag
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
from consult.drafts.translations import (paragraphs_in, require_text_language,
                                         text_languages)
from consult.errors import NotFound
from consult.paging import require_page_number

# How proposals are rendered (wording.py): a new rendering is a new document.
RENDERING = "wording-2"


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
    # When the paragraph's proposals are shared among several pages: the number of the first
    # one shown here (from 1) and how many the paragraph has. Otherwise None: all are here.
    first_number: int | None = None
    total: int | None = None

    @property
    def last_number(self) -> int | None:
        """The number of the last proposal shown, when the proposals are shared."""
        return None if self.first_number is None else self.first_number + len(self.proposals) - 1


@dataclasses.dataclass(frozen=True)
class Page:
    """A run of paragraphs: `paragraphs[start:stop]` of the compilation, whole, except
    that the last one shows only its proposals [share[0]:share[1]] when it has more than
    a page holds."""

    number: int  # from 1
    start: int
    stop: int
    proposal_count: int
    first_label: str
    last_label: str
    share: tuple[int, int] | None = None  # of the last paragraph's proposals; None: all
    total: int | None = None  # the last paragraph's proposals, when shared


@dataclasses.dataclass
class Summary:
    """The whole compilation without its proposals: what it counts and how it is paged."""

    version: Version
    paragraphs: list  # every paragraph, in order, in `language` where translated
    counts: dict[str, int]  # proposals per disposition value, every disposition listed
    withdrawn_count: int  # proposals withdrawn by their authors, left out of the text
    last_changed_at: dt.datetime | None  # newest proposal, edit, withdrawal or disposition
    pages: list[Page]
    language: str = "en"  # the language of the paragraphs' text
    whole_pages: list[Page] = dataclasses.field(default_factory=list)  # never shared: iter_pages

    @property
    def proposal_count(self) -> int:
        """How many proposals the compilation shows, on all its pages."""
        return sum(self.counts.values())


@dataclasses.dataclass
class Compilation:
    """The version, or one page of it, paragraph by paragraph, with its proposals and their
    fate; the counts are always those of the whole compilation."""

    summary: Summary
    entries: list[Entry]
    page: Page | None = None  # the page `entries` hold; None: every paragraph

    @property
    def version(self) -> Version:
        """The version compiled."""
        return self.summary.version

    @property
    def language(self) -> str:
        """The language of the paragraphs' text."""
        return self.summary.language

    @property
    def counts(self) -> dict[str, int]:
        """Proposals per disposition value, on all pages."""
        return self.summary.counts

    @property
    def withdrawn_count(self) -> int:
        """Proposals withdrawn by their authors, on all pages."""
        return self.summary.withdrawn_count

    @property
    def last_changed_at(self) -> dt.datetime | None:
        """The newest proposal, edit, withdrawal or disposition, on any page."""
        return self.summary.last_changed_at

    @property
    def pages(self) -> list[Page]:
        """How the whole compilation is paged."""
        return self.summary.pages

    @property
    def proposal_count(self) -> int:
        """How many proposals the compilation shows, on all its pages."""
        return self.summary.proposal_count

    @property
    def proposals(self) -> list[Proposal]:
        """Every proposal of `entries`, in the order of the text."""
        return [p for entry in self.entries for p in entry.proposals]


def _amendments_of(version: Version) -> tuple:
    """The amendments of a version the public may see, withdrawn ones included."""
    return (Submission.version_id == version.id,
            Submission.kind == SubmissionKind.amendment,
            Submission.paragraph_id.is_not(None), visibility.not_concealed())


def _latest(*values) -> dt.datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def proposals_per_page() -> int:
    """The configured COMPILATION_PROPOSALS_PER_PAGE."""
    return current_app.config["COMPILATION_PROPOSALS_PER_PAGE"]


def cut_pages(paragraphs: list, shown: dict[int, int], limit: int, *,
              share: bool = True) -> list[Page]:
    """Runs of whole paragraphs of at most `limit` proposals each. A paragraph with more
    has pages of its own (the first with the paragraphs without proposals before it: a
    title, a heading), `limit` of its proposals on each; with `share=False`, one page."""
    limit = max(1, limit)
    bounds, start, count = [], 0, 0
    for i, paragraph in enumerate(paragraphs):
        n = shown.get(paragraph.id, 0)
        if i > start and count > 0 and count + n > limit:
            bounds.append((start, i, count, None, None))
            start, count = i, 0
        if share and n > limit:
            for first in range(0, n, limit):
                taken = min(limit, n - first)
                bounds.append((start if first == 0 else i, i + 1, taken,
                               (first, first + taken), n))
            start, count = i + 1, 0
            continue
        count += n
    if start < len(paragraphs):
        bounds.append((start, len(paragraphs), count, None, None))
    if not bounds:
        return [Page(1, 0, 0, 0, "", "")]  # no paragraphs: still one (empty) page
    return [Page(number, a, b, n, paragraphs[a].label, paragraphs[b - 1].label, part, total)
            for number, (a, b, n, part, total) in enumerate(bounds, start=1)]


def _count_amendments(version: Version, paragraph_ids: set[int]):
    """Counts per disposition, withdrawn count, proposals per paragraph and the newest
    change, in one grouped query (a row per paragraph, status and disposition)."""
    rows = db.session.execute(
        select(Submission.paragraph_id, Submission.status, Submission.disposition,
               func.count(Submission.id), func.max(Submission.created_at),
               func.max(Submission.edited_at), func.max(Submission.withdrawn_at),
               func.max(Submission.disposition_at))
        .where(*_amendments_of(version))
        .group_by(Submission.paragraph_id, Submission.status, Submission.disposition))
    counts = {d.value: 0 for d in Disposition}
    shown: dict[int, int] = {}
    withdrawn, changes = 0, []
    for paragraph_id, status, disposition, number, *times in rows:
        changes += times
        if paragraph_id not in paragraph_ids:
            continue  # defensive: an amendment is always on a paragraph of its version
        if status == SubmissionStatus.withdrawn:
            withdrawn += number
            continue
        counts[(disposition or Disposition.pending).value] += number
        shown[paragraph_id] = shown.get(paragraph_id, 0) + number
    return counts, withdrawn, shown, _latest(*changes)


def _newest_support_change(version: Version) -> dt.datetime | None:
    """When a support of the version's amendments was last given or withdrawn."""
    amendment = aliased(Submission)
    given, withdrawn = db.session.execute(
        select(func.max(Submission.created_at), func.max(Submission.withdrawn_at))
        .join(amendment, amendment.id == Submission.parent_id)
        .where(amendment.version_id == version.id,
               amendment.kind == SubmissionKind.amendment,
               Submission.kind == SubmissionKind.support, visibility.not_concealed())).one()
    return _latest(given, withdrawn)


def summarize_version(user, version: Version, language: str | None = None, *,
                      per_page: int | None = None) -> Summary:
    """The compilation of a version the user may read (drafts: its staff only), counted
    in the database and cut into pages, without loading a proposal (two aggregate
    queries).

    The paragraphs in `language` if the version has it (default: the original).
    """
    permissions.require(user, "view_version", version)
    language = require_text_language(language, version) or version.language
    paragraphs = paragraphs_in(version, language)
    counts, withdrawn, shown, changed = _count_amendments(version, {p.id for p in paragraphs})
    limit = per_page or proposals_per_page()
    return Summary(version, paragraphs, counts, withdrawn,
                   _latest(changed, _newest_support_change(version)),
                   cut_pages(paragraphs, shown, limit), language,
                   cut_pages(paragraphs, shown, limit, share=False))


def find_page(summary: Summary, number) -> Page:
    """Page `number` of the compilation; Invalid or NotFound (with a message) otherwise."""
    require_page_number(number)
    if number > len(summary.pages):
        raise NotFound(_("There is no page %(page)d.", page=number))
    return summary.pages[number - 1]


def _load_entries(version: Version, paragraphs: list,
                  share: tuple[int, int] | None = None, total: int | None = None
                  ) -> list[Entry]:
    """These paragraphs with their proposals and supporters: two queries, however many
    paragraphs and proposals, each read through the index on the paragraph (or parent).
    With `share`, the last paragraph's proposals [share[0]:share[1]] only (in the order
    they were made), and the paragraphs before it (which had none when the pages were cut)
    without theirs."""
    if not paragraphs:
        return []
    amendments = (select(Submission)
                  .where(*_amendments_of(version),
                         Submission.status != SubmissionStatus.withdrawn)
                  .order_by(Submission.created_at, Submission.id))
    if share is None:
        amendments = db.session.scalars(amendments.where(
            Submission.paragraph_id.in_([p.id for p in paragraphs]))).all()
    else:
        amendments = db.session.scalars(
            amendments.where(Submission.paragraph_id == paragraphs[-1].id)
            .offset(share[0]).limit(share[1] - share[0])).all()
    supports = db.session.scalars(
        select(Submission)
        .where(Submission.parent_id.in_([s.id for s in amendments]),
               Submission.kind == SubmissionKind.support,
               Submission.status == SubmissionStatus.active, visibility.not_concealed())
        .order_by(Submission.created_at, Submission.id)) if amendments else []
    supporters: dict[int, list[Delegation]] = {}
    for support in supports:
        supporters.setdefault(support.parent_id, []).append(support.delegation)
    shown: dict[int, list[Proposal]] = {}
    for s in amendments:
        shown.setdefault(s.paragraph_id, []).append(Proposal(
            s, supporters.get(s.id, []), s.disposition or Disposition.pending,
            s.disposition_note or ""))
    entries = [Entry(p, shown.get(p.id, [])) for p in paragraphs]
    if share is not None:
        entries[-1].first_number, entries[-1].total = share[0] + 1, total
    return entries


def load_page(summary: Summary, page: Page) -> Compilation:
    """One page of the compilation, its proposals loaded (two queries)."""
    return Compilation(summary, _load_entries(summary.version,
                                              summary.paragraphs[page.start:page.stop],
                                              page.share, page.total), page)


def iter_pages(summary: Summary) -> Iterator[Compilation]:
    """Every page in turn, each loaded only when reached: what is shown whole (printed,
    downloaded, streamed) never holds more than one page of proposals at a time.

    The version and its paragraphs are taken again from the session of the moment (from
    its identity map when it is still the same): a streamed response is read after its
    request's session has closed, in a new one.
    """
    version_id, paragraph_ids = summary.version.id, [p.id for p in summary.paragraphs]

    def pages() -> Iterator[Compilation]:
        version = db.session.get(Version, version_id)
        if version is None:
            return  # a draft discarded meanwhile
        paragraphs = paragraphs_in(version, summary.language)
        cuts = summary.whole_pages or cut_pages(paragraphs, {}, 1, share=False)
        if [p.id for p in paragraphs] != paragraph_ids:
            # A draft's text replaced meanwhile: one page.
            cuts = cut_pages(paragraphs, {}, 1, share=False)
        current = dataclasses.replace(summary, version=version, paragraphs=paragraphs,
                                      pages=cuts)
        for page in cuts:
            yield load_page(current, page)

    return pages()


def parts_of(found: Compilation | Summary) -> Iterable[Compilation]:
    """What a compilation holds, a page at a time: a compilation's own entries, or (from a
    summary) every page read in turn."""
    return [found] if isinstance(found, Compilation) else iter_pages(found)


def compile_version(user, version: Version, language: str | None = None, *,
                    page: int | None = None, per_page: int | None = None) -> Compilation:
    """The compilation text of a version the user may read (drafts: its staff only): page
    `page` of it, or every paragraph when no page is asked.

    The paragraphs in `language` if the version has it (default: the original); the
    proposals as their delegations wrote them; the counts those of the whole compilation.
    """
    summary = summarize_version(user, version, language, per_page=per_page)
    if page is not None:
        return load_page(summary, find_page(summary, page))
    return Compilation(summary, _load_entries(version, summary.paragraphs))


# --- what a compilation shows, as one hash ---------------------------------------------


def _dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _entry_data(entry: Entry) -> list:
    p = entry.paragraph
    return [p.id, p.label, p.kind.value, p.number, p.heading_level, p.text,
            [[s.id, s.delegation.code, s.delegation.name_en, s.author.name, s.proposed_text,
              s.body, s.language, s.created_at.isoformat(),
              s.edited_at.isoformat() if s.edited_at else None,
              proposal.supporter_codes, proposal.disposition.value, proposal.note]
             for proposal in entry.proposals for s in (proposal.submission,)]]


class Fingerprint:
    """A hash of everything the compilation shows, fed a page at a time (the same
    whatever the pages): equal hashes, equal documents."""

    def __init__(self, summary: Summary):
        version = summary.version
        self._digest = hashlib.sha256(_dumps({
            "rendering": RENDERING,
            "consultation": version.consultation.title,
            "version": [version.id, version.label, version.symbol, version.status.value],
            "language": summary.language,
            "withdrawn": summary.withdrawn_count,
            "last_changed_at": summary.last_changed_at.isoformat()
            if summary.last_changed_at else None,
        }))

    def add(self, entries: Iterable[Entry]) -> None:
        """Count these paragraphs and their proposals in."""
        for entry in entries:
            self._digest.update(b"\n" + _dumps(_entry_data(entry)))

    def reading(self, parts: Iterable[Compilation]) -> Iterator[Compilation]:
        """The parts, unchanged, each counted in as it passes (hash while building)."""
        for part in parts:
            self.add(part.entries)
            yield part

    def hexdigest(self) -> str:
        """The hash so far."""
        return self._digest.hexdigest()[:32]


def fingerprint(found: Compilation | Summary) -> str:
    """A hash of everything the compilation shows: equal hashes, equal documents. From a
    summary (or one page), every page is read in turn; none is kept."""
    summary = found.summary if isinstance(found, Compilation) else found
    digest = Fingerprint(summary)
    complete = isinstance(found, Compilation) and found.page is None
    for part in parts_of(found if complete else summary):
        digest.add(part.entries)
    return digest.hexdigest()


def whole_validator(summary: Summary, representation: str, base_url: str) -> str:
    """A validator of a published version's whole compilation, answered by indexes without
    reading one proposal: the compilation shows part of the consultation's public record,
    so it changes only when the record's validator does (`archive.export.record_etag`),
    or when a translation is added. Not for drafts, which that validator leaves out."""
    version = summary.version
    return record_etag(version.consultation, "|".join((
        "compilation", RENDERING, str(version.id), summary.language,
        ",".join(text_languages(version)), representation)), base_url=base_url)

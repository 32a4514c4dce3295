"""Comparing two versions of a consultation, paragraph by paragraph.

Paragraphs are aligned by key, which a paragraph keeps across every version of its
consultation (see matching.py), so any two versions compare, not only consecutive ones:
a key on one side only is a paragraph added or removed. A key on both sides is "moved"
when it falls outside the longest increasing run of old positions taken in new order (the
rule the matcher used when the version was made), so a paragraph renumbered because
something was inserted above it stays "unchanged" or "modified". A moved paragraph that
was also edited stays "moved", with `edited` set and its word diff.

The word diff works on the rendered paragraph (tags kept, text compared word by word, one
token per CJK character, Arabic words with their marks), so emphasis and structure
survive and the markup of the source never shows; a change of formatting alone falls back
to a diff of the Markdown source, so that it is still visible.

Comparing a version with itself is not an error: the comparison says `same_version`, and
lists every paragraph as unchanged, so clients need no special case.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape, unescape

from flask_babel import gettext as _

from consult import permissions
from consult.drafts.matching import _stable, similarity
from consult.drafts.models import Consultation, Paragraph, Version
from consult.drafts.services import get_version, visible_versions
from consult.drafts.translations import paragraphs_in, require_text_language
from consult.errors import Invalid
from consult.textdiff import diff_words, tokenize

CHANGES = ("modified", "moved", "added", "removed", "unchanged")

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Change:
    """What became of one paragraph (one key) between the two versions."""

    key: str  # the paragraph's key, stable across versions
    change: str  # "added", "removed", "modified", "moved" or "unchanged"
    from_paragraph: Paragraph | None  # None when added
    to_paragraph: Paragraph | None  # None when removed
    html: str  # inline: the text with deletions in <del> and insertions in <ins>
    from_html: str  # the old side alone, deletions marked ("" when added)
    to_html: str  # the new side alone, insertions marked ("" when removed)
    similarity: float | None  # 0..1 for a paragraph on both sides, else None
    edited: bool  # the text changed (always so for "modified"; "moved" may be either)

    @property
    def from_label(self) -> str | None:
        """The paragraph's label in the old version."""
        return self.from_paragraph.label if self.from_paragraph is not None else None

    @property
    def to_label(self) -> str | None:
        """The paragraph's label in the new version."""
        return self.to_paragraph.label if self.to_paragraph is not None else None

    @property
    def paragraph(self) -> Paragraph:
        """The paragraph as it reads in the new version, or in the old if removed."""
        return self.to_paragraph if self.to_paragraph is not None else self.from_paragraph

    @property
    def is_renumbered(self) -> bool:
        """Whether the paragraph is on both sides under different labels."""
        return (self.from_paragraph is not None and self.to_paragraph is not None
                and self.from_label != self.to_label)


@dataclass
class Comparison:
    """Two versions of one consultation compared, in reading order of the second."""

    from_version: Version
    to_version: Version
    changes: list[Change] = field(default_factory=list)
    same_version: bool = False
    language: str = "en"  # the language both texts are read in

    @property
    def consultation(self) -> Consultation:
        """The consultation both versions belong to."""
        return self.to_version.consultation

    @property
    def counts(self) -> dict[str, int]:
        """How many paragraphs had each kind of change (every kind present)."""
        counts = dict.fromkeys(CHANGES, 0)
        for change in self.changes:
            counts[change.change] += 1
        return counts

    @property
    def is_public(self) -> bool:
        """Whether both versions are public: the comparison then never changes."""
        return self.from_version.is_public and self.to_version.is_public


# --- service ----------------------------------------------------------------------------

def compare_version_ids(user, from_id: int, to_id: int, language: str | None = None) -> Comparison:
    """Compare two versions given by id (NotFound for what the user may not see)."""
    return compare_versions(user, get_version(user, from_id), get_version(user, to_id),
                            language)


def compare_versions(user, version_a: Version, version_b: Version,
                     language: str | None = None) -> Comparison:
    """Compare version_a (from) with version_b (to), paragraph by paragraph.

    In `language` (en/fr… or eng/fra…), which both versions must have; by default each
    in its original. Uses the paragraphs already loaded with each version (get_version
    loads them in one query, with their keys) and one query per translation.
    """
    permissions.require(user, "view_version", version_a)
    permissions.require(user, "view_version", version_b)
    if version_a.consultation_id != version_b.consultation_id:
        raise Invalid(_("These versions belong to different consultations: choose two "
                        "versions of the same consultation."))
    language = require_text_language(language, version_a, version_b)
    old = paragraphs_in(version_a, language)
    new = paragraphs_in(version_b, language)
    if version_a.id == version_b.id:
        return Comparison(version_a, version_b, [_same(p, p) for p in new], same_version=True,
                          language=language or version_b.language)
    return Comparison(version_a, version_b, _changes(old, new),
                      language=language or version_b.language)


def comparable_versions(user, consultation: Consultation) -> tuple[list[Version],
                                                                   Version | None,
                                                                   Version | None]:
    """The versions the user may compare, and the default pair: previous and newest.

    The default pair is taken among public versions (a draft is chosen only by hand).
    """
    versions = visible_versions(user, consultation)
    public = [v for v in versions if v.is_public] or versions
    if not public:
        return versions, None, None
    newest = public[-1]
    previous = public[-2] if len(public) > 1 else newest
    return versions, previous, newest


# --- alignment --------------------------------------------------------------------------

def _layout(text: str) -> str:
    """The text with whitespace layout normalised: differences here are not edits."""
    return " ".join((text or "").split())


def _changes(old: list[Paragraph], new: list[Paragraph]) -> list[Change]:
    old_index = {p.key_id: i for i, p in enumerate(old)}
    new_keys = {p.key_id for p in new}
    # new index -> old index, for the keys on both sides (the matcher's own shape).
    pairs = {n: old_index[p.key_id] for n, p in enumerate(new) if p.key_id in old_index}
    # The matcher's own measure, so that a comparison of consecutive versions calls
    # "moved" exactly what the matcher called moved when the second version was made.
    similarities = {n: similarity(old[o].text, new[n].text) for n, o in pairs.items()}
    in_place = _stable(pairs, similarities)

    # A removed paragraph is read after the paragraph that preceded it in the old text and
    # survives, wherever that one went (those before any survivor come first).
    removed_after: dict[int | None, list[Paragraph]] = defaultdict(list)
    anchor = None
    for paragraph in old:
        if paragraph.key_id in new_keys:
            anchor = paragraph.key_id
        else:
            removed_after[anchor].append(paragraph)

    changes = [_removed(p) for p in removed_after[None]]
    for n, paragraph in enumerate(new):
        if n not in pairs:
            changes.append(_added(paragraph))
        else:
            predecessor = old[pairs[n]]
            if n in in_place:
                changes.append(_same(predecessor, paragraph, similarities[n]))
            else:
                changes.append(_moved(predecessor, paragraph, similarities[n]))
        changes.extend(_removed(p) for p in removed_after.get(paragraph.key_id, ()))
    return changes


def _added(paragraph: Paragraph) -> Change:
    return Change(paragraph.key.key, "added", None, paragraph, paragraph.html, "",
                  paragraph.html, None, False)


def _removed(paragraph: Paragraph) -> Change:
    return Change(paragraph.key.key, "removed", paragraph, None, paragraph.html,
                  paragraph.html, "", None, False)


def _same(old: Paragraph, new: Paragraph, score: float = 1.0) -> Change:
    """In place: unchanged, or modified with its word diff."""
    if _layout(old.text) == _layout(new.text):
        return Change(new.key.key, "unchanged", old, new, new.html, old.html, new.html,
                      1.0, False)
    inline, from_html, to_html = diff_paragraph(old, new)
    return Change(new.key.key, "modified", old, new, inline, from_html, to_html,
                  round(score, 4), True)


def _moved(old: Paragraph, new: Paragraph, score: float) -> Change:
    if _layout(old.text) == _layout(new.text):
        return Change(new.key.key, "moved", old, new, new.html, old.html, new.html, 1.0, False)
    inline, from_html, to_html = diff_paragraph(old, new)
    return Change(new.key.key, "moved", old, new, inline, from_html, to_html, round(score, 4),
                  True)


# --- word diff of rendered paragraphs ---------------------------------------------------

def diff_paragraph(old: Paragraph, new: Paragraph) -> tuple[str, str, str]:
    """Word diff of two paragraphs: (inline, old side with <del>, new side with <ins>)."""
    inline, from_html, to_html = diff_html(old.html, new.html)
    if "<ins>" not in inline and "<del>" not in inline:
        # Only the formatting changed (emphasis added or taken away): the rendered words
        # are the same, so show the change in the Markdown source instead.
        return diff_words(old.text, new.text), old.html, new.html
    return inline, from_html, to_html


def _html_tokens(html: str) -> list[tuple[bool, str]]:
    """(is_tag, value) tokens: tags whole, text as words, CJK characters, spaces, marks."""
    tokens: list[tuple[bool, str]] = []
    at = 0
    for match in _TAG.finditer(html):
        tokens.extend((False, t) for t in tokenize(unescape(html[at:match.start()])))
        tokens.append((True, match.group()))
        at = match.end()
    tokens.extend((False, t) for t in tokenize(unescape(html[at:])))
    return tokens


def _comparable(token: tuple[bool, str]) -> tuple[bool, str]:
    # A line break in the source renders as "\n", a space as " ": the same to a reader.
    is_tag, value = token
    return (False, " ") if not is_tag and value.isspace() else token


def _marked(tokens: list[tuple[bool, str]], tag: str) -> str:
    """Tokens as HTML: tags as they are, each run of text between them inside <tag>."""
    out: list[str] = []
    run: list[str] = []
    for is_tag, value in tokens:
        if is_tag:
            if run:
                out.append(f"<{tag}>{escape(''.join(run), quote=False)}</{tag}>")
                run = []
            out.append(value)
        else:
            run.append(value)
    if run:
        out.append(f"<{tag}>{escape(''.join(run), quote=False)}</{tag}>")
    return "".join(out)


def _plain(tokens: list[tuple[bool, str]]) -> str:
    return "".join(value if is_tag else escape(value, quote=False) for is_tag, value in tokens)


def diff_html(old_html: str, new_html: str) -> tuple[str, str, str]:
    """Word diff of two rendered texts: (inline, old side, new side), all well-formed.

    Each side keeps all of its own tags, so its markup stays balanced. The inline form is
    the new text with the deleted words set in before the inserted ones; deleted words
    lose their tags (markup of the old text cannot nest inside the new).
    """
    a, b = _html_tokens(old_html or ""), _html_tokens(new_html or "")
    matcher = difflib.SequenceMatcher(None, [_comparable(t) for t in a],
                                      [_comparable(t) for t in b], autojunk=False)
    inline: list[str] = []
    old_side: list[str] = []
    new_side: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            inline.append(_plain(b[j1:j2]))
            old_side.append(_plain(a[i1:i2]))
            new_side.append(_plain(b[j1:j2]))
            continue
        deleted = "".join(value for is_tag, value in a[i1:i2] if not is_tag)
        if deleted:
            inline.append(f"<del>{escape(deleted, quote=False)}</del>")
        inline.append(_marked(b[j1:j2], "ins"))
        old_side.append(_marked(a[i1:i2], "del"))
        new_side.append(_marked(b[j1:j2], "ins"))
    return "".join(inline), "".join(old_side), "".join(new_side)

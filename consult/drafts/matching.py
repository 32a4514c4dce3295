"""Stable paragraph identity across successive versions of a draft.

Pure Python, no Flask and no database. ``match_paragraphs(old, new)`` pairs each paragraph
of a new version with its predecessor in the old version (by key), and says whether it was
kept, edited, moved, is new, or whether an old paragraph was removed.

How matching works
------------------
1. ``explicit`` pairs (new index → old key, or None for "force new") are taken as given.
2. Texts are normalised (Unicode NFKC, case folded, Markdown emphasis and punctuation
   removed, Arabic diacritics/tatweel removed and letter variants unified) and cut into
   tokens: words for alphabetic scripts, one token per character for Chinese/Japanese.
3. Paragraphs whose normalised text is identical are paired first (a heading only with a
   heading; same kind preferred). A text that occurs several times is paired with the
   occurrence nearest to where the surrounding identical paragraphs say it should be.
4. The rest are compared by similarity: candidates come from an inverted index of token
   bigrams (shingles; very common shingles are skipped when rarer ones exist), the best
   few by Dice coefficient are scored with ``difflib.SequenceMatcher`` on the token lists,
   and pairs with similarity ≥ ``threshold`` are assigned greedily, best first (same kind
   preferred; ties broken by closeness to the expected position). When one old paragraph
   was split in two, the more similar half keeps the key and the other half is new.
5. Status: the longest increasing subsequence (by count, then by similarity) of the old
   positions of matched paragraphs, taken in new order, stays in place; matches outside it
   are "moved" (also when edited: their similarity < 1 says so). In place, a paragraph is
   "kept" when its text is the same (ignoring only how whitespace is laid out), otherwise
   "edited". Renumbering (OP3 becoming OP4) is therefore "kept". Similarity is 1.0 for
   identical text, 0.99 when only case or punctuation changed (brackets!), otherwise the
   token similarity ratio.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:
    from consult.drafts.parsing import ParsedParagraph

__all__ = ["OldParagraph", "Match", "match_paragraphs", "summarise", "similarity",
           "tokenize", "STATUSES"]

STATUSES = ("kept", "edited", "moved", "new", "removed")
PUNCTUATION_ONLY_SIMILARITY = 0.99
_CANDIDATES_PER_PARAGRAPH = 8
_MIN_DICE = 0.1


@dataclass(frozen=True)
class OldParagraph:
    key: str
    kind: str
    label: str
    text: str


@dataclass(frozen=True)
class Match:
    new_index: int | None  # index into the new paragraph list; None for a removed paragraph
    old_key: str | None  # key of the matched predecessor; None for a new paragraph
    status: str  # "kept", "edited", "moved", "new", "removed"
    similarity: float  # 0..1
    old_label: str | None
    new_label: str | None


# --- normalisation ------------------------------------------------------------------------

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي",
                                 "ة": "ه", "ؤ": "و", "ئ": "ي"})
_MARKUP = re.compile(r"[*_~`]")
_CJK = ("\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff"
        "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f")
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


def tokenize(text: str) -> list[str]:
    """Comparable tokens: words (letters/digits), and single characters for CJK."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    text = _MARKUP.sub("", text)
    return _TOKEN.findall(text)


def _layout(text: str) -> str:
    """The text with whitespace layout normalised: differences here are not edits."""
    return " ".join((text or "").split())


def similarity(a: str, b: str) -> float:
    """Similarity of two paragraph texts, 0..1 (the measure used by match_paragraphs)."""
    return _Item(0, "", "", a).similarity_to(_Item(0, "", "", b))


# --- internal representation --------------------------------------------------------------

class _Item:
    __slots__ = ("index", "kind", "label", "text", "tokens", "norm", "layout", "_shingles",
                 "key")

    def __init__(self, index: int, kind: str, label: str, text: str, key: str | None = None):
        self.index = index
        self.kind = kind or ""
        self.label = label
        self.text = text or ""
        self.key = key
        self.tokens = tokenize(self.text)
        self.norm = "\x1f".join(self.tokens)
        self.layout = _layout(self.text)
        self._shingles: set[str] | None = None

    @property
    def is_heading(self) -> bool:
        return self.kind == "heading"

    @property
    def shingles(self) -> set[str]:
        if self._shingles is None:
            tokens = self.tokens
            shingles = {f"{a}\x1f{b}" for a, b in zip(tokens, tokens[1:])}
            if len(tokens) < 4:
                shingles.update(tokens)
            self._shingles = shingles
        return self._shingles

    def similarity_to(self, other: "_Item") -> float:
        if self.layout == other.layout:
            return 1.0
        if self.norm == other.norm:
            return PUNCTUATION_ONLY_SIMILARITY if self.tokens else 0.0
        if not self.tokens or not other.tokens:
            return 0.0
        ratio = SequenceMatcher(None, self.tokens, other.tokens, autojunk=False).ratio()
        return min(ratio, PUNCTUATION_ONLY_SIMILARITY)


class _Positions:
    """Predicts where in the old list a new paragraph should be, from anchors."""

    def __init__(self, n_old: int, n_new: int):
        self.n_old, self.n_new = n_old, n_new
        self.new_positions: list[int] = []
        self.old_positions: list[int] = []

    def set_anchors(self, pairs: dict[int, int]) -> None:
        ordered = sorted(pairs.items())
        self.new_positions = [n for n, _ in ordered]
        self.old_positions = [o for _, o in ordered]

    def predict(self, new_index: int) -> float:
        if not self.new_positions:
            return new_index * self.n_old / max(self.n_new, 1)
        at = bisect.bisect_right(self.new_positions, new_index) - 1
        if at >= 0:
            return self.old_positions[at] + (new_index - self.new_positions[at])
        return self.old_positions[0] - (self.new_positions[0] - new_index)


# --- public API ---------------------------------------------------------------------------

def match_paragraphs(old: Sequence[OldParagraph], new: Sequence[ParsedParagraph],
                     explicit: Mapping[int, str | None] | None = None,
                     threshold: float = 0.5) -> list[Match]:
    """Match the paragraphs of a new version to those of the old one.

    ``new`` holds ParsedParagraph objects (anything with kind, label and text).
    ``explicit`` maps a new index to the old key it must take, or to None to force a new
    paragraph; it overrides automatic matching for those indices. Raises ValueError for an
    old key used twice (in ``explicit`` or among ``old``), an unknown key, or a new index
    out of range.

    Returns one Match per new paragraph, in new order, then one "removed" Match per
    unmatched old paragraph, in old order.
    """
    olds = [_Item(i, p.kind, p.label, p.text, key=p.key) for i, p in enumerate(old)]
    news = [_Item(i, getattr(p, "kind", ""), getattr(p, "label", None), getattr(p, "text", ""))
            for i, p in enumerate(new)]
    old_by_key: dict[str, int] = {}
    for item in olds:
        if item.key in old_by_key:
            raise ValueError(f"Duplicate key among the old paragraphs: {item.key!r}.")
        old_by_key[item.key] = item.index

    assigned_new: dict[int, int] = {}  # new index -> old index
    forced_new: set[int] = set()
    used_old: set[int] = set()
    for new_index, key in (explicit or {}).items():
        if not isinstance(new_index, int) or not 0 <= new_index < len(news):
            raise ValueError(f"Explicit match for paragraph {new_index!r}, which is not in "
                             f"the new version ({len(news)} paragraphs).")
        if key is None:
            forced_new.add(new_index)
            continue
        if key not in old_by_key:
            raise ValueError(f"Explicit match to unknown key {key!r}.")
        old_index = old_by_key[key]
        if old_index in used_old:
            raise ValueError(f"Key {key!r} is given to more than one paragraph.")
        used_old.add(old_index)
        assigned_new[new_index] = old_index
    explicit_new = set(assigned_new) | forced_new

    positions = _Positions(len(olds), len(news))
    positions.set_anchors(assigned_new)
    _match_exact(olds, news, assigned_new, used_old, explicit_new, positions)
    positions.set_anchors(assigned_new)
    _match_similar(olds, news, assigned_new, used_old, explicit_new, positions, threshold)
    positions.set_anchors(assigned_new)
    _match_headings(olds, news, assigned_new, used_old, explicit_new, positions, threshold)

    similarities = {n: news[n].similarity_to(olds[o]) for n, o in assigned_new.items()}
    in_place = _stable(assigned_new, similarities)

    matches: list[Match] = []
    for item in news:
        old_index = assigned_new.get(item.index)
        if old_index is None:
            matches.append(Match(item.index, None, "new", 0.0, None, item.label))
            continue
        predecessor = olds[old_index]
        score = similarities[item.index]
        if item.index not in in_place:
            status = "moved"
        elif item.layout == predecessor.layout:
            status = "kept"
        else:
            status = "edited"
        matches.append(Match(item.index, predecessor.key, status, round(score, 4),
                             predecessor.label, item.label))
    for item in olds:
        if item.index not in used_old:
            matches.append(Match(None, item.key, "removed", 0.0, item.label, None))
    return matches


def summarise(matches: Sequence[Match]) -> dict[str, int]:
    """How many matches have each status (every status present, zero when absent)."""
    counts = Counter(m.status for m in matches)
    summary = {status: counts.get(status, 0) for status in STATUSES}
    for status, count in counts.items():
        summary.setdefault(status, count)
    return summary


# --- steps --------------------------------------------------------------------------------

def _match_exact(olds: list[_Item], news: list[_Item], assigned: dict[int, int],
                 used_old: set[int], skip_new: set[int], positions: _Positions) -> None:
    """Pair identical normalised texts: unique ones first (anchors), then repeated ones."""
    def group_key(item: _Item) -> tuple[bool, str] | None:
        if item.tokens:
            return item.is_heading, item.norm
        if item.layout:  # only punctuation or symbols: compare as written
            return item.is_heading, "\x00" + item.layout
        return None

    old_groups: dict[tuple[bool, str], list[int]] = defaultdict(list)
    for item in olds:
        key = group_key(item)
        if item.index not in used_old and key is not None:
            old_groups[key].append(item.index)
    new_groups: dict[tuple[bool, str], list[int]] = defaultdict(list)
    for item in news:
        key = group_key(item)
        if item.index not in skip_new and key is not None:
            new_groups[key].append(item.index)

    repeated = []
    for group, new_indices in new_groups.items():
        old_indices = old_groups.get(group)
        if not old_indices:
            continue
        if len(new_indices) == 1 and len(old_indices) == 1:
            assigned[new_indices[0]] = old_indices[0]
            used_old.add(old_indices[0])
        else:
            repeated.append((new_indices, old_indices))
    positions.set_anchors(assigned)
    for new_indices, old_indices in repeated:
        for new_index in new_indices:
            expected = positions.predict(new_index)
            free = [o for o in old_indices if o not in used_old]
            if not free:
                break
            best = min(free, key=lambda o: (olds[o].kind != news[new_index].kind,
                                            olds[o].layout != news[new_index].layout,
                                            abs(o - expected)))
            assigned[new_index] = best
            used_old.add(best)


def _match_similar(olds: list[_Item], news: list[_Item], assigned: dict[int, int],
                   used_old: set[int], skip_new: set[int], positions: _Positions,
                   threshold: float) -> None:
    """Greedy best-first assignment of similar paragraphs, candidates from shingles."""
    free_old = [item for item in olds
                if item.index not in used_old and item.tokens and not item.is_heading]
    pending = [item for item in news if item.index not in assigned
               and item.index not in skip_new and item.tokens and not item.is_heading]
    if not free_old or not pending:
        return
    index: dict[str, list[int]] = defaultdict(list)
    for item in free_old:
        for shingle in item.shingles:
            index[shingle].append(item.index)
    common = max(20, len(free_old) // 10)

    pairs: list[tuple[float, float, int, int]] = []
    matcher = SequenceMatcher(None, autojunk=False)
    for item in pending:
        shingles = item.shingles
        rare = [s for s in shingles if 0 < len(index.get(s, ())) <= common]
        chosen = rare if rare else [s for s in shingles if s in index]
        shared: Counter[int] = Counter()
        for shingle in chosen:
            shared.update(index[shingle])
        if not shared:
            continue
        if rare and len(rare) < len(shingles):
            # Count the common shingles too, but only for the candidates found.
            for shingle in shingles:
                postings = index.get(shingle)
                if postings and len(postings) > common:
                    for old_index in postings:
                        if old_index in shared:
                            shared[old_index] += 1
        expected = positions.predict(item.index)
        scored = []
        for old_index, count in shared.items():
            other = olds[old_index]
            dice = 2 * count / (len(shingles) + len(other.shingles))
            if dice >= _MIN_DICE:
                # Near-identical candidates: the ones nearest the expected place first.
                scored.append((-round(dice, 3), abs(old_index - expected), old_index))
        scored.sort()
        matcher.set_seq2(item.tokens)
        for _, _, old_index in scored[:_CANDIDATES_PER_PARAGRAPH]:
            other = olds[old_index]
            matcher.set_seq1(other.tokens)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            score = matcher.ratio()
            if score < threshold:
                continue
            rank = score - (0.05 if other.kind != item.kind else 0.0)
            pairs.append((rank, -abs(old_index - expected), item.index, old_index))

    pairs.sort(reverse=True)
    for _, _, new_index, old_index in pairs:
        if new_index in assigned or old_index in used_old:
            continue
        assigned[new_index] = old_index
        used_old.add(old_index)


def _sections(items: list[_Item]) -> tuple[dict[int, list[int]], list[int | None]]:
    """Paragraphs under each heading (up to the next heading), and each one's heading."""
    members: dict[int, list[int]] = {}
    heading_of: list[int | None] = []
    current: int | None = None
    for item in items:
        if item.is_heading:
            current = item.index
            members[current] = []
            heading_of.append(None)
        else:
            heading_of.append(current)
            if current is not None:
                members[current].append(item.index)
    return members, heading_of


def _match_headings(olds: list[_Item], news: list[_Item], assigned: dict[int, int],
                    used_old: set[int], skip_new: set[int], positions: _Positions,
                    threshold: float) -> None:
    """Headings, after the paragraphs: by text and by what their sections contain.

    "Article 4 (adaptation)" renumbered to "Article 7" shares little text, but the
    paragraphs under it came from under the old heading. A pair scores
    (text similarity + share of the section's paragraphs matched into the old section) / 2,
    or the text similarity alone when both sections are empty.
    """
    free_old = [item for item in olds if item.is_heading and item.index not in used_old]
    pending = [item for item in news if item.is_heading and item.index not in assigned
               and item.index not in skip_new]
    if not free_old or not pending:
        return
    old_members, old_heading_of = _sections(olds)
    new_members, _ = _sections(news)
    free = {item.index for item in free_old}
    everything = len(free_old) * len(pending) <= 20_000
    pairs: list[tuple[float, float, int, int]] = []
    for item in pending:
        members = new_members.get(item.index, [])
        context = Counter(old_heading_of[assigned[m]] for m in members if m in assigned)
        candidates = {h for h in context if h in free}
        if everything:
            candidates.update(free)
        else:
            candidates.update(o.index for o in free_old if o.norm == item.norm)
        expected = positions.predict(item.index)
        for old_index in candidates:
            other = olds[old_index]
            text_score = item.similarity_to(other)
            size = max(len(members), len(old_members.get(old_index, [])))
            score = text_score if size == 0 else (text_score + context[old_index] / size) / 2
            if score >= threshold:
                pairs.append((score, -abs(old_index - expected), item.index, old_index))
    pairs.sort(reverse=True)
    for _, _, new_index, old_index in pairs:
        if new_index in assigned or old_index in used_old:
            continue
        assigned[new_index] = old_index
        used_old.add(old_index)


def _stable(assigned: dict[int, int], similarities: dict[int, float]) -> set[int]:
    """New indices in the longest increasing run of old positions.

    Weighted longest increasing subsequence with a Fenwick tree over old positions. The
    weight counts matches first; among equally long runs it prefers paragraphs that moved
    least (rank among matched paragraphs, old vs new: so when A and C swap around B, A and
    C are "moved" and B stays) and then identical over edited ones.
    """
    ordered = sorted(assigned.items())
    if not ordered:
        return set()
    ranks = {o: r for r, o in enumerate(sorted(o for _, o in ordered), start=1)}
    size = len(ranks)
    spread = 0.5 / size
    tree: list[tuple[float, int]] = [(0.0, -1)] * (size + 1)

    def query(position: int) -> tuple[float, int]:
        best = (0.0, -1)
        while position > 0:
            if tree[position][0] > best[0]:
                best = tree[position]
            position -= position & -position
        return best

    def update(position: int, value: tuple[float, int]) -> None:
        while position <= size:
            if value[0] > tree[position][0]:
                tree[position] = value
            position += position & -position

    back: list[int] = []
    best_end = (0.0, -1)
    for at, (new_index, old_index) in enumerate(ordered):
        rank = ranks[old_index]
        previous = query(rank - 1)
        displacement = abs(rank - 1 - at)
        weight = (previous[0] + 1000.0 + 0.25 * similarities.get(new_index, 0.0)
                  - spread * displacement)
        back.append(previous[1])
        update(rank, (weight, at))
        if weight > best_end[0]:
            best_end = (weight, at)
    stable: set[int] = set()
    at = best_end[1]
    while at >= 0:
        stable.add(ordered[at][0])
        at = back[at]
    return stable

"""Evaluating parsed queries on arrays: the part of searching that must be fast.

Whoosh's matcher tree scores every match one Python call at a time. Here each term's
postings are read once per searcher into NumPy arrays (document numbers and BM25 scores),
and the query tree is evaluated with array operations: unions, intersections, a cached
visibility mask, facet counts with bincount, top-k with argpartition. Phrases use Whoosh's
positional matching (cached per searcher). Anything this module does not know is answered
by the caller's plain Whoosh path. Scores are Whoosh's BM25F with Whoosh's statistics
(document frequencies and the document count include deleted documents until segments
merge, as in Whoosh), so the first page is Whoosh's: tests/search/test_differential.py.
Whoosh's private internals are read through whoosh_compat only.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from whoosh import query as wq

from consult.search import whoosh_compat

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults, so scores rank as Whoosh's would
MAX_PREFIX_TERMS = 200  # words a prefix expands to, the most frequent first
MAX_PREFIX_SCAN = 20000  # words looked at to find them
NOT_SCORE = 1.0  # what a document matching "NOT x" scores in Whoosh (InverseMatcher's weight)
EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


class Unsupported(Exception):
    """A query shape this evaluator does not handle; use Whoosh's own matching."""


class ArrayCache:
    """Per-searcher arrays: postings, field lengths, facet codes, masks. Dropped with it."""

    # Bound on the cached postings, so that a worker's memory stays flat whatever is asked.
    MAX_TERM_BYTES = 48 * 2**20

    def __init__(self, searcher, max_terms: int = 20000):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.leaves = list(self.reader.leaf_readers())
        self.max_terms = max_terms
        self._terms: OrderedDict = OrderedDict()
        self._term_bytes = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._columns: dict[str, tuple[np.ndarray, list]] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._masks: dict = {}
        self._phrases: OrderedDict = OrderedDict()

    # --- building blocks ------------------------------------------------------------

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = np.zeros(self.size, dtype=np.float32)
            for segment, offset in self.leaves:
                count = segment.doc_count_all()
                if count:
                    lengths[offset:offset + count] = whoosh_compat.field_lengths(
                        segment, fieldname, count)
            self._lengths[fieldname] = lengths
        return lengths

    def term(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, BM25 scores) of one term, sorted by document number."""
        key = (fieldname, btext)
        found = self._terms.get(key)
        if found is not None:
            self._terms.move_to_end(key)
            return found
        docs, freqs = [], []
        for segment, offset in self.leaves:
            if (fieldname, btext) not in segment:
                continue
            ids, weights = whoosh_compat.read_postings(segment, fieldname, btext)
            docs.append(ids + offset)
            freqs.append(weights)
        if not docs:
            found = EMPTY
        else:
            doc_array = np.concatenate(docs).astype(np.int32)
            tf = np.concatenate(freqs).astype(np.float32)
            live = self.live()[doc_array]
            if not self.reader.schema[fieldname].scorable:  # ids and facets: no lengths
                found = (doc_array[live], np.ones(int(live.sum()), dtype=np.float32))
                self._remember(key, found)
                return found
            # Whoosh's statistics, deleted documents included (BM25F.idf, avg_field_length).
            df = self.reader.doc_frequency(fieldname, btext)
            idf = math.log(self.size / (df + 1)) + 1
            avg = (self.reader.field_length(fieldname) / max(self.size, 1)) or 1
            fl = self._field_lengths(fieldname)[doc_array]
            scores = idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avg))
            found = (doc_array[live], scores[live].astype(np.float32))
        self._remember(key, found)
        return found

    def _remember(self, key, found) -> None:
        self._terms[key] = found
        self._term_bytes += found[0].nbytes + found[1].nbytes
        while self._terms and (len(self._terms) > self.max_terms
                               or self._term_bytes > self.MAX_TERM_BYTES):
            _, (docs, scores) = self._terms.popitem(last=False)
            self._term_bytes -= docs.nbytes + scores.nbytes

    def _segment_columns(self, fieldname: str):
        """(offset, document count, column reader) of each segment that has the column."""
        for segment, offset in self.leaves:
            count = segment.doc_count_all()
            if count and segment.has_column(fieldname):
                yield offset, count, segment.column_reader(fieldname, translate=False)

    def column_codes(self, fieldname: str) -> tuple[np.ndarray, list]:
        """Each document's value of a facet column as a small integer, and the values."""
        cached = self._columns.get(fieldname)
        if cached is None:
            values: dict = {b"": 0}
            codes = np.zeros(self.size, dtype=np.int32)
            for offset, count, column in self._segment_columns(fieldname):
                # The per-document references and the distinct values, read as one block.
                refs, uniques = whoosh_compat.references(column, count)
                mapping = np.array([values.setdefault(u, len(values)) for u in uniques],
                                   dtype=np.int32)
                codes[offset:offset + count] = mapping[refs]
            labels = [None] * len(values)
            for raw, code in values.items():
                labels[code] = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            cached = self._columns[fieldname] = (codes, labels)
        return cached

    def numbers(self, fieldname: str) -> np.ndarray:
        """A numeric column (e.g. `created`) as an array indexed by document number."""
        cached = self._numbers.get(fieldname)
        if cached is None:
            # Raw column values: they order documents as the numbers do, which is all that
            # sorting needs.
            cached = np.zeros(self.size, dtype=np.uint64)
            for offset, count, column in self._segment_columns(fieldname):
                cached[offset:offset + count] = whoosh_compat.numbers(column, count)
            self._numbers[fieldname] = cached
        return cached

    def cached_mask(self, key) -> np.ndarray | None:
        """The mask made earlier for this key, if it is still kept."""
        return self._masks.get(key)

    def mask(self, key, docs) -> np.ndarray:
        """A boolean array of the documents a filter allows (deleted ones never)."""
        cached = self._masks.get(key)
        if cached is None:
            cached = np.zeros(self.size, dtype=bool)
            allowed = docs if isinstance(docs, np.ndarray) else np.fromiter(docs, np.int64)
            if len(allowed):
                cached[allowed] = True
            cached &= self.live()
            if len(self._masks) > 256:
                self._masks.clear()
            self._masks[key] = cached
        return cached

    def live(self) -> np.ndarray:
        """A boolean array: which document numbers are not deleted (or replaced)."""
        cached = self._masks.get(("live",))
        if cached is None:
            cached = np.ones(self.size, dtype=bool)
            for segment, offset in self.leaves:
                deleted = whoosh_compat.deleted_docs(segment)
                if len(deleted):
                    cached[deleted + offset] = False
            self._masks[("live",)] = cached
        return cached

    def everything(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live document, unscored (what a NOT takes away from)."""
        docs = np.nonzero(self.live())[0].astype(np.int32)
        return docs, np.zeros(len(docs), dtype=np.float32)

    def phrase(self, q: wq.Phrase) -> np.ndarray:
        """Documents where the words stand in this order (Whoosh's positional check)."""
        key = (q.fieldname, tuple(q.words), q.slop)
        found = self._phrases.get(key)
        if found is None:
            found = np.fromiter(sorted(self.searcher.docs_for_query(q)), dtype=np.int32)
            self._phrases[key] = found
            if len(self._phrases) > 1000:
                self._phrases.popitem(last=False)
        return found

    # --- evaluation -----------------------------------------------------------------

    def evaluate(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """(sorted document numbers, scores) matching a parsed query."""
        if isinstance(q, wq.Term):
            field = self.reader.schema[q.fieldname]
            return self.term(q.fieldname, field.to_bytes(q.text))
        if isinstance(q, wq.Or):
            return _union([self.evaluate(child) for child in q.subqueries])
        if isinstance(q, wq.And):
            positive = [c for c in q.subqueries if not isinstance(c, wq.Not)]
            negative = [c.query for c in q.subqueries if isinstance(c, wq.Not)]
            docs, scores = self.evaluate(positive[0]) if positive else self.everything()
            for child in positive[1:]:
                docs, scores = _intersect((docs, scores), self.evaluate(child))
            for child in negative:
                excluded, _ = self.evaluate(child)
                keep = ~np.isin(docs, excluded, assume_unique=True)
                # Whoosh's NOT matches with a score of 1 (InverseMatcher), added in an AND.
                docs, scores = docs[keep], scores[keep] + NOT_SCORE
            return docs, scores
        if isinstance(q, wq.Not):
            docs, _ = self.everything()
            excluded, _ = self.evaluate(q.query)
            keep = ~np.isin(docs, excluded, assume_unique=True)
            docs = docs[keep]
            return docs, np.full(len(docs), NOT_SCORE, dtype=np.float32)
        if isinstance(q, wq.Phrase):
            words = [self.evaluate(wq.Term(q.fieldname, w)) for w in q.words]
            docs = self.phrase(q)
            scores = np.zeros(len(docs), dtype=np.float32)
            for word_docs, word_scores in words:
                index = np.searchsorted(word_docs, docs)
                index[index >= len(word_docs)] = 0
                hit = word_docs[index] == docs if len(word_docs) else np.zeros(len(docs), bool)
                scores += np.where(hit, word_scores[index] if len(word_docs) else 0, 0)
            return docs, scores
        if isinstance(q, wq.Prefix):
            # The most frequent words that begin so (a very short, common prefix would
            # otherwise read thousands of postings lists).
            words = []
            for n, btext in enumerate(self.reader.expand_prefix(q.fieldname, q.text)):
                if n >= MAX_PREFIX_SCAN:
                    break
                words.append((self.reader.doc_frequency(q.fieldname, btext), btext))
            words = sorted(words, reverse=True)[:MAX_PREFIX_TERMS]
            terms = [self.term(q.fieldname, btext) for _, btext in words]
            return _union(terms) if terms else EMPTY
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return EMPTY
        raise Unsupported(type(q).__name__)


def _union(parts: list) -> tuple[np.ndarray, np.ndarray]:
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    docs = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    unique, inverse = np.unique(docs, return_inverse=True)
    return unique.astype(np.int32), np.bincount(inverse, weights=scores).astype(np.float32)


def _intersect(a, b) -> tuple[np.ndarray, np.ndarray]:
    docs, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return docs.astype(np.int32), a[1][ia] + b[1][ib]


def top(docs: np.ndarray, keys: np.ndarray, wanted: int) -> np.ndarray:
    """The `wanted` documents with the largest keys, best first (ties: the later added first)."""
    if len(docs) == 0 or wanted <= 0:
        return docs[:0]
    if wanted < len(docs):
        # Everything at least as good as the wanted-th key, ties included, so that the
        # tie-break below decides (argpartition alone would pick among ties at random).
        threshold = np.partition(-keys, wanted - 1)[wanted - 1]
        part = np.nonzero(-keys <= threshold)[0]
    else:
        part = np.arange(len(docs))
    order = np.lexsort((-docs[part].astype(np.int64), -keys[part]))
    return docs[part][order][:wanted]

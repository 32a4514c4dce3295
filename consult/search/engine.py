"""The Whoosh index behind a small interface: add_to_index, remove_from_index, query_index.

Nothing outside this module knows Whoosh's writer or searcher: callers get plain `Hits`
(ids, totals, facet counts), term sets and words. Whoosh's private internals are read in
whoosh_compat only, checked when the first SearchIndex is made. The index lives in a
folder named by the file CURRENT inside SEARCH_INDEX_PATH, so a rebuild writes a new
folder and switches to it in one rename while readers go on with the old one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import pickle
import struct
import zlib
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh.columns import RefBytesColumn
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.query import Query

from consult.search.analysis import LANGUAGES, analyzer_for, spelling_analyzer
from consult.search import whoosh_compat
from consult.search.fastpath import ArrayCache, Unsupported, top

log = logging.getLogger(__name__)

# Bump when the schema or an analyzer changes: an index of another version is rebuilt.
SCHEMA_VERSION = 4  # 4: Markdown indexed as the words readers see (issue 13)
TEXT_FIELDS = tuple(f"text_{lang}" for lang in LANGUAGES)
# From this many submissions on, a rebuild starts one writer process per core (below, the
# processes cost more than they save).
PARALLEL_BUILD_FROM = 5000
FACET_FIELDS = ("type", "delegation", "dtype", "version", "lang", "disposition")


def make_schema() -> Schema:
    """The one schema: ids and facets as columns, one text field per language."""
    fields = {
        "id": ID(unique=True, stored=True),
        "stamp": STORED(),
        "consultation": ID(),
        "visibility": ID(),
        "author": ID(),
        "created": NUMERIC(int, bits=64, sortable=True, signed=False),
    }
    for name in FACET_FIELDS:
        # A reference column (one small number per document, the values once): facets and
        # filters read it as a single array.
        fields[name] = ID(sortable=RefBytesColumn())
    for lang in LANGUAGES:
        fields[f"text_{lang}"] = TEXT(analyzer=analyzer_for(lang), phrase=True)
    # Every word as written (lowercased, unaccented, unstemmed): the vocabulary that
    # "did you mean" suggests from. No positions, no scoring: it costs little.
    fields["spell"] = TEXT(analyzer=spelling_analyzer(), phrase=False)
    return Schema(**fields)


class IndexUnavailable(Exception):
    """The index is missing, of an older schema, or cannot be read."""


class IndexNotWritable(Exception):
    """The index's disk is full or read-only: it can be read, not written, until space or
    write access is back. Not damage: rebuilding would fail the same way."""


# The errors of a disk that cannot take a write, as opposed to files that are damaged.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT})


def not_writable(exc: BaseException) -> bool:
    """Whether `exc` is the disk refusing a write (full, read-only, over quota)."""
    return isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS


class LockBusy(Exception):
    """Another thread or process holds the writer lock longer than the caller would wait."""


# What reading damaged index files raises inside Whoosh (truncated or overwritten files).
DAMAGE = (OSError, EOFError, ValueError, IndexError, KeyError, struct.error,
          pickle.UnpicklingError, zlib.error)


def damaged(exc: BaseException) -> bool:
    """Whether Whoosh raised `exc` because index files are cut short or overwritten."""
    # A postings block read past the end of a truncated file: a bare Exception, worded so
    # (whoosh/codec/whoosh3.py, W3LeafMatcher._read_header).
    if not_writable(exc):
        return False
    return isinstance(exc, DAMAGE) or (
        type(exc) is Exception and str(exc).startswith("Block tag error"))


@dataclass
class Hits:
    """One page of matches: index ids with scores, the total, and facet counts."""

    total: int
    ids: list[str]
    facets: dict[str, Counter] = field(default_factory=dict)
    # How many the same query matches within a second, wider filter (count_also), if asked.
    other_total: int | None = None


class SearchIndex:
    """One index folder, with a searcher kept open and refreshed when the index changes."""

    # How often a reader looks whether another process changed the index (seconds).
    REFRESH_INTERVAL = 0.2

    def __init__(self, root: str | os.PathLike):
        whoosh_compat.check()  # once per process: refuse a Whoosh whose internals differ
        self.root = Path(root)
        self._lock = threading.RLock()
        self._ix = None
        self._ix_dir: Path | None = None
        self._searcher = None
        self._checked_at = 0.0
        self._verified_at = float("-inf")
        self._arrays: ArrayCache | None = None

    # --- folders --------------------------------------------------------------------

    def current_dir(self) -> Path | None:
        """The folder of the index in use, if there is one."""
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except OSError:
            return None
        path = self.root / name
        return path if name and path.is_dir() else None

    def _open(self):
        path = self.current_dir()
        if path is None:
            raise IndexUnavailable("no search index")
        try:
            meta = json.loads((path / "meta.json").read_text())
            if meta.get("schema") != SCHEMA_VERSION:
                raise IndexUnavailable("search index of another schema version")
            ix = whoosh_compat.open_storage(path).open_index()  # without mmap: see there
        except IndexUnavailable:
            raise
        except Exception as exc:  # unreadable or corrupt: the caller rebuilds
            raise IndexUnavailable(f"search index cannot be opened: {exc}") from exc
        return path, ix

    def index(self):
        """The open Whoosh index (reopened when CURRENT points elsewhere)."""
        with self._lock:
            path = self.current_dir()
            if self._ix is None or path != self._ix_dir:
                self._close_searcher()
                self._ix_dir, self._ix = self._open()
            return self._ix

    def exists(self) -> bool:
        """Whether an index of this schema can be opened."""
        try:
            self.index()
            return True
        except IndexUnavailable:
            return False

    # --- cursor (how far this index follows the outbox) -----------------------------

    def read_cursor(self) -> dict:
        """The outbox position this index has applied."""
        path = self.current_dir()
        if path is None:
            raise IndexUnavailable("no search index")
        try:
            return json.loads((path / "cursor.json").read_text())
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"search cursor unreadable: {exc}") from exc

    @staticmethod
    def _write_json(path: Path, data: dict) -> None:
        tmp = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)

    # --- writing --------------------------------------------------------------------

    def writer_lock(self, wait: float | None = None):
        """A lock file shared by every process writing to this index folder.

        `wait`: None waits as long as it takes; otherwise LockBusy after that many seconds
        (0: at once). The lock is an flock: a process that dies releases it, so a rebuild
        killed half-way never leaves a guard behind.
        """
        return _FileLock(self.root / "write.lock", wait=wait)

    def apply(self, docs: list[dict], delete_ids: Iterable[str], cursor: dict) -> None:
        """add_to_index / remove_from_index in one Whoosh commit, then record the cursor.

        The caller holds writer_lock(). The cursor is written after the index commit: a
        crash between the two re-applies the same changes, which is harmless.
        """
        ix = self.index()
        # The folder removed or its files cut short: IndexUnavailable, and the caller rebuilds.
        with self._damage_is_unavailable():
            writer = ix.writer(timeout=30)
            whoosh_compat.remember_missing_columns(writer)
            try:
                for doc_id in delete_ids:
                    writer.delete_by_term("id", doc_id)
                for doc in docs:
                    writer.update_document(**doc)
                writer.commit()
            except BaseException:
                # Also when the commit itself fails (a full disk): a writer left open keeps
                # Whoosh's own lock, and every later writer would wait its timeout on it.
                _cancel_quietly(writer)
                raise
            self._write_json(self._ix_dir / "cursor.json", cursor)
        self.refresh(force=True)

    def write_cursor(self, cursor: dict) -> None:
        """Record the outbox position without touching the index (the caller holds the lock)."""
        path = self.current_dir()
        if path is not None:
            self._write_json(path / "cursor.json", cursor)

    def build(self, docs: Iterable[dict], cursor: dict, expected: int = 0) -> int:
        """Write a whole new index from `docs` and switch to it; returns the document count.

        `expected` (a rough document count) decides whether to start writer processes.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"ix-{int(time.time() * 1000)}-{os.getpid()}"
        path = self.root / name
        path.mkdir()
        ix = whoosh_compat.create_storage(path).create_index(make_schema())
        # A generous memory pool and one writer process per core: each writes its own
        # segment (multisegment), which the array evaluator reads as easily as one.
        procs = max(1, min(os.cpu_count() or 1, 4)) if expected >= PARALLEL_BUILD_FROM else 1
        writer = ix.writer(limitmb=256 // procs, procs=procs, multisegment=procs > 1)
        whoosh_compat.remember_missing_columns(writer)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**doc)
                count += 1
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        writer.commit()
        self._write_json(path / "meta.json", {"schema": SCHEMA_VERSION})
        self._write_json(path / "cursor.json", cursor)
        self._write_json_text(self.root / "CURRENT", name)
        self._remove_old(keep=name)
        with self._lock:
            self._close_searcher()
            self._ix = None
        return count

    def _write_json_text(self, path: Path, text: str) -> None:
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        tmp.write_text(text)
        os.replace(tmp, path)

    def _remove_old(self, keep: str) -> None:
        # Other processes may still read an older folder for a moment; open files survive
        # removal on POSIX, and each process reopens CURRENT on its next refresh.
        for child in self.root.iterdir():
            if child.is_dir() and child.name.startswith("ix-") and child.name != keep:
                shutil.rmtree(child, ignore_errors=True)

    def delete(self) -> None:
        """Remove the whole index (tests, and a rebuild from nothing)."""
        with self._lock:
            self._close_searcher()
            self._ix = None
            shutil.rmtree(self.root, ignore_errors=True)

    # --- reading --------------------------------------------------------------------

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._arrays = None

    def refresh(self, force: bool = False) -> None:
        """Pick up changes made by this or another process."""
        with self._lock:
            now = time.monotonic()
            if (self._searcher is not None and not force
                    and now - self._checked_at < self.REFRESH_INTERVAL):
                return
            self._checked_at = now
            ix = self.index()
            # Files truncated or removed under an open index: IndexUnavailable.
            with self._damage_is_unavailable():
                if self._searcher is None:
                    self._searcher = ix.searcher()
                elif not self._searcher.up_to_date():
                    # A new searcher, not Searcher.refresh(): refresh reuses the readers of
                    # unchanged segments with their old deletion lists, and replaced
                    # documents would come back.
                    self._close_searcher()
                    self._searcher = ix.searcher()

    def verify(self, every: float = 0.0) -> None:
        """Open the index's files afresh and close them: a file cut short or removed under
        the kept searcher raises IndexUnavailable here, where the kept one would notice
        only when it read the lost part. At most once per `every` seconds."""
        now = time.monotonic()
        if now - self._verified_at < every:
            return
        self._verified_at = now
        ix = self.index()
        with self._damage_is_unavailable():
            # Each segment's reader reads its file's directory, at the end of the file.
            ix.searcher().close()

    def searcher(self):
        """The shared searcher, refreshed if the index changed (hold the lock while using it)."""
        self.refresh()
        return self._searcher

    @property
    def lock(self):
        """Whoosh searchers are not shared between threads without it."""
        return self._lock

    def _arrays_for(self, searcher) -> ArrayCache:
        if self._arrays is None or self._arrays.searcher is not searcher:
            self._arrays = ArrayCache(searcher)
        return self._arrays

    def _allowed_mask(self, arrays: ArrayCache, key, filter_query: Query) -> np.ndarray:
        """Documents a filter allows, as a mask; replaced or deleted documents never."""
        cached = arrays.cached_mask(key)
        if cached is not None:
            return cached
        try:
            docs, _ = arrays.evaluate(filter_query)
        except Unsupported:
            docs = np.fromiter(arrays.searcher.docs_for_query(filter_query), dtype=np.int64)
        return arrays.mask(key, docs)

    def query_index(self, query: Query, **kwargs) -> Hits:
        """The ids of one page of documents matching `query` within the filter.

        Damaged index files surface as IndexUnavailable (the caller rebuilds), not as
        whatever Whoosh happened to trip over.
        """
        with self._damage_is_unavailable():
            return self._query_index(query, **kwargs)

    @contextlib.contextmanager
    def _damage_is_unavailable(self):
        """Whatever Whoosh trips over in damaged files, raised as IndexUnavailable."""
        try:
            yield
        except Exception as exc:
            if not_writable(exc):
                raise IndexNotWritable(f"search index cannot be written: {exc!r}") from exc
            if not damaged(exc):
                raise
            self.forget()
            raise IndexUnavailable(f"search index unreadable: {exc!r}") from exc

    def forget(self) -> None:
        """Drop the open index and searcher, so that the next use opens them again."""
        with self._lock:
            self._close_searcher_quietly()
            self._ix = None

    def _close_searcher_quietly(self) -> None:
        try:
            self._close_searcher()
        except Exception:  # a damaged reader may fail to close; it is dropped anyway
            self._searcher = None
            self._arrays = None

    def _query_index(self, query: Query, *, filter_key, filter_query: Query, sort: str,
                     offset: int, limit: int, facets: bool = True,
                     count_also: tuple | None = None) -> Hits:
        """`count_also`: (key, filter query) of a second filter to count the matches in,
        from the same evaluation (the search offers "include earlier versions (N)")."""
        with self._lock:
            searcher = self.searcher()
            arrays = self._arrays_for(searcher)
            mask = self._allowed_mask(arrays, filter_key, filter_query)
            try:
                docs, scores = arrays.evaluate(query)
            except Unsupported:
                # Whoosh's own matching, scored by Whoosh, for what the array evaluator does
                # not know (ANDNOT, ANDMAYBE, REQUIRE): slower, the same answers
                # (tests/search/test_differential.py runs both paths against Whoosh).
                docs = np.fromiter(sorted(searcher.docs_for_query(query)), dtype=np.int32)
                scores = np.zeros(len(docs), dtype=np.float32)
                if len(docs):
                    results = searcher.search(query, limit=None, terms=False)
                    by_doc = {hit.docnum: hit.score for hit in results}
                    scores = np.array([by_doc.get(int(n), 0.0) for n in docs], np.float32)
            other_total = None
            if count_also is not None:
                wider = self._allowed_mask(arrays, *count_also)
                other_total = int(wider[docs].sum()) if len(docs) else 0
            keep = mask[docs] if len(docs) else np.zeros(0, dtype=bool)
            docs, scores = docs[keep], scores[keep]
            counts = {}
            if facets:
                for name in FACET_FIELDS:
                    codes, labels = arrays.column_codes(name)
                    tally = np.bincount(codes[docs], minlength=len(labels))
                    counts[name] = Counter({labels[i]: int(c) for i in np.nonzero(tally)[0]
                                            if labels[i] and (c := tally[i])})
            wanted = offset + limit
            if sort == "date":
                chosen = top(docs, arrays.numbers("created")[docs].astype(np.float64), wanted)
            else:
                chosen = top(docs, scores, wanted)
            stored = searcher.stored_fields
            return Hits(total=int(len(docs)),
                        ids=[stored(int(n))["id"] for n in chosen[offset:]], facets=counts,
                        other_total=other_total)

    def existing_terms(self, query: Query) -> dict[str, set[str]]:
        """The index terms a query matches, per field (prefixes expanded), for highlighting."""
        with self._lock, self._damage_is_unavailable():
            searcher = self.searcher()
            reader = searcher.reader()
            terms: dict[str, set[str]] = {}
            # Leaf by leaf: Query.existing_terms reuses its `fieldname` argument as a loop
            # variable and skips every field after the first (Whoosh 2.7.5).
            for leaf in query.leaves():
                for fieldname, text in leaf.expanded_terms(reader, phrases=True):
                    if isinstance(text, str):
                        text = reader.schema[fieldname].to_bytes(text)
                    if (fieldname, text) in reader:
                        terms.setdefault(fieldname, set()).add(text.decode("utf-8"))
            return terms

    def suggest(self, word: str, *, filter_key, filter_query: Query) -> str | None:
        """The indexed word within one or two edits of `word` that the most documents the
        asker may see contain (never a word found only in what they may not see)."""
        with self._lock, self._damage_is_unavailable():
            searcher = self.searcher()
            arrays = self._arrays_for(searcher)
            mask = self._allowed_mask(arrays, filter_key, filter_query)

            def visible_count(candidate: str) -> int:
                docs, _ = arrays.term("spell", candidate.encode("utf-8"))
                return int(mask[docs].sum()) if len(docs) else 0

            if visible_count(word):
                return word
            reader = searcher.reader()
            for distance in (1, 2) if len(word) >= 5 else (1,):
                found = [(visible_count(w), w) for w in
                         reader.terms_within("spell", word, distance, prefix=1)]
                found = [item for item in found if item[0]]
                if found:
                    return max(found)[1]
            return None

    def stored_stamps(self) -> dict[str, str]:
        """Every document's id and stamp (for `search check`)."""
        with self._lock, self._damage_is_unavailable():
            searcher = self.searcher()
            return {fields["id"]: fields.get("stamp", "")
                    for fields in searcher.all_stored_fields()}


def _cancel_quietly(writer) -> None:
    """Give up a Whoosh writer and its lock, whatever state a failure left it in."""
    try:
        writer.cancel()
    except Exception:  # already closed by the failed commit, or its files gone
        lock = getattr(writer, "writelock", None)
        if lock is not None:
            try:
                lock.release()
            except Exception:  # nothing more can be done; the next writer will time out
                log.warning("could not release the search index's write lock")


class _FileLock:
    """An exclusive lock on a file, across processes (fcntl), held in a `with` block.

    `wait`: None blocks; a number of seconds raises LockBusy when the lock is still held
    by then (0: try once).
    """

    # How often a bounded wait tries again.
    POLL_SECONDS = 0.05

    def __init__(self, path: Path, wait: float | None = None):
        self.path = path
        self.wait = wait
        self._fd = None

    def __enter__(self):
        import fcntl

        deadline = None if self.wait is None else time.monotonic() + self.wait
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                if not_writable(exc):
                    raise IndexNotWritable(f"search index cannot be written: {exc!r}") from exc
                raise
            try:
                self._take(fcntl, fd, deadline)
                # The folder may have been deleted (and the file made again by someone
                # else) while we waited: a lock on a removed file locks out nobody.
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    self._fd = fd
                    return self
            except FileNotFoundError:
                pass
            except BaseException:
                os.close(fd)
                raise
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _take(self, fcntl, fd: int, deadline: float | None) -> None:
        if deadline is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            return
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(str(self.path)) from None
                time.sleep(self.POLL_SECONDS)

    def __exit__(self, *exc):
        import fcntl

        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


_indexes: dict[str, SearchIndex] = {}
_registry_lock = threading.Lock()


def get_index(root: str | os.PathLike) -> SearchIndex:
    """The process-wide SearchIndex of a folder."""
    key = str(Path(root).resolve())
    with _registry_lock:
        if key not in _indexes:
            _indexes[key] = SearchIndex(key)
        return _indexes[key]


def close_all() -> None:
    """Close every open searcher of this process (tests, and an orderly shutdown)."""
    with _registry_lock:
        for index in _indexes.values():
            index.forget()
        _indexes.clear()

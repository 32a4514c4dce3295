"""Every use of Whoosh's private internals, in one module that checks them at start-up.

The array evaluator (fastpath.py) reads postings, field lengths, columns and deletions a
block at a time instead of one Python call per document, which needs attributes Whoosh
does not promise to keep. They are read here and nowhere else
(tests/search/test_whoosh_compat.py fails on a private access in any other module), and
`check()` builds a small index and compares each of these readings with Whoosh's public,
slower answer: on a Whoosh whose internals differ, the application refuses to start with a
message naming the version found and the one expected, instead of answering wrongly.

pyproject.toml pins whoosh-reloaded to the versions this was checked against.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from contextlib import contextmanager

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

EXPECTED_VERSION = "2.7.5"
BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)

_checked = False
_check_lock = threading.Lock()


def whoosh_version() -> str:
    """The version of the Whoosh imported."""
    return whoosh.versionstring()


def open_storage(path: str) -> FileStorage:
    """The storage of an index folder, without mmap.

    whoosh-reloaded 2.7.5 copies every mapped file of a segment into a BytesIO
    (BufferFile), which costs the whole index size in memory per reader; plain file reads
    leave the caching to the operating system.
    """
    return FileStorage(str(path), supports_mmap=False)


def create_storage(path: str) -> FileStorage:
    """The storage to write a new index folder into."""
    return FileStorage(str(path))


# --- writing ------------------------------------------------------------------------------


def remember_missing_columns(writer) -> None:
    """Make this one writer remember a missing length column instead of looking for it again.

    While flushing a segment, Whoosh 2.7.5 looks up the length column of the posting's field
    on disk (a stat call) for every posting of a field without lengths (our ID fields), and
    does not remember the miss. Memoising it on this writer's own per-document reader
    halves a single-process rebuild. Nothing outside this writer is changed (the writer
    processes of a parallel build create their own writers and go without).
    """
    original = writer.per_document_reader

    def per_document_reader():
        perdoc = original()
        lookup = perdoc._cached_reader
        readers = perdoc._readers

        def cached_reader(fieldname, column):
            if fieldname not in readers:
                readers[fieldname] = lookup(fieldname, column)
            return readers[fieldname]

        perdoc._cached_reader = cached_reader  # this instance only
        return perdoc

    writer.per_document_reader = per_document_reader


# --- reading --------------------------------------------------------------------------------


def read_postings(segment, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """All (document number, frequency) pairs of one term in one segment, block by block.

    Deleted documents are included (the caller masks them): Whoosh's own filter for them
    would force one Python call per posting.
    """
    matcher = segment.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    ids, weights = [], []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.append(np.asarray(matcher._ids, dtype=np.int64))
        weights.append(np.asarray(matcher._weights, dtype=np.float32))
        matcher._next_block()
    if ids:
        return np.concatenate(ids), np.concatenate(weights)
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)


def field_lengths(segment, fieldname: str, count: int) -> np.ndarray:
    """Each document's length in a field (as Whoosh encodes it, in one byte), as floats."""
    column = segment._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:  # no document of this segment has the field
        return np.zeros(count, dtype=np.float32)
    return BYTE_TO_LENGTH[numbers(column, count).astype(np.uint8)]


def deleted_docs(segment) -> np.ndarray:
    """The deleted document numbers of one segment."""
    if not segment.has_deletions():
        return np.zeros(0, dtype=np.int64)
    return np.fromiter(segment._perdoc.deleted_docs(), dtype=np.int64)


def references(column, count: int) -> tuple[np.ndarray, list]:
    """(reference per document, distinct values) of a reference column (RefBytesColumn),
    read as one block instead of one document at a time."""
    data = column._dbfile.get(column._basepos, count * column._itemsize)
    refs = np.frombuffer(data, dtype=np.dtype(column._typecode).newbyteorder(">"))
    return refs.astype(np.int64), column._uniques


def numbers(column, count: int) -> np.ndarray:
    """The values of a fixed-width numeric column as one array (documents past the stored
    ones have the default)."""
    stored = min(column._count, count)
    data = column._dbfile.get(column._basepos, stored * column._fixedlen)
    kind = np.dtype(column._typecode)
    values = np.full(count, column._default, dtype=kind)
    values[:stored] = np.frombuffer(data, dtype=kind.newbyteorder(">"))
    return values


# --- the start-up check ----------------------------------------------------------------------


def check() -> None:
    """Raise RuntimeError unless every reading above agrees with Whoosh's public answer.

    Runs once per process (a small index in a temporary folder, a few milliseconds).
    """
    global _checked
    with _check_lock:
        if _checked:
            return
        try:
            _compare_with_public_answers()
        except Exception as exc:
            raise RuntimeError(
                f"Consult's search cannot use the Whoosh installed: found Whoosh "
                f"{whoosh_version()}, expected whoosh-reloaded {EXPECTED_VERSION} "
                f"(pyproject.toml pins it). The internals consult/search/whoosh_compat.py "
                f"reads are not as expected: {exc!r}. Install whoosh-reloaded=="
                f"{EXPECTED_VERSION}, or update whoosh_compat.py and its tests.") from exc
        _checked = True


class _Mismatch(Exception):
    """A private reading disagreed with Whoosh's public answer."""


def _same(what: str, got, expected) -> None:
    if list(got) != list(expected):
        raise _Mismatch(f"{what}: {list(got)!r} instead of {list(expected)!r}")


def _compare_with_public_answers() -> None:
    from whoosh.columns import RefBytesColumn
    from whoosh.fields import ID, NUMERIC, TEXT, Schema

    schema = Schema(id=ID(unique=True, stored=True), tag=ID(sortable=RefBytesColumn()),
                    created=NUMERIC(int, bits=64, sortable=True, signed=False),
                    body=TEXT(phrase=True))
    folder = tempfile.mkdtemp(prefix="consult-whoosh-check-")
    try:
        ix = create_storage(folder).create_index(schema)
        with _writing(ix) as writer:
            remember_missing_columns(writer)
            for n in range(6):
                writer.add_document(id=str(n), tag=("a", "b", "")[n % 3], created=1000 + n,
                                    body=" ".join(["word"] * (n + 1) + ["other"] * (n % 2)))
        with _writing(ix) as writer:
            writer.delete_by_term("id", "2")  # kept as a deletion: no merge
        ix = open_storage(folder).open_index()
        with ix.reader() as reader:
            for segment, _offset in reader.leaf_readers():
                _check_segment(segment)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _writing(ix):
    """A writer committed without merging, or cancelled (its files closed) on any error."""
    writer = ix.writer()
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=False)


def _check_segment(segment) -> None:
    count = segment.doc_count_all()
    deleted = deleted_docs(segment)
    _same("deleted documents", deleted, [n for n in range(count) if segment.is_deleted(n)])
    if not len(deleted):
        raise _Mismatch("the check index has no deleted document")
    ids, weights = read_postings(segment, "body", b"word")
    public = segment.postings("body", b"word")
    expected_ids, expected_weights = [], []
    while public.is_active():
        expected_ids.append(public.id())
        expected_weights.append(public.weight())
        public.next()
    live = [i for i, n in enumerate(ids) if n not in set(deleted.tolist())]
    _same("postings", ids[live], expected_ids)
    _same("term frequencies", weights[live], expected_weights)
    _same("field lengths", field_lengths(segment, "body", count),
          [segment.doc_field_length(n, "body", 0) for n in range(count)])
    _same("missing field lengths", field_lengths(segment, "nolengths", count), [0] * count)
    tags = segment.column_reader("tag", translate=False)
    refs, uniques = references(tags, count)
    _same("reference column", [uniques[r] for r in refs], [tags[n] for n in range(count)])
    created = segment.column_reader("created", translate=False)
    _same("numeric column", numbers(created, count), [created[n] for n in range(count)])

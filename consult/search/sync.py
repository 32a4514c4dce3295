"""Keeping the index in step with the database: the outbox consumer, rebuild and check."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import func, select

from consult.comments.models import Submission
from consult.db import db
from consult.search import documents
from consult.search.engine import (IndexNotWritable, IndexUnavailable, LockBusy, SearchIndex,
                                   get_index)
from consult.search.models import SearchOutbox

log = logging.getLogger(__name__)

# An outbox id missing below newer ones may belong to a transaction still in flight
# (PostgreSQL hands out ids before commit). Wait this long for it before moving on.
GAP_TIMEOUT_SECONDS = 30.0
BATCH = 2000
# How far below the newest outbox id a rebuild looks for ids not yet committed.
RECENT_IDS_CHECKED = 1000
# How often the follower (and the background thread) opens the index files afresh to
# find damage that the searcher it keeps open would not see (a few ms at 100,000).
VERIFY_SECONDS = 5.0


def current_index() -> SearchIndex:
    """The SearchIndex of this app's SEARCH_INDEX_PATH."""
    return get_index(current_app.config["SEARCH_INDEX_PATH"])


def _max_outbox_id() -> int:
    return db.session.scalar(select(func.max(SearchOutbox.id))) or 0


def rebuild_index(log_line=None) -> int:
    """Write the whole index again from the database; returns the number of documents."""
    index = current_index()
    started = time.monotonic()
    # Changes committed after this point are applied afterwards by the consumer; changes
    # before it are in the rows read below. Ids missing just below the newest may belong
    # to transactions still in flight (PostgreSQL): they start as gaps, to be waited for.
    newest = _max_outbox_id()
    recent = set(db.session.scalars(select(SearchOutbox.id).where(
        SearchOutbox.id > newest - RECENT_IDS_CHECKED)))
    now = time.time()
    missing = [i for i in range(max(1, newest - RECENT_IDS_CHECKED + 1), newest)
               if i not in recent]
    applied_to = missing[0] - 1 if missing else newest
    cursor = {"applied_to": applied_to, "gaps": {str(i): now for i in missing},
              "above": sorted(i for i in recent if i > applied_to)}

    def docs():
        count = 0
        for doc in documents.all_submission_docs():
            count += 1
            if log_line and count % 20000 == 0:
                log_line(f"{count} submissions read")
            yield doc
        yield from documents.all_paragraph_docs()

    expected = db.session.scalar(select(func.count(Submission.id))) or 0
    count = index.build(docs(), cursor, expected=expected)
    db.session.rollback()  # end the long read transaction
    if log_line:
        log_line(f"{count} documents indexed in {time.monotonic() - started:.1f} s")
    return count


def ensure_index(wait: float | None = None) -> SearchIndex:
    """The index, rebuilt first if it is missing, of another schema or unreadable.

    `wait`: how long to wait for the writer lock (None: as long as it takes), then LockBusy.
    """
    index = current_index()
    if not index.exists():
        with index.writer_lock(wait):
            if not index.exists():
                log.warning("search index missing or unreadable; rebuilding it")
                rebuild_index()
                log.warning("search index rebuilt")
    return index


def repair_index(broken, wait: float | None = None) -> SearchIndex:
    """Rebuild an index found damaged in folder `broken`, unless someone already did."""
    index = current_index()
    with index.writer_lock(wait):
        if not index.exists() or (broken is not None and index.current_dir() == broken):
            log.warning("search index unreadable; rebuilding it")
            rebuild_index()
            log.warning("search index rebuilt")
    return index


@dataclass
class SyncReport:
    """What one catch-up did."""

    applied: int = 0
    pending_gaps: list[int] = field(default_factory=list)


def sync_index(max_batches: int | None = None, *, wait: float | None = None,
               repair: bool = True) -> SyncReport:
    """Apply every outbox change this index has not applied yet.

    `repair`: rebuild here an index found missing or unreadable (the follower and the
    background thread, which no reader waits for); False raises IndexUnavailable instead
    (a request, which must not rebuild a large index itself). `wait`: how long to wait
    for the writer lock, then LockBusy (None: as long as it takes).
    """
    index = current_index()
    if repair:
        ensure_index(wait)
    elif not index.exists():
        raise IndexUnavailable("no search index")
    report = SyncReport()
    batches = 0
    repaired = False
    while max_batches is None or batches < max_batches:
        batches += 1
        broken = index.current_dir()
        try:
            # Cheap check first: most calls find nothing new.
            cursor = index.read_cursor()
            newest = _max_outbox_id()
            if newest <= cursor["applied_to"] and not cursor.get("gaps"):
                if repair:
                    # Files cut short show here, so the follower rebuilds them without
                    # waiting for a change or a search to trip over them.
                    index.verify(every=VERIFY_SECONDS)
                break
            with index.writer_lock(wait):
                applied, more = _apply_batch(index)
        except IndexUnavailable:
            db.session.rollback()
            if not repair or repaired:
                raise  # once per call: an index unreadable again at once is not looped on
            # Deleted or cut short under us: rebuild (outside the lock just released).
            repair_index(broken, wait)
            repaired = True
            continue
        report.applied += applied
        if not more:
            break
    report.pending_gaps = sorted(int(g) for g in index.read_cursor().get("gaps", {}))
    db.session.rollback()
    return report


def _apply_batch(index: SearchIndex) -> tuple[int, bool]:
    """Apply up to BATCH outbox rows past the cursor; returns (applied, more to do)."""
    cursor = index.read_cursor()
    applied_to = cursor["applied_to"]
    above = set(cursor.get("above", []))
    gaps = {int(k): v for k, v in cursor.get("gaps", {}).items()}
    rows = db.session.execute(
        select(SearchOutbox.id, SearchOutbox.doc_type, SearchOutbox.object_id)
        .where(SearchOutbox.id > applied_to).order_by(SearchOutbox.id).limit(BATCH)).all()
    now = time.time()
    todo = [row for row in rows if row.id not in above]
    submissions = sorted({row.object_id for row in todo if row.doc_type == "submission"})
    versions = sorted({row.object_id for row in todo if row.doc_type == "version"})
    docs, gone = documents.submission_docs(submissions)
    delete_ids = [documents.submission_id(i) for i in gone]
    for version_id in versions:
        version_docs, version_hidden = documents.version_docs(version_id)
        docs += version_docs
        delete_ids += version_hidden
    # Advance over contiguous ids; an id skipped below newer ones is a gap until it shows
    # up or times out (a rolled-back transaction leaves a gap for ever).
    seen = {row.id for row in rows} | above
    expected = applied_to + 1
    last = rows[-1].id if rows else applied_to
    new_gaps = {}
    for number in range(applied_to + 1, last + 1):
        if number in seen:
            continue
        first_seen = gaps.get(number, now)
        if now - first_seen < GAP_TIMEOUT_SECONDS:
            new_gaps[number] = first_seen
    while expected <= last and (expected in seen or expected not in new_gaps):
        expected += 1
    new_applied_to = expected - 1
    new_above = sorted(i for i in seen if i > new_applied_to)
    new_cursor = {"applied_to": new_applied_to,
                  "gaps": {str(k): v for k, v in new_gaps.items()}, "above": new_above}
    if not todo:
        # Nothing new to index (rows already applied past a gap): move the cursor only. An
        # empty index commit would reopen every searcher and drop its caches.
        if new_cursor != cursor:
            index.write_cursor(new_cursor)
        return 0, len(rows) == BATCH and new_applied_to != applied_to
    index.apply(docs, delete_ids, new_cursor)
    return len(todo), len(rows) == BATCH and bool(todo)


def check_index() -> dict:
    """Differences between the index and the database: missing, extra and stale documents."""
    index = current_index()
    if not index.exists():
        return {"ok": False, "problem": "the search index is missing or unreadable",
                "missing": [], "extra": [], "stale": [], "pending": 0}
    expected = documents.expected_stamps()
    try:
        stored = index.stored_stamps()
        cursor = index.read_cursor()
    except IndexUnavailable:
        db.session.rollback()
        return {"ok": False, "problem": "the search index is missing or unreadable",
                "missing": [], "extra": [], "stale": [], "pending": 0}
    pending = db.session.scalar(
        select(func.count(SearchOutbox.id)).where(SearchOutbox.id > cursor["applied_to"])) or 0
    db.session.rollback()
    missing = sorted(set(expected) - set(stored))
    extra = sorted(set(stored) - set(expected))
    stale = sorted(k for k in set(expected) & set(stored) if expected[k] != stored[k])
    return {"ok": not (missing or extra or stale), "problem": "", "missing": missing,
            "extra": extra, "stale": stale, "pending": pending,
            "documents": len(expected)}


# --- a rebuild no request waits for ------------------------------------------------------

# One background rebuild thread per index folder in this process (other processes are kept
# out by the writer lock, taken without waiting).
_rebuilds: dict[str, threading.Thread] = {}
_rebuilds_lock = threading.Lock()
# When this process's thread last found another process rebuilding (holding the writer
# lock), and which folder CURRENT named then: index root -> (folder, monotonic time).
_rebuilding_elsewhere: dict[str, tuple[object, float]] = {}


def rebuild_under_way(remember: float) -> bool:
    """Whether this process knows, without opening the index, that this node's index is
    being rebuilt: its own rebuild thread runs, or that thread found another process
    rebuilding less than `remember` seconds ago and CURRENT names the same folder still."""
    index = current_index()
    with _rebuilds_lock:
        running = _rebuilds.get(str(index.root))
        if running is not None and running.is_alive():
            return True
        seen = _rebuilding_elsewhere.get(str(index.root))
    return (seen is not None and time.monotonic() - seen[1] < remember
            and seen[0] == index.current_dir())


def start_background_rebuild(broken=None) -> bool:
    """Start rebuilding this node's index in a thread of this process, unless one is
    running here already; True if one was started. `broken`: the damaged folder, if the
    index was found unreadable rather than missing."""
    index = current_index()
    with _rebuilds_lock:
        running = _rebuilds.get(str(index.root))
        if running is not None and running.is_alive():
            return False
        # A context of its own (its own database session), pushed in the thread.
        context = current_app.app_context()
        thread = threading.Thread(target=_rebuild_in_background, args=(context, broken),
                                  name="consult-search-rebuild", daemon=True)
        _rebuilds[str(index.root)] = thread
        thread.start()
        return True


def _rebuild_in_background(context, broken) -> None:
    try:
        with context:
            index = current_index()
            # Without waiting: a writer that holds the lock is another process's rebuild
            # (or the follower's), and the next search tries again if it was not.
            with index.writer_lock(wait=0):
                if index.exists() and (broken is None or index.current_dir() != broken):
                    return  # rebuilt meanwhile
                log.warning("search index missing or unreadable; rebuilding it in the "
                            "background (searches answer 503 until it is done)")
                count = rebuild_index()
                log.warning("search index rebuilt: %d documents", count)
    except LockBusy:
        log.info("search index: another process is writing it; no second rebuild")
        with _rebuilds_lock:
            _rebuilding_elsewhere[str(index.root)] = (index.current_dir(), time.monotonic())
    except Exception:  # the next search starts another; the database keeps everything
        log.exception("background rebuild of the search index failed")


def wait_for_rebuild(timeout: float) -> bool:
    """Wait for this process's background rebuild of this node's index (tests, the
    fault bench); True when none is running any more."""
    with _rebuilds_lock:
        running = _rebuilds.get(str(current_index().root))
    if running is None:
        return True
    running.join(timeout)
    return not running.is_alive()


# --- the in-process consumer ---------------------------------------------------------


class BackgroundSync:
    """A daemon thread that catches the index up soon after each commit that changed it."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def poke(self) -> None:
        """Ask for a catch-up (called after commit)."""
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="consult-search-sync",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            if not self._wake.wait(timeout=5.0):
                continue
            self._wake.clear()
            try:
                with self.app.app_context():
                    sync_index()
            except IndexNotWritable as exc:  # a full or read-only disk: said, not traced
                log.warning("search index not caught up: %s", exc)
                time.sleep(1.0)
            except Exception:  # the next commit or search retries; the outbox keeps all
                log.exception("search index catch-up failed")
                time.sleep(1.0)

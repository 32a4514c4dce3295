"""Word documents of compilations, kept on this node's disk and built outside the request.

A compilation's .docx takes seconds to build (3 s at 10,000 submissions, 31 s at 100,000,
longer under load) and is the same for every reader of a language until a proposal,
support or disposition changes it. So each document (a *series*: one version, text
language, interface language and address) is built by a thread of one worker, one build at
a time on a node, and kept with what it shows (`validator`, read before the build reads
anything) and when:

- a reader whose validator matches gets the kept document at once;
- when the compilation has changed, a new build starts, and the reader waits for it if the
  last one took less than WAIT_SECONDS; otherwise the reader gets the document kept
  before, which says in its first lines the moment it shows ("As at …"), at once;
- a large document is rebuilt at most once per REBUILD_PAUSE times its build's duration,
  so that a node spends at most a fifth of one core on documents however fast proposals
  arrive; a small one (under QUICK_SECONDS) whenever it has changed;
- a reader who asks for a document never built waits WAIT_SECONDS for it, then is told to
  come back (BeingPrepared, a 503 with Retry-After), rather than hold a worker for a
  minute.

Only published versions' documents are kept, and they are built as a reader who is not
logged in reads them, so they never hold what only some may see.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from consult.code_stamp import code_stamp
from consult.db import utcnow
from consult.errors import Unavailable

log = logging.getLogger(__name__)

# How many documents a node keeps (the most recently built); about 1 MB each at 100,000
# submissions.
KEEP = 40
# How long a reader waits for a build: the first one of a document, or one expected to be
# done by then.
WAIT_SECONDS = 5.0
# After a build of d seconds, the next one of that document starts d × REBUILD_PAUSE
# seconds later at the earliest: at most 1 / (1 + REBUILD_PAUSE) of one core.
REBUILD_PAUSE = 4
# A document built in less than this is rebuilt whenever it has changed.
QUICK_SECONDS = 1.0
# Partial files older than this were left by a worker that was killed while writing.
ABANDONED_SECONDS = 3600


class BeingPrepared(Unavailable):
    """The document has never been built on this node and its build is not done yet."""


@dataclass(frozen=True)
class KeptDocument:
    """A document as kept: its bytes, their validator, and the moment it shows."""

    data: bytes
    etag: str
    as_at: dt.datetime
    current: bool  # shows the compilation as it is now


# The builds running in this process, by series.
_builds: dict[str, threading.Thread] = {}
_builds_lock = threading.Lock()


def series_name(*parts: str) -> str:
    """The name of a document's series on disk, from what makes it differ; the code that
    builds it is part of it, so that a new release never serves an old layout."""
    key = "|".join((*parts, code_stamp(current_app)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def kept_document(series: str, validator: str, build: Callable[[dt.datetime], bytes], *,
                  url_root: str, locale: str) -> KeptDocument:
    """The document of `series`, as kept or freshly built; BeingPrepared if none is ready.

    `build(as_at)` makes the bytes; it is called in a thread of this process, inside a
    request context for `url_root` and `locale`, without a logged-in user."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    found = _read(folder, series)
    if found is not None and found[0]["validator"] == validator:
        return _kept(found, current=True)
    meta = found[0] if found is not None else None
    if _due(meta):
        _start_build(folder, series, validator, build, (url_root, locale))
    if meta is None or meta["seconds"] <= WAIT_SECONDS:
        # The build ends once the document is kept (or found built by another worker).
        with _builds_lock:
            running = _builds.get(series)
        if running is not None:
            running.join(WAIT_SECONDS)
        found = _read(folder, series)
    if found is None:
        raise BeingPrepared(_("This document is being prepared. Please try again in a "
                              "minute."))
    return _kept(found, current=found[0]["validator"] == validator)


def _folder() -> Path:
    return Path(current_app.instance_path) / "kept" / "docx"


def _kept(found: tuple[dict, bytes], *, current: bool) -> KeptDocument:
    meta, data = found
    return KeptDocument(data, meta["etag"], dt.datetime.fromisoformat(meta["as_at"]), current)


def _read(folder: Path, series: str) -> tuple[dict, bytes] | None:
    """The series' description and document, or None if it has none yet."""
    for _attempt in range(2):  # a newer build may replace the file between the two reads
        try:
            meta = json.loads((folder / f"{series}.json").read_text(encoding="utf-8"))
            return meta, (folder / meta["file"]).read_bytes()
        except FileNotFoundError:
            continue
        except (ValueError, KeyError):
            return None  # written by an older release: built again
    return None


def _due(meta: dict | None) -> bool:
    if meta is None or meta["seconds"] < QUICK_SECONDS:
        return True
    built = dt.datetime.fromisoformat(meta["as_at"])
    pause = dt.timedelta(seconds=meta["seconds"] * (1 + REBUILD_PAUSE))
    return utcnow() >= built + pause


def _start_build(folder: Path, series: str, validator: str, build,
                 where: tuple[str, str]) -> None:
    with _builds_lock:
        running = _builds.get(series)
        if running is not None and running.is_alive():
            return
        # The thread reads as a reader who is not logged in would, at this address and in
        # this locale, with a database session of its own.
        app = current_app._get_current_object()
        thread = threading.Thread(
            target=_build_in_background, args=(app, where, folder, series, validator, build),
            name="consult-docx-build", daemon=True)
        _builds[series] = thread
        thread.start()


def _build_in_background(app, where, folder: Path, series: str, validator: str,
                         build) -> None:
    url_root, locale = where
    asked_at = utcnow()
    try:
        with _build_lock(folder / "build.lock"):
            meta = (_read(folder, series) or ({},))[0]
            if meta.get("validator") == validator or (
                    "as_at" in meta and dt.datetime.fromisoformat(meta["as_at"]) >= asked_at):
                return  # built by another worker while this one waited for the lock
            with app.test_request_context(base_url=url_root), force_locale(locale):
                as_at = utcnow()
                started = time.monotonic()
                data = build(as_at)
                seconds = time.monotonic() - started
            _store(folder, series, {"validator": validator, "as_at": as_at.isoformat(),
                                    "seconds": round(seconds, 3)}, data, meta.get("file"))
            log.info("compilation document %s built in %.1f s", series, seconds)
    except Exception:  # the next reader starts another build; nothing is lost
        log.exception("building a compilation document failed")


def _store(folder: Path, series: str, meta: dict, data: bytes, previous: str | None) -> None:
    etag = hashlib.sha256(data).hexdigest()[:32]
    meta.update(etag=etag, file=f"{series}-{etag}.docx")
    # Each file whole or not at all (os.replace); the document before its description.
    for name, content in ((meta["file"], data),
                          (f"{series}.json", json.dumps(meta).encode())):
        partial = folder / f".{name}.{os.getpid()}"
        partial.write_bytes(content)
        os.replace(partial, folder / name)
    if previous and previous != meta["file"]:
        (folder / previous).unlink(missing_ok=True)
    _forget_oldest(folder)


@contextlib.contextmanager
def _build_lock(path: Path):
    # flock: released by the kernel if the building worker is killed, so never stale.
    # One build at a time on a node: builds are CPU-bound, and the node has readers too.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _forget_oldest(folder: Path) -> None:
    """Keep the KEEP series built most recently; drop files no series names any more."""
    described = []
    for path in folder.glob("*.json"):
        with contextlib.suppress(FileNotFoundError):  # another worker removed it
            described.append((path.stat().st_mtime, path))
    described.sort(reverse=True)
    for _mtime, old in described[KEEP:]:
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
            (folder / json.loads(old.read_text(encoding="utf-8"))["file"]).unlink(
                missing_ok=True)
        old.unlink(missing_ok=True)
    named = set()
    for _mtime, path in described[:KEEP]:
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
            named.add(json.loads(path.read_text(encoding="utf-8"))["file"])
    cutoff = time.time() - ABANDONED_SECONDS
    for path in [*folder.glob("*.docx"), *folder.glob(".*.*")]:
        with contextlib.suppress(FileNotFoundError):
            # A document written just now may not be described yet: only old ones go.
            if path.name not in named and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)


def wait_for_builds(timeout: float) -> bool:
    """Wait for this process's document builds (tests, benches); True when none runs."""
    deadline = time.monotonic() + timeout
    with _builds_lock:
        running = list(_builds.values())
    for thread in running:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in running)

"""Word documents of compilations, kept on this node's disk once built, by their validator.

A compilation's .docx takes seconds to build (3 s at 10,000 submissions, 31 s at 100,000)
and is the same for every reader of a language until a proposal, support or disposition
changes it: its validator (the ETag, from the compilation's fingerprint) says when. So the
document is built once per validator and node, by one worker at a time: another reader who
asks meanwhile waits a few seconds for it, then is told to come back (a 503 with
Retry-After) rather than start a second build on the same cores. Only published versions'
documents are kept (a draft's is for staff and changes as it is written).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from consult.code_stamp import code_stamp
from consult.errors import Unavailable

# How many documents a node keeps (the newest); about 1 MB each at 100,000 submissions.
KEEP = 40
# How long a reader waits for another worker's build before being asked to come back.
WAIT_SECONDS = 5.0


class BeingPrepared(Unavailable):
    """Another worker of this node is building a document; asked again in a minute."""


def _folder() -> Path:
    return Path(current_app.instance_path) / "kept" / "docx"


def kept_document(key: str, build: Callable[[], bytes]) -> bytes:
    """The document under `key` (a validator): kept, or built here while other workers of
    this node wait for it; BeingPrepared if they have waited WAIT_SECONDS."""
    folder = _folder()
    # The code that builds it is part of the key: a new release never serves an old layout.
    name = f"{key}-{code_stamp(current_app)[:12]}.docx"
    found = _read(folder / name)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    with _build_lock(folder / "build.lock"):
        found = _read(folder / name)  # built by the worker we waited for
        if found is not None:
            return found
        data = build()
        partial = folder / f".{name}.{os.getpid()}"
        partial.write_bytes(data)
        os.replace(partial, folder / name)  # readers see the whole file or none
        _forget_oldest(folder)
        return data


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _build_lock(path: Path):
    # flock: released by the kernel if the building worker is killed, so never stale.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BeingPrepared(_("This document is being prepared for another "
                                          "reader. Please try again in a minute.")) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _forget_oldest(folder: Path) -> None:
    documents = []
    for path in folder.glob("*.docx"):
        with contextlib.suppress(FileNotFoundError):  # another node's worker removed it
            documents.append((path.stat().st_mtime, path))
    for _mtime, old in sorted(documents, reverse=True)[KEEP:]:
        old.unlink(missing_ok=True)

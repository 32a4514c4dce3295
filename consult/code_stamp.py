"""What renders pages besides the database, as one digest: part of every page validator
(the page cache's and the static archive's), so that new code or templates change them."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Flask

from consult.settings import ROOT


def code_stamp(app: Flask) -> str:
    """A digest of what renders pages besides the database: templates, interface
    translations, static files, the code and the settings that change pages. The same on
    every node running the same code, so that any node's 304 answers another's validator."""
    digest = hashlib.sha256(_files_digest().encode())
    for name in ("LANGUAGES", "THREADS_PER_PAGE", "COMPILATION_PROPOSALS_PER_PAGE",
                 "SEARCH_UPDATES"):
        digest.update(repr(app.config.get(name)).encode())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _files_digest() -> str:
    # Read once per process: the files do not change under a running server.
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for folder, pattern in ((ROOT / "templates", "**/*.html"),
                            (package / "translations", "**/*.mo"),
                            (package / "static", "*"), (package, "**/*.py")):
        for path in sorted(folder.glob(pattern)):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()

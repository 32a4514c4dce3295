"""Online backups and restores of the database (`flask --app app backup DIR`, `restore`).

A backup is a folder: the database copy, `MANIFEST.json` (what it is, the schema revision,
when) and `SHA256SUMS`. It is consistent while the site keeps writing:

* SQLite: the driver's online backup API copies one snapshot of the database file.
* PostgreSQL: `pg_dump --format=custom`, one transaction's snapshot; the tool must be on
  the PATH (Debian: `postgresql-client`), of a version not older than the server.

`restore` checks the checksums, refuses a database that already holds data, copies the
backup in, and rebuilds the search index (a derived copy, never backed up). The instance's
`secret_key` file is not in the backup: a restored site signs new sessions with its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from consult.db import get_engine

FORMAT = 1
MANIFEST = "MANIFEST.json"
SUMS = "SHA256SUMS"
SQLITE_FILE = "consult.sqlite3"
PG_FILE = "consult.pgdump"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as libpq takes it (no "+psycopg"), password included."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools "
                          f"(Debian: apt-get install postgresql-client), or run {name} "
                          "yourself with the database URL.")
    return found


def _revision(engine) -> str | None:
    with engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup(directory: Path) -> dict:
    """Write a consistent backup of the database into `directory` (new or empty)."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: give a new folder for the backup.")
    directory.mkdir(parents=True, exist_ok=True)
    engine = get_engine()
    url = engine.url
    if url.get_backend_name() == "sqlite":
        name = SQLITE_FILE
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(directory / name)
        try:
            source.backup(target)  # one snapshot, however the site writes meanwhile
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        name = PG_FILE
        done = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             "--file", str(directory / name), _libpq_url(url)],
            capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
    manifest = {"format": FORMAT, "database": url.get_backend_name(), "file": name,
                "schema_revision": _revision(engine),
                "made_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "sha256": _sha256(directory / name)}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (directory / SUMS).write_text(
        "".join(f"{_sha256(directory / f)}  {f}\n" for f in sorted((name, MANIFEST))),
        encoding="utf-8")
    return manifest


def verify(directory: Path) -> dict:
    """The backup's manifest, after checking every file against SHA256SUMS."""
    directory = Path(directory)
    sums = directory / SUMS
    if not sums.exists():
        raise BackupError(f"{directory} holds no backup ({SUMS} is missing).")
    for line in sums.read_text(encoding="utf-8").splitlines():
        expected, name = line.split("  ", 1)
        path = directory / name
        if not path.exists() or _sha256(path) != expected:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
    return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))


def _holds_data(engine) -> bool:
    """Whether the database holds anything `flask init` would not put there."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        return any(connection.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first()
                   for table in ("user", "consultation", "submission", "log_entry")
                   if table in tables)


def restore(directory: Path) -> dict:
    """Bring a backup back into this instance's database, which must hold no data."""
    manifest = verify(directory)
    engine = get_engine()
    url = engine.url
    if manifest["database"] != url.get_backend_name():
        raise BackupError(f"This backup is of a {manifest['database']} database; this "
                          f"instance uses {url.get_backend_name()}.")
    if _holds_data(engine):
        raise BackupError("This instance's database already holds data: restore into an "
                          "empty one (a new instance folder, or a new PostgreSQL database).")
    source = Path(directory) / manifest["file"]
    if url.get_backend_name() == "sqlite":
        engine.dispose()
        backup_db = sqlite3.connect(source)
        target = sqlite3.connect(url.database)
        try:
            backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
    else:
        with engine.begin() as connection:  # an initialised but empty schema goes first
            for table in reversed(inspect(connection).get_table_names()):
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
        engine.dispose()
        done = subprocess.run(
            [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             "--dbname", _libpq_url(url), str(source)], capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    return manifest

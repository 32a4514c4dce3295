"""Issue 17, part 4: `flask --app app backup DIR` makes a consistent online backup, even
while the site writes; `restore` brings it back into an empty instance, row for row, and
the search index is rebuilt."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from consult.auth.services import create_token
from consult.backup import BackupError, backup, restore
from consult.comments import services as comments
from consult.db import db, get_engine
from consult.drafts import services as drafts
from consult.permissions import COMMAND_LINE
from tests.conftest import SMALL_DRAFT


def _rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    found = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        for table in sorted(inspector.get_table_names()):
            keys = inspector.get_pk_constraint(table)["constrained_columns"] or \
                [c["name"] for c in inspector.get_columns(table)]
            order = ", ".join(f'"{k}"' for k in keys)
            found[table] = [tuple(row) for row in connection.execute(
                text(f'SELECT * FROM "{table}" ORDER BY {order}'))]
    return found


def _empty_target(source_url, tmp_path: Path) -> str:
    """A database that holds nothing, of the same kind as the tests' own."""
    url = make_url(source_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    name = f"{url.database}_restored"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def busy(app, consultation, staff, make_user):
    """A published text and a delegate who keeps commenting on it, in another thread."""
    app.config["POST_RATE_LIMIT"] = "100000 per minute"
    version = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                    publish=True)
    author = make_user("delegate", delegation="FRA")
    db.session.commit()
    stop, posted = threading.Event(), []

    def keep_writing():
        with app.app_context():
            writer = db.session.get(type(author), author.id)
            paragraph = drafts.get_paragraph(writer, drafts.get_version(writer, version.id),
                                             "OP1")
            while not stop.is_set():
                made = comments.post_comment(writer, paragraph, f"Comment {len(posted)}").id
                db.session.commit()
                posted.append(made)  # counted once committed: what a backup may hold
            db.session.remove()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    while len(posted) < 20:  # writing is under way
        stop.wait(0.01)
    yield posted
    stop.set()
    thread.join(timeout=30)


@pytest.fixture
def keyed_answer(client, consultation, staff):
    """A draft version made through the API with an Idempotency-Key (its answer stored),
    before the writer starts: on SQLite the writer's transactions, begun outside a request,
    would not wait for another writer's lock."""
    _, secret = create_token(COMMAND_LINE, staff)
    db.session.commit()
    assert client.post("/api/v1/consultations/gpa/versions",
                       headers={"Authorization": f"Bearer {secret}",
                                "Idempotency-Key": "backup-1"},
                       json={"label": "Rev.1", "text": SMALL_DRAFT}).status_code == 201


def test_a_backup_made_during_writes_restores_row_for_row(app, keyed_answer, busy, tmp_path):
    source_engine = get_engine()
    # The writer commits throughout: it started before the backup and stops after it.
    before = len(busy)
    manifest = backup(tmp_path / "backup")
    assert manifest["schema_revision"] and (tmp_path / "backup" / "SHA256SUMS").exists()

    target_url = _empty_target(str(source_engine.url.render_as_string(hide_password=False)),
                               tmp_path)
    target = create_engine(target_url)
    db.engine = target  # what `restore` works on: the instance's engine
    try:
        restore(tmp_path / "backup")
        restored = _rows(target)
    finally:
        target.dispose()
        db.engine = source_engine
    source = _rows(source_engine)
    assert set(restored) == set(source)
    # A stored Idempotency-Key answer (JSON headers, the answer's text) travels too.
    assert len(restored["idempotency_key"]) == 1
    # One moment's snapshot: the submissions are the first N written, nothing half there.
    ids = [row[0] for row in restored["submission"]]
    assert ids == sorted(ids) and ids == list(range(ids[0], ids[0] + len(ids)))
    # Everything committed before the backup began is in it; nothing from after its end
    # (one commit may land between a commit and its being counted).
    assert before <= len(ids) <= len(busy) + 1
    # Every restored row is exactly the row in the live database, but for what moves with
    # every write: the change clock's counter (only forward) and search work queued then
    # (done and deleted since, or still there unchanged).
    assert restored["change_clock"][0][1] <= source["change_clock"][0][1]
    for table, rows in restored.items():
        if table == "change_clock":
            continue
        live = {row[0]: row for row in source[table]}
        assert all(live.get(row[0], row if table == "search_outbox" else None) == row
                   for row in rows), table


def test_a_damaged_backup_or_a_database_in_use_is_refused(app, consultation, tmp_path):
    backup(tmp_path / "backup")
    with pytest.raises(BackupError, match="already holds data"):
        restore(tmp_path / "backup")  # this instance's own database, in use
    name = "consult.sqlite3" if get_engine().url.get_backend_name() == "sqlite" \
        else "consult.pgdump"
    with (tmp_path / "backup" / name).open("ab") as damaged:
        damaged.write(b"x")
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(tmp_path / "backup")
    with pytest.raises(BackupError, match="not empty"):
        backup(tmp_path / "backup")


def test_the_commands_back_up_and_restore_and_rebuild_the_index(app, runner, consultation,
                                                                staff, tmp_path):
    drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                          publish=True)
    db.session.commit()
    made = runner.invoke(args=["backup", str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    assert "Backup of the" in made.output
    refused = runner.invoke(args=["restore", str(tmp_path / "b")])
    assert refused.exit_code != 0 and "already holds data" in refused.output
    assert runner.invoke(args=["restore", str(tmp_path / "nowhere")]).exit_code != 0

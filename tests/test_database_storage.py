"""Issue 17, part 2: the embedded default's storage failing under it. SQLite that cannot
write (a full disk, a read-only file system) or cannot get its write lock in time answers
a clear 503 that says nothing was saved, stores nothing, and recovers by itself.

These faults are SQLite's, so the tests run on a SQLite database of their own in both
suites. The faults are SQLite's own conditions, not mocks: `max_page_count` makes the file
full, `query_only` makes the connection refuse writes as a read-only volume does, and a
second connection holds the write lock."""

from __future__ import annotations

import sqlite3

import pytest
from flask import current_app
from sqlalchemy import event, func, select, text

from consult import create_app
from consult.comments.models import Submission
from consult.db import db
from tests.api.test_submissions_api import bearer, para, zero  # noqa: F401 - fixtures
from tests.conftest import fresh

pytestmark = pytest.mark.fresh_app


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A SQLite database of this module's own, migrated (overrides the suite's)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('storage') / 'storage.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True},
                     instance=tmp_path_factory.mktemp("storage-instance"))
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    db.engine.dispose()
    return url


def _path() -> str:
    return current_app.config["DATABASE_URL"].split("///", 1)[1]


def _stored() -> int:
    fresh()
    return db.session.scalar(select(func.count(Submission.id)))


def _on_new_connections(statement: str):
    """Run `statement` on every connection the pool opens from now on; returns the undo."""

    def run(dbapi_connection, record):
        dbapi_connection.execute(statement)

    db.session.remove()
    db.engine.dispose()
    event.listen(db.engine, "connect", run)

    def undo(drop_connections=False):
        event.remove(db.engine, "connect", run)
        if drop_connections:
            db.session.remove()
            db.engine.dispose()

    return undo


def _post(client, paragraph, headers, body, **extra):
    return client.post(f"/api/v1/paragraphs/{paragraph}/comments",
                       headers={**headers, **extra}, json={"kind": "comment", "body": body})


def test_a_full_disk_refuses_a_post_clearly_and_keeps_nothing(app, zero, bearer):
    _, headers = bearer()
    paragraph = para(zero, "OP1")
    before = _stored()
    db.session.remove()
    with sqlite3.connect(_path(), isolation_level=None) as raw:
        raw.execute("VACUUM")  # no free pages left inside the file either
        size = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()
    undo = _on_new_connections(f"PRAGMA max_page_count = {size}")
    try:
        answer = _post(app.test_client(), paragraph, headers, "word " * 3000)
        assert answer.status_code == 503
        error = answer.get_json()["error"]
        assert error["code"] == "unavailable"
        assert error["message"].startswith("The site cannot record anything at the moment")
        assert answer.headers["Retry-After"] == "30"
        assert _stored() == before
    finally:
        # The limit was set on the connections, where a real full disk is not.
        undo(drop_connections=True)
    # Space is back: the same post is stored.
    assert _post(app.test_client(), paragraph, headers, "word " * 3000).status_code == 201
    assert _stored() == before + 1
    assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_read_only_volume_refuses_posts_clearly_and_readers_are_still_served(
        app, zero, bearer):
    _, headers = bearer()
    paragraph = para(zero, "OP1")
    before = _stored()
    undo = _on_new_connections("PRAGMA query_only = ON")
    try:
        client = app.test_client()
        refused = _post(client, paragraph, headers, "while read-only",
                        **{"Accept-Language": "fr"})
        assert refused.status_code == 503
        assert "ne peut rien enregistrer" in refused.get_json()["error"]["message"]
        assert refused.headers["Retry-After"] == "30"
        # Readers are still served from the read-only database, and search answers.
        assert client.get("/api/v1/consultations").status_code == 200
        assert client.get("/consultations/gpa").status_code == 200
        assert client.get("/search?q=comment").status_code == 200
        assert _stored() == before
    finally:
        # SQLite keeps a file it opened read-only so: the node is restarted once the
        # volume is repaired (docs/OPERATIONS.md); here, its connections are dropped.
        undo(drop_connections=True)
    assert _post(app.test_client(), paragraph, headers, "after").status_code == 201
    assert _stored() == before + 1


def test_a_write_lock_held_too_long_gives_a_clear_503(app, zero, bearer):
    _, headers = bearer()
    paragraph = para(zero, "OP1")
    before = _stored()
    undo = _on_new_connections("PRAGMA busy_timeout = 200")  # the wait, shortened
    holder = sqlite3.connect(_path())
    try:
        holder.execute("BEGIN IMMEDIATE")
        answer = _post(app.test_client(), paragraph, headers, "while locked",
                       **{"Accept-Language": "ru"})
        assert answer.status_code == 503
        message = answer.get_json()["error"]["message"]
        assert "слишком" in message, message
        page = app.test_client().get("/consultations/gpa")  # readers are not held up
        assert page.status_code == 200
    finally:
        holder.rollback()
        holder.close()
        undo()
    assert _stored() == before
    assert _post(app.test_client(), paragraph, headers, "after the lock").status_code == 201
    assert _stored() == before + 1

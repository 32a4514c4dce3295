"""The moderation migration on a database that already holds hidden submissions."""

import datetime as dt

from sqlalchemy import create_engine, text

from consult.db import make_engine
from consult.migrate import upgrade_to_head
from tests.conftest import _reset_postgres_schema


def test_replies_under_submissions_hidden_before_the_migration_are_hidden_with_them(
        database_url, tmp_path):
    if database_url.startswith("postgresql"):
        url = database_url.rsplit("/", 1)[0] + "/" + database_url.rsplit("/", 1)[1] + "_mig"
        admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = url.rsplit("/", 1)[1]
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        _reset_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    upgrade_to_head(engine, "b43c5b81d8cf")  # the schema before moderation
    now = dt.datetime(2010, 3, 1, tzinfo=dt.timezone.utc)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO delegation (id, code, kind, names, name_en, is_reference, created_at) "
            "VALUES (1, 'FRA', 'member_state', '{}', 'France', false, :t)"), {"t": now})
        connection.execute(text(
            "INSERT INTO \"user\" (id, email, name, role, delegation_id, password_hash, "
            "is_disabled, created_at) VALUES (1, 'a@b.c', 'A', 'delegate', 1, 'x', false, :t)"),
            {"t": now})
        connection.execute(text(
            "INSERT INTO consultation (id, slug, title, mandate, description, cofacilitators, "
            "status, head_seq, created_at) VALUES (1, 'gpa', 'GPA', '', '', '', 'open', 1, :t)"),
            {"t": now})
        connection.execute(text(
            "INSERT INTO version (id, consultation_id, seq, label, status, source_text, "
            "created_at) VALUES (1, 1, 1, 'Zero', 'published', 'x', :t)"), {"t": now})
        for sid, parent, hidden in ((1, None, True), (2, 1, False), (3, 2, False),
                                    (4, None, False), (5, 4, False)):
            connection.execute(text(
                "INSERT INTO submission (id, consultation_id, version_id, parent_id, kind, "
                "delegation_id, author_id, body, body_html, status, created_at, revision, "
                "is_hidden, hidden_reason) VALUES (:id, 1, 1, :parent, 'statement', 1, 1, "
                "'b', '', 'active', :t, 0, :hidden, :reason)"),
                {"id": sid, "parent": parent, "hidden": hidden, "t": now,
                 "reason": "Abusive" if hidden else None})
    upgrade_to_head(engine)  # what `flask --app app init` does
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, under_hidden, hidden_reason_code FROM submission ORDER BY id")).all()
    engine.dispose()
    assert [(r[0], bool(r[1]), r[2]) for r in rows] == [
        (1, False, "other"), (2, True, None), (3, True, None), (4, False, None),
        (5, False, None)]

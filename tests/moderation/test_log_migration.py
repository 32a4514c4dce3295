"""The migration that turns the log's English labels into facts, on a log written before it."""

import datetime as dt
import json
import re

import pytest
from alembic import command
from sqlalchemy import JSON, bindparam, create_engine, text
from sqlalchemy.exc import DatabaseError

from consult import create_app
from consult.auth.models import Delegation, DelegationKind
from consult.auth.services import create_user
from consult.comments import services as comments
from consult.db import UTCDateTime, db, make_engine, utcnow
from consult.drafts import services as drafts
from consult.migrate import alembic_config, upgrade_to_head
from consult.moderation import services as moderation
from tests.comments.conftest import REV1, paragraph
from tests.conftest import SMALL_DRAFT, IsolatedClient, _reset_postgres_schema, later_schema
from tests.moderation.catalog import ARABIC, FRENCH, install_catalog
from consult.permissions import COMMAND_LINE

BEFORE = "a7f3c2d9e1b0"  # the revision before the log stored facts


def _database(database_url: str, tmp_path) -> str:
    """An empty database of the kind under test, of its own."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'old-log.sqlite3'}"
    base, name = database_url.rsplit("/", 1)
    url = f"{base}/{name}_logmig"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_logmig"'))
        connection.execute(text(f'CREATE DATABASE "{name}_logmig"'))
    admin.dispose()
    _reset_postgres_schema(url)
    return url


def _trigger(connection) -> str:
    """How the database defines the append-only trigger now."""
    if connection.dialect.name == "postgresql":
        return connection.execute(text(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgname = 'log_entry_no_update'")).scalar_one()
    return connection.execute(text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
        "AND name = 'log_entry_no_update'")).scalar_one()


# As the code before this migration labelled each target (see the migration's docstring).
OLD_ENTRIES = [
    # action, target type, key of the target, stored label, details
    ("version.publish", "version", "zero", "Zero draft", {"comments_close_at": None}),
    ("version.publish", "version", "rev1", "Rev.1", {"comments_close_at": None}),
    ("submission.hide", "submission", "amendment", "amendment FRA Rev.1 OP1",
     {"reason_code": "abusive"}),
    ("submission.restore", "submission", "reply", "comment NOR Rev.1 OP1", {}),
    ("submission.withdraw", "submission", "support", "support NOR Rev.1 OP1", {}),
    ("submission.hide", "submission", "old_comment", "comment NOR Zero draft PP2",
     {"reason_code": "off_topic"}),
    ("submission.hide", "submission", "sub", "comment CAN Zero draft OP2(a)",
     {"reason_code": "other"}),
    ("submission.disposition", "submission", "amendment", "amendment FRA Rev.1 OP1",
     {"disposition": "incorporated", "previous": "pending"}),
    ("submission.hide", "submission", "statement", "statement FRA Rev.1",
     {"reason_code": "duplicate"}),
    ("submission.withdraw", "submission", "statement_reply", "comment NOR Rev.1", {}),
    ("version.deadline", "version", "rev1", "Rev.1",
     {"from": None, "to": "2031-03-01T17:00:00+00:00"}),
]
FACTS = {
    "Zero draft": {"version_label": "Zero draft", "symbol": None},
    "Rev.1": {"version_label": "Rev.1", "symbol": "A/AC.1/L.2"},
    "amendment FRA Rev.1 OP1": {"kind": "amendment", "reply": False, "delegation": "FRA",
                                "proposer": None, "version_label": "Rev.1",
                                "paragraph": "OP1"},
    "comment NOR Rev.1 OP1": {"kind": "comment", "reply": True, "delegation": "NOR",
                              "proposer": None, "version_label": "Rev.1", "paragraph": "OP1"},
    "support NOR Rev.1 OP1": {"kind": "support", "reply": False, "delegation": "NOR",
                              "proposer": "FRA", "version_label": "Rev.1", "paragraph": "OP1"},
    "comment NOR Zero draft PP2": {"kind": "comment", "reply": False, "delegation": "NOR",
                                   "proposer": None, "version_label": "Zero draft",
                                   "paragraph": "PP2"},
    "comment CAN Zero draft OP2(a)": {"kind": "comment", "reply": False, "delegation": "CAN",
                                      "proposer": None, "version_label": "Zero draft",
                                      "paragraph": "OP2(a)"},
    "statement FRA Rev.1": {"kind": "statement", "reply": False, "delegation": "FRA",
                            "proposer": None, "version_label": "Rev.1", "paragraph": None},
    "comment NOR Rev.1": {"kind": "comment", "reply": True, "delegation": "NOR",
                          "proposer": None, "version_label": "Rev.1", "paragraph": None},
}


def _record_before_the_migration(app) -> dict:
    """Versions and submissions, and log entries exactly as the old code wrote them."""
    names = {"FRA": ("France", "فرنسا"), "NOR": ("Norvège", "النرويج"),
             "CAN": ("Canada", "كندا")}
    for code, (french, arabic) in names.items():
        db.session.add(Delegation(code=code, kind=DelegationKind.member_state,
                                  name_en={"FRA": "France", "NOR": "Norway",
                                           "CAN": "Canada"}[code],
                                  names={"fr": french, "ar": arabic}, is_reference=True))
    db.session.flush()
    staff = create_user(COMMAND_LINE, email="staff@example.org", name="Staff", role="cofacilitator",
                        delegation_code=None, password="correct horse battery")
    fra, nor, can = (create_user(COMMAND_LINE, email=f"{c.lower()}@example.org", name=c,
                                 role="delegate", delegation_code=c,
                                 password="correct horse battery")
                     for c in ("FRA", "NOR", "CAN"))
    consultation = drafts.create_consultation(COMMAND_LINE, slug="gpa",
                                              title="Global Plan of Action")
    drafts.assign_cofacilitator(COMMAND_LINE, consultation, staff)
    later = utcnow() + dt.timedelta(days=10)
    zero = drafts.create_version(COMMAND_LINE, consultation, label="Zero draft", text=SMALL_DRAFT,
                                 comments_close_at=later, publish=True)
    old_comment = comments.post_comment(nor, paragraph(zero, "PP2"), "Old.")
    sub = comments.post_comment(can, paragraph(zero, "OP2(a)"), "Sub.")
    rev1 = drafts.create_version(COMMAND_LINE, consultation, label="Rev.1", text=REV1,
                                 symbol="A/AC.1/L.2", comments_close_at=later, publish=True)
    op1 = paragraph(rev1, "OP1")
    amendment = comments.propose_amendment(fra, op1, "*Calls upon* all States;", "Why.")
    reply = comments.post_comment(nor, op1, "Reply.", parent_id=amendment.id)
    support = comments.support_amendment(nor, amendment)
    statement = comments.post_statement(fra, rev1, "A statement.")
    statement_reply = comments.post_statement(nor, rev1, "Reply to it.",
                                              parent_id=statement.id)
    db.session.commit()
    # Entries as today's code writes them: the migration must read their labels back into
    # the same facts (checked by going down and up again).
    moderation.hide_submission(staff, reply, reason_code="off_topic")
    comments.withdraw_submission(nor, support)  # before the decision, which freezes it
    moderation.set_disposition(staff, amendment, "partly_incorporated", "In part.")
    comments.withdraw_submission(nor, statement_reply)
    moderation.hide_submission(staff, sub, reason_code="abusive")
    db.session.commit()
    targets = {"zero": zero, "rev1": rev1, "amendment": amendment, "reply": reply,
               "support": support, "old_comment": old_comment, "sub": sub,
               "statement": statement, "statement_reply": statement_reply}
    ids = {}
    at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    for number, (action, kind, key, label, details) in enumerate(OLD_ENTRIES):
        ids[number] = db.session.execute(text(
            "INSERT INTO log_entry (at, consultation_id, actor_id, actor_name, actor_role, "
            "action, target_type, target_id, target_label, reason, details) VALUES "
            "(:at, :cid, :actor, 'Staff', 'cofacilitator', :action, :kind, :tid, :label, "
            "'Typed by a person.', :details) RETURNING id").bindparams(
                bindparam("details", type_=JSON), bindparam("at", type_=UTCDateTime)),
            {"at": at + dt.timedelta(minutes=number), "cid": consultation.id,
             "actor": staff.id, "action": action, "kind": kind, "tid": targets[key].id,
             "label": label, "details": details}).scalar_one()
    db.session.commit()
    return {"ids": ids, "targets": {k: v.id for k, v in targets.items()}}


def _details(engine) -> dict[int, tuple]:
    """Each entry's details and stored label, by id."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, details, target_label FROM log_entry")).all()
    return {r[0]: (json.loads(r[1]) if isinstance(r[1], str) else r[1], r[2]) for r in rows}


def test_old_entries_get_their_facts_and_read_in_french_and_arabic(database_url, tmp_path,
                                                                   monkeypatch):
    url = _database(database_url, tmp_path)
    engine = make_engine(url)
    upgrade_to_head(engine, BEFORE)
    with engine.connect() as connection:
        trigger_before = _trigger(connection)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True,
                      "SEARCH_UPDATES": "request"}, instance=tmp_path / "instance")
    with later_schema(engine), app.app_context():
        made = _record_before_the_migration(app)
        db.session.remove()
        db.engine.dispose()
    before = _details(engine)

    upgrade_to_head(engine)  # what `flask --app app init` does
    after = _details(engine)
    for number, (_action, _type, _key, label, recorded) in enumerate(OLD_ENTRIES):
        facts, stored_label = after[made["ids"][number]]
        assert stored_label == label  # kept as it was
        assert facts == {**recorded, "target": FACTS[label]}, label
    # Entries that already had their facts (written by today's code) are left alone.
    assert {i: v for i, v in after.items() if i not in made["ids"].values()} == \
        {i: v for i, v in before.items() if i not in made["ids"].values()}

    # The log is append-only again, with the very same trigger.
    with engine.connect() as connection:
        assert _trigger(connection) == trigger_before
    with pytest.raises(DatabaseError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text("UPDATE log_entry SET reason = 'changed'"))

    app.test_client_class = IsolatedClient  # a context per request, as in production
    with app.app_context():
        client = app.test_client()
        install_catalog(app, monkeypatch, tmp_path / "catalog", "fr", FRENCH)
        install_catalog(app, monkeypatch, tmp_path / "catalog", "ar", ARABIC)
        french = client.get("/moderation-log?lang=fr").get_data(as_text=True)
        arabic = client.get("/moderation-log?lang=ar").get_data(as_text=True)
        api = client.get("/api/v1/moderation-log?per_page=200&lang=fr").get_json()
        db.session.remove()
        db.engine.dispose()

    def row(page, number):
        found = re.search(rf'<tr id="entry-{made["ids"][number]}".*?</tr>', page, flags=re.S)
        return found.group(0)

    assert 'amendement de <bdi><abbr title="France">FRA</abbr></bdi> sur <bdi>Rev.1</bdi> ' \
        '<bdi>OP1</bdi>' in row(french, 2)
    assert 'réponse de <bdi><abbr title="Norvège">NOR</abbr></bdi>' in row(french, 3)
    assert "appui de <bdi><abbr title=\"Norvège\">NOR</abbr></bdi> à l'amendement de " \
        '<bdi><abbr title="France">FRA</abbr></bdi>' in row(french, 4).replace("&#39;", "'")
    assert "<bdi>Rev.1</bdi> (cote <bdi>A/AC.1/L.2</bdi>)" in row(french, 1)
    assert 'déclaration générale de <bdi><abbr title="France">FRA</abbr></bdi>' \
        in row(french, 8)
    assert 'تعديل مقترح من <bdi><abbr title="فرنسا">FRA</abbr></bdi> على <bdi>Rev.1</bdi> ' \
        '<bdi>OP1</bdi>' in row(arabic, 2)
    assert 'بيان عام من <bdi><abbr title="فرنسا">FRA</abbr></bdi> بشأن <bdi>Rev.1</bdi>' \
        in row(arabic, 8)
    assert 'dir="rtl"' in arabic
    for number, (_action, _type, _key, label, _recorded) in enumerate(OLD_ENTRIES):
        if " " in label and label != "Zero draft":  # a stored English sentence
            assert label not in row(french, number) and label not in row(arabic, number)
    described = {e["id"]: e for e in api["entries"]}
    assert described[made["ids"][2]]["description"] == "amendement de FRA sur Rev.1 OP1"
    assert described[made["ids"][2]]["target"]["label"] == "amendment FRA Rev.1 OP1"

    # Down again: the facts go, the labels stay, the trigger is the same.
    with engine.connect() as connection, connection.begin():
        command.downgrade(alembic_config(connection), BEFORE)
    assert {i: v for i, v in _details(engine).items() if i in made["ids"].values()} == \
        {i: v for i, v in before.items() if i in made["ids"].values()}
    with engine.connect() as connection:
        assert _trigger(connection) == trigger_before
    # And up again: every entry, those written by today's code included, gets back exactly
    # the facts it had.
    upgrade_to_head(engine)
    assert _details(engine) == after
    engine.dispose()

"""The flask commands of API.md: init, demo, consultations create, drafts import, db check."""

import datetime as dt

from sqlalchemy import func, select

from consult.audit.models import LogEntry
from consult.auth.models import Delegation
from consult.db import db
from consult.drafts.models import Consultation, Version, VersionStatus
from tests.conftest import SMALL_DRAFT


def test_init_is_safe_to_rerun(runner):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "0 delegations added" in result.output
    assert db.session.scalar(select(func.count(Delegation.id))) == 218


def test_db_check_finds_no_drift(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_consultation_and_draft_import(runner, tmp_path):
    result = runner.invoke(args=["consultations", "create", "--slug", "gpa", "--title", "GPA"])
    assert result.exit_code == 0, result.output
    draft = tmp_path / "zero.md"
    draft.write_text(SMALL_DRAFT, encoding="utf-8")
    result = runner.invoke(args=["drafts", "import", "--consultation", "gpa", "--label",
                                 "Zero draft", str(draft)])
    assert result.exit_code == 0, result.output
    assert "8 paragraphs, draft" in result.output
    result = runner.invoke(args=["drafts", "import", "--consultation", "gpa", "--label",
                                 "Rev.1", "--publish", "--comments-close-at",
                                 "2099-01-01T12:00Z", str(draft)])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    statuses = {v.label: v.status for v in db.session.scalars(select(Version))}
    assert statuses == {"Zero draft": VersionStatus.draft, "Rev.1": VersionStatus.published}


def test_cli_failures_print_one_clear_line_and_change_nothing(runner, tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_text("   \n", encoding="utf-8")
    runner.invoke(args=["consultations", "create", "--slug", "gpa", "--title", "GPA"])
    result = runner.invoke(args=["drafts", "import", "--consultation", "gpa", "--label", "Zero",
                                 str(empty)])
    assert result.exit_code == 1 and "The draft is empty" in result.output
    result = runner.invoke(args=["drafts", "import", "--consultation", "nope", "--label", "Zero",
                                 str(empty)])
    assert result.exit_code == 1 and "No consultation named nope" in result.output
    result = runner.invoke(args=["consultations", "create", "--slug", "gpa", "--title", "Again"])
    assert result.exit_code == 1 and "already exists" in result.output
    result = runner.invoke(args=["consultations", "create", "--slug", "Bad Slug!", "--title", "X"])
    assert result.exit_code == 1 and "short name" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count(Version.id))) == 0
    assert db.session.scalar(select(func.count(Consultation.id))) == 1


def test_demo_loads_both_consultations_and_is_safe_to_rerun(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    gpa = db.session.scalar(select(Consultation).where(Consultation.slug == "gpa-trafficking"))
    assert gpa.mandate.startswith("General Assembly resolution 64/178")
    assert "Portugal" in gpa.cofacilitators and "Cabo Verde" in gpa.cofacilitators
    assert [v.label for v in gpa.versions] == ["Zero draft", "Rev.1"]
    cop = db.session.scalar(select(Consultation).where(Consultation.slug == "cop21-paris"))
    assert len(cop.versions) == 4
    record = db.session.scalar(select(Consultation).where(Consultation.slug == "gpa-consensus"))
    assert [(v.label, v.status.value) for v in record.versions] == [
        ("Zero draft", "superseded"), ("Rev.1", "superseded"), ("Rev.2", "final")]
    assert record.status.value == "closed"
    assert db.session.scalar(select(func.count(LogEntry.id)).where(
        LogEntry.action == "version.publish")) == 9
    # Once each, however often the demo is loaded: Egypt broke silence on the open
    # consultation's Rev.1 and on the record's Rev.1; Rev.2 was adopted.
    assert db.session.scalar(select(func.count(LogEntry.id)).where(
        LogEntry.action == "silence.break")) == 2
    assert db.session.scalar(select(func.count(LogEntry.id)).where(
        LogEntry.action == "silence.adopt")) == 1
    # Its history is not news: no delegate is e-mailed about it when the site starts.
    from consult.mail.delivery import run_round
    from consult.mail.models import MailMessage
    from consult.notify.models import NotificationEvent
    assert db.session.scalar(select(func.count(NotificationEvent.id))) > 0
    run_round(runner.app)
    db.session.rollback()
    assert db.session.scalar(select(func.count(MailMessage.id))) == 0


def test_demo_revision_follows_the_zero_draft(runner):
    """Rev.1 of the demo inserts, deletes, moves, edits and splits: keys must follow."""
    runner.invoke(args=["demo"])
    db.session.rollback()
    gpa = db.session.scalar(select(Consultation).where(Consultation.slug == "gpa-trafficking"))
    zero, rev = gpa.versions
    old = {p.label: p for p in zero.paragraphs}
    new = {p.label: p for p in rev.paragraphs}
    assert new["PP2"].match_status.value == "new"  # inserted near the top
    assert new["PP3"].key_id == old["PP2"].key_id  # renumbered, kept
    assert new["OP2"].match_status.value == "new"  # inserted operative paragraph
    assert new["OP3"].key_id == old["OP2"].key_id and new["OP3"].match_status.value == "kept"
    assert new["OP30"].key_id == old["OP6"].key_id  # moved to section V
    assert new["OP30"].match_status.value == "moved"
    assert new["OP12"].key_id == old["OP13"].key_id  # "Encourages" became "Urges"
    assert new["OP12"].match_status.value == "edited"
    assert old["OP7"].key_id not in {p.key_id for p in rev.paragraphs}  # deleted
    split = {new["OP19"].key_id, new["OP20"].key_id}
    assert old["OP20"].key_id in split and len(split) == 2


def test_demo_shows_delegations_taking_part(runner):
    """The demo carries threads, a supported proposal, an edit, a withdrawal, a detached thread."""
    from consult.comments import services as comments

    runner.invoke(args=["demo"])
    db.session.rollback()
    gpa = db.session.scalar(select(Consultation).where(Consultation.slug == "gpa-trafficking"))
    zero, rev = gpa.versions
    new = {p.label: p for p in rev.paragraphs}
    current, earlier = comments.paragraph_threads(None, new["OP12"], earlier_items=5)
    assert current.items == []  # nothing yet on Rev.1's OP12 …
    proposal = earlier[0].items[0]  # … but France's proposal on the zero draft's OP13 shows
    assert earlier[0].paragraph.label == "OP13" and earlier[0].version.label == "Zero draft"
    assert proposal.submission.delegation.code == "FRA"
    assert proposal.supporter_codes == ["NOR", "CAN"]
    detached = comments.detached_threads(None, rev)
    assert [(t.paragraph.label, t.delegations) for t in detached] == [("OP7", ["UNODC"])]
    current, _ = comments.paragraph_threads(None, new["OP2"])
    assert current.items[0].submission.revision == 1  # Canada edited its comment
    current, _ = comments.paragraph_threads(None, new["PP2"])
    assert current.items[0].submission.is_withdrawn
    rerun = runner.invoke(args=["demo"])
    assert rerun.exit_code == 0
    db.session.rollback()
    assert len(comments.statement_thread(None, zero).items) == 1  # not posted twice


def test_cli_manages_accounts_and_revokes_tokens(runner):
    from consult.auth.services import load_token_user

    runner.invoke(args=["users", "create", "--email", "u@example.org", "--name", "U",
                        "--role", "delegate", "--delegation", "FRA"])
    result = runner.invoke(args=["users", "update", "--email", "u@example.org", "--role",
                                 "observer", "--delegation", "IOM"])
    assert result.exit_code == 0, result.output
    assert "u@example.org\tobserver\tIOM\tactive" in runner.invoke(args=["users", "list"]).output
    secret = runner.invoke(args=["tokens", "create", "--email", "u@example.org"]).output.strip()
    assert load_token_user(secret) is not None
    result = runner.invoke(args=["tokens", "revoke", "--email", "u@example.org"])
    assert result.exit_code == 0 and "1 token(s) revoked" in result.output
    db.session.rollback()
    assert load_token_user(secret) is None
    assert runner.invoke(args=["users", "disable", "--email", "u@example.org"]).exit_code == 0
    assert "disabled" in runner.invoke(args=["users", "list"]).output
    result = runner.invoke(args=["users", "set-password", "--email", "u@example.org"],
                           input="short\n")
    assert result.exit_code == 1 and "at least 10" in result.output


def test_init_rebuilds_a_search_index_of_an_older_schema(runner, app):
    """An upgrade that changes the search schema is finished by `init`, before the
    application serves: the first search must not rebuild 100,000 documents itself."""
    import json

    from consult.search.engine import close_all
    from consult.search.sync import current_index, ensure_index

    index = ensure_index()
    (index.current_dir() / "meta.json").write_text(json.dumps({"schema": 1}))
    close_all()  # as a new process after the upgrade sees it
    assert not current_index().exists()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "rebuilding" in result.output
    assert current_index().exists()
    again = runner.invoke(args=["init"])
    assert "rebuilding" not in again.output

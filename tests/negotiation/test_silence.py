"""The silence procedure (issue 16, part 4): started, broken by Member States only,
withdrawn, or adopted at its deadline, once, whoever sees it first; the clock is set by
the tests, nobody sleeps."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from consult.audit.models import LogEntry
from consult.comments import services as comments
from consult.db import db
from consult.drafts import services
from consult.drafts.models import ConsultationStatus, Version, VersionStatus
from consult.errors import Conflict, Forbidden, Invalid, Unauthorized
from consult.negotiation import silence
from consult.negotiation.models import SilenceBreak, SilenceProcedure, SilenceState
from tests.conftest import SMALL_DRAFT, csrf_token, fresh


def _log(action):
    return db.session.scalar(select(func.count(LogEntry.id)).where(LogEntry.action == action))


def _start(staff, version, clock, hours=48, message="Adopt unless silence is broken."):
    procedure = silence.start_silence(staff, version, until=clock.now + dt.timedelta(hours=hours),
                                      message=message)
    db.session.commit()
    return procedure


def test_a_silence_procedure_runs_then_the_text_is_adopted_once(published, staff, clock,
                                                                 make_user):
    procedure = _start(staff, published, clock)
    assert silence.state_of(procedure) == SilenceState.running
    delegate = make_user("delegate", delegation="FRA")
    paragraph = services.get_paragraph(delegate, published, "OP1")
    with pytest.raises(Conflict, match="under silence procedure until"):
        comments.post_comment(delegate, paragraph, "One more thought")
    db.session.rollback()
    with pytest.raises(Conflict, match="already under silence"):
        _start(staff, published, clock)
    db.session.rollback()

    clock.advance(hours=48)
    assert silence.state_of(procedure) == SilenceState.adopted
    assert [p.id for p in silence.settle_due()] == [procedure.id]
    assert silence.settle_due() == []  # the second one to look writes nothing
    db.session.commit()
    fresh()
    version = db.session.get(Version, published.id)
    assert version.status == VersionStatus.final
    assert version.consultation.status == ConsultationStatus.closed
    assert _log("silence.adopt") == 1
    with pytest.raises(Conflict):
        silence.break_silence(delegate, version, statement="Too late")
    db.session.rollback()
    with pytest.raises(Conflict):
        services.create_version(staff, version.consultation, label="Rev.1", text=SMALL_DRAFT)


@pytest.mark.parametrize("until, message, error", [
    ("yesterday", "m", "must be a date and time"),
    ("2001-01-01T00:00", "m", "already passed"),
    ("+1h", "m", "must be a date"),
    (None, "", "Write the message"),
])
def test_bad_deadlines_and_messages_are_refused(published, staff, clock, until, message, error):
    with pytest.raises(Invalid, match=error):
        silence.start_silence(staff, published, until=until, message=message)
    db.session.rollback()
    assert db.session.scalar(select(func.count(SilenceProcedure.id))) == 0


def test_the_shortest_notice_is_a_setting(app, published, staff, clock):
    with pytest.raises(Invalid, match="at least 24 hours"):
        _start(staff, published, clock, hours=23)
    db.session.rollback()
    app.config["SILENCE_MINIMUM_HOURS"] = 0
    try:
        assert _start(staff, published, clock, hours=1).until == clock.now + dt.timedelta(hours=1)
    finally:
        app.config["SILENCE_MINIMUM_HOURS"] = 24


def test_drafts_and_superseded_versions_cannot_go_under_silence(published, staff, clock,
                                                               consultation):
    draft = services.create_version(staff, consultation, label="Rev.1", text=SMALL_DRAFT)
    db.session.commit()
    with pytest.raises(Conflict, match="newest published"):
        _start(staff, draft, clock)
    db.session.rollback()
    services.publish_version(staff, draft)
    db.session.commit()
    with pytest.raises(Conflict, match="newest published"):
        _start(staff, db.session.get(Version, published.id), clock)


def test_only_member_states_break_silence_once_each_and_before_the_deadline(
        published, staff, clock, make_user):
    procedure = _start(staff, published, clock)
    france = make_user("delegate", delegation="FRA")
    mexico = make_user("delegate", delegation="MEX")
    for actor, error in ((None, Unauthorized), (make_user("observer", delegation="VAT"), Forbidden),
                         (make_user("observer", delegation="UNODC"), Forbidden),
                         (make_user("delegate", delegation="EU"), Forbidden), (staff, Forbidden)):
        with pytest.raises(error):
            silence.break_silence(actor, published, statement="We object")
        db.session.rollback()
    with pytest.raises(Invalid, match="Write the statement"):
        silence.break_silence(france, published, statement="  ")
    db.session.rollback()
    assert db.session.scalar(select(func.count(SilenceBreak.id))) == 0

    clock.advance(hours=1)
    silence.break_silence(france, published, statement="France cannot join consensus on OP2.")
    db.session.commit()
    with pytest.raises(Conflict, match="already broken silence"):
        silence.break_silence(make_user("delegate", delegation="FRA"), published,
                              statement="Again")
    db.session.rollback()
    silence.break_silence(mexico, published, statement="Mexico joins France.")
    db.session.commit()
    fresh()
    procedure = db.session.get(SilenceProcedure, procedure.id)
    assert procedure.state == SilenceState.broken
    assert [b.delegation.code for b in procedure.breaks] == ["FRA", "MEX"]
    assert procedure.ended_at == clock.now
    assert _log("silence.break") == 2
    # The text is back in negotiation: comments are taken again; no adoption ever comes.
    comments.post_comment(france, services.get_paragraph(france, published, "OP2"), "Proposal")
    clock.advance(hours=100)
    assert silence.settle_due() == []
    with pytest.raises(Conflict, match="ended"):
        silence.break_silence(make_user("delegate", delegation="DEU"), published,
                              statement="Late")
    db.session.rollback()
    assert db.session.get(Version, published.id).status == VersionStatus.published


def test_breaking_silence_when_none_runs_is_refused(published, make_user):
    with pytest.raises(Conflict, match="not under silence"):
        silence.break_silence(make_user("delegate", delegation="FRA"), published,
                              statement="We object")


def test_a_break_and_the_adoption_exclude_each_other(published, staff, clock, make_user):
    procedure = _start(staff, published, clock)
    france = make_user("delegate", delegation="FRA")
    deadline = procedure.until
    # A break stamped at the deadline comes too late: the adoption wins, whoever writes first.
    with pytest.raises(Conflict, match="adopted"):
        silence.break_silence(france, published, statement="Objection", now=deadline)
    db.session.rollback()
    # One second before, the break wins and the adoption never happens.
    silence.break_silence(france, published, statement="Objection",
                          now=deadline - dt.timedelta(seconds=1))
    assert silence.settle_due(now=deadline) == []
    db.session.commit()
    fresh()
    assert db.session.get(SilenceProcedure, procedure.id).state == SilenceState.broken
    assert _log("silence.adopt") == 0 and _log("silence.break") == 1


def test_withdrawal_needs_a_reason_and_ends_the_procedure(published, staff, clock, make_user):
    procedure = _start(staff, published, clock)
    with pytest.raises(Forbidden):
        silence.withdraw_silence(make_user("delegate", delegation="FRA"), published,
                                 reason="No")
    db.session.rollback()
    with pytest.raises(Invalid, match="Say why"):
        silence.withdraw_silence(staff, published, reason="")
    db.session.rollback()
    silence.withdraw_silence(staff, published, reason="A delegation asked for more time.")
    db.session.commit()
    fresh()
    assert db.session.get(SilenceProcedure, procedure.id).state == SilenceState.withdrawn
    clock.advance(hours=72)
    assert silence.settle_due() == []
    with pytest.raises(Conflict, match="not under silence"):
        silence.withdraw_silence(staff, published, reason="again")


def test_publishing_over_a_text_under_silence_is_refused(published, staff, clock, consultation):
    _start(staff, published, clock)
    draft = services.create_version(staff, consultation, label="Rev.1", text=SMALL_DRAFT)
    db.session.commit()
    with pytest.raises(Conflict, match="withdraw the procedure"):
        services.publish_version(staff, draft)


def test_the_road_through_the_pages(client, login_as, make_user, published, staff, clock):
    base = f"/consultations/gpa/versions/{published.id}"
    login_as("cofacilitator", delegation="MEX")
    token = csrf_token(client, base + "/silence")
    bad = client.post(base + "/silence", data={"csrf_token": token, "until": "soon",
                                               "message": "Please consider"})
    assert bad.status_code == 400
    assert "must be a date and time" in bad.get_data(as_text=True)
    assert "Please consider" in bad.get_data(as_text=True)  # the form comes back filled
    until = (clock.now + dt.timedelta(hours=30)).strftime("%Y-%m-%d %H:%M")
    started = client.post(base + "/silence", data={"csrf_token": token, "until": until,
                                                   "message": "Adopt by silence."})
    assert started.status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert "Under silence procedure until" in page and "Adopt by silence." in page
    client.post("/logout", data={"csrf_token": csrf_token(client, base)})

    delegate = make_user("delegate", delegation="FRA")
    from tests.conftest import login
    login(client, delegate.email)
    page = client.get(base).get_data(as_text=True)
    assert f'href="{base}/silence/break"' in page
    token = csrf_token(client, base + "/silence/break")
    broken = client.post(base + "/silence/break",
                         data={"csrf_token": token, "statement": "France objects to OP2.",
                               "language": "en"})
    assert broken.status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, base)})
    public = client.get(base).get_data(as_text=True)
    assert "Silence was broken" in public and "France objects to OP2." in public
    assert "France" in public
    log = client.get("/moderation-log").get_data(as_text=True)
    assert "silence broken" in log and "silence procedure started" in log

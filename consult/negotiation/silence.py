"""The silence procedure: a text is adopted at its deadline unless a Member State breaks
silence before it.

No scheduler is needed. A procedure's state follows from its deadline and the breaks
recorded: `state_of` gives it at any moment, and whichever request or command first sees
that a deadline passed (`settle_due`) records the adoption, once. A break and the adoption
exclude each other by the conditional UPDATEs below: each changes the row only if it is
still in the state it expects and on its side of the deadline, so on PostgreSQL the second
of two concurrent writers waits for the row lock, re-reads the row and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consult import permissions
from consult.audit.services import record_action, version_facts
from consult.db import db, utcnow
from consult.drafts.models import (UN_LANGUAGES, Consultation, ConsultationStatus, Version,
                                   VersionStatus)
from consult.errors import Conflict, Invalid
from consult.negotiation.models import SilenceBreak, SilenceProcedure, SilenceState
from consult.notify.events import record_event
from consult.search.outbox import record_version_change
from consult.words import clean_words

_LOOKED = "consult.silence_looked"
MAX_STATEMENT_CHARS = 10_000
MAX_MESSAGE_CHARS = 10_000
DEADLINE_YEARS = range(1990, 2201)


def _lock(consultation_id: int) -> None:
    # The same lock as publication takes (drafts.services._lock): one change at a time.
    db.session.execute(select(Consultation.id).where(Consultation.id == consultation_id)
                       .with_for_update())


def state_of(procedure: SilenceProcedure, now: dt.datetime | None = None) -> SilenceState:
    """The procedure's state at `now`: a running one whose deadline passed is adopted."""
    if procedure.state == SilenceState.running and (now or utcnow()) >= procedure.until:
        return SilenceState.adopted
    return procedure.state


def latest_silence(version: Version) -> SilenceProcedure | None:
    """The version's most recent silence procedure, in any state (None if it never had one)."""
    return db.session.scalar(
        select(SilenceProcedure).where(SilenceProcedure.version_id == version.id)
        .order_by(SilenceProcedure.started_at.desc(), SilenceProcedure.id.desc()).limit(1))


def adoption_of(version: Version) -> SilenceProcedure | None:
    """The procedure that adopted this version under silence, if one did."""
    if version.status != VersionStatus.final:
        return None
    return db.session.scalar(
        select(SilenceProcedure).where(SilenceProcedure.version_id == version.id,
                                       SilenceProcedure.state == SilenceState.adopted)
        .limit(1))


def running_silence(version: Version) -> SilenceProcedure | None:
    """The procedure holding the version's text, if one runs (or its deadline passed
    unbroken and the adoption is not yet recorded): nothing may change the text's record."""
    return db.session.scalar(
        select(SilenceProcedure).where(SilenceProcedure.version_id == version.id,
                                       SilenceProcedure.state == SilenceState.running)
        .limit(1))


def silences_of(version_ids) -> dict[int, SilenceProcedure]:
    """{version id: its latest procedure} for these versions (one query)."""
    ids = list(version_ids)
    if not ids:
        return {}
    found: dict[int, SilenceProcedure] = {}
    for procedure in db.session.scalars(
            select(SilenceProcedure).where(SilenceProcedure.version_id.in_(ids))
            .order_by(SilenceProcedure.started_at, SilenceProcedure.id)):
        found[procedure.version_id] = procedure
    return found


def require_not_under_silence(version: Version, now: dt.datetime | None = None) -> None:
    """Raise Conflict, saying why, while a silence procedure holds the version's text."""
    procedure = running_silence(version)
    if procedure is None:
        return
    if state_of(procedure, now) == SilenceState.adopted:
        raise Conflict(_("%(version)s was adopted under silence procedure on %(date)s: its "
                         "record is final; nothing was saved.", version=version.label,
                         date=_when(procedure.until)))
    raise Conflict(_("%(version)s is under silence procedure until %(date)s: no new "
                     "comments or proposals may be made, and its compilation is frozen; "
                     "nothing was saved.", version=version.label, date=_when(procedure.until)))


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def parse_until(value, now: dt.datetime) -> dt.datetime:
    """The deadline asked for, as an aware UTC time; Invalid if unreadable or too soon."""
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value or "").strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(_("The deadline must be a date and time such as "
                            "2010-06-30T18:00 (UTC)."), field="until") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    if parsed.year not in DEADLINE_YEARS:
        raise Invalid(_("The deadline must fall between %(start)s and %(end)s.",
                        start=DEADLINE_YEARS.start, end=DEADLINE_YEARS.stop - 1),
                      field="until")
    parsed = parsed.astimezone(dt.timezone.utc)
    if parsed <= now:
        raise Invalid(_("The deadline has already passed; choose a later one."),
                      field="until")
    hours = minimum_hours()
    if parsed < now + dt.timedelta(hours=hours):
        raise Invalid(_("Delegations must have at least %(hours)d hours to consult their "
                        "capitals: choose a deadline after %(date)s.", hours=hours,
                        date=_when(now + dt.timedelta(hours=hours))), field="until")
    return parsed


def start_silence(actor, version: Version, *, until, message, now: dt.datetime | None = None
                  ) -> SilenceProcedure:
    """Put the newest published version under silence until `until`, with a message to
    the delegations."""
    permissions.require(actor, "start_silence", version)
    now = now or utcnow()
    message = clean_words(message, field="message", limit=MAX_MESSAGE_CHARS,
                     required_message=_("Write the message to the delegations."))
    deadline = parse_until(until, now)
    _lock(version.consultation_id)
    db.session.refresh(version)
    db.session.refresh(version.consultation)
    settle_due(version.consultation_id, now=now)
    require_startable(actor, version)
    procedure = SilenceProcedure(
        version_id=version.id, consultation_id=version.consultation_id,
        state=SilenceState.running, until=deadline, message=message, started_at=now,
        started_by_id=getattr(permissions.account_of(actor), "id", None))
    db.session.add(procedure)
    db.session.flush()
    record_action(actor, "silence.start", "version", version.id,
                  consultation_id=version.consultation_id, target_facts=version_facts(version),
                  reason=message, at=now, details={"until": deadline.isoformat(),
                                                   "procedure": procedure.id})
    record_event("silence_started", consultation_id=version.consultation_id,
                 version_id=version.id, actor=actor, details={"deadline": deadline.isoformat()},
                 key=f"silence_started:{procedure.id}", at=now)
    return procedure


def minimum_hours() -> int:
    """The shortest notice of a silence procedure, in hours (SILENCE_MINIMUM_HOURS)."""
    return int(current_app.config["SILENCE_MINIMUM_HOURS"])


def require_startable(actor, version: Version) -> None:
    """Raise unless `actor` may put `version` under silence now (to show the form)."""
    permissions.require(actor, "start_silence", version)
    if version.consultation.status != ConsultationStatus.open:
        raise Conflict(_("%(title)s is closed: its record can no longer change.",
                         title=version.consultation.title))
    if version.status != VersionStatus.published:
        raise Conflict(_("Only the newest published version can be put under silence; "
                         "%(label)s is %(status)s.", label=version.label,
                         status=_status_word(version.status)))
    if running_silence(version) is not None:
        raise Conflict(_("%(label)s is already under silence procedure.", label=version.label))


def require_breakable(actor, version: Version, now: dt.datetime | None = None) -> None:
    """Raise unless `actor` may break silence on `version` now (to show the form)."""
    permissions.require(actor, "break_silence", version)
    procedure = _open_procedure(version, now or utcnow())
    if any(b.delegation_id == actor.delegation_id for b in procedure.breaks):
        raise Conflict(_("Your delegation has already broken silence on %(label)s.",
                         label=version.label))


def require_withdrawable(actor, version: Version, now: dt.datetime | None = None) -> None:
    """Raise unless `actor` may withdraw the silence procedure on `version` now."""
    permissions.require(actor, "withdraw_silence", version)
    procedure = _open_procedure(version, now or utcnow())
    if procedure.state != SilenceState.running:
        raise Conflict(_("Silence on %(label)s has been broken; there is nothing to "
                         "withdraw.", label=version.label))


def _status_word(status) -> str:
    from consult.labels import label

    return label(status)


def _open_procedure(version: Version, now: dt.datetime) -> SilenceProcedure:
    """The procedure a break or a withdrawal applies to; Conflict if there is none."""
    procedure = latest_silence(version)
    if procedure is None or procedure.state == SilenceState.withdrawn:
        raise Conflict(_("%(label)s is not under silence procedure.", label=version.label))
    if state_of(procedure, now) == SilenceState.adopted or procedure.state == SilenceState.adopted:
        raise Conflict(_("The deadline of the silence procedure passed on %(date)s without "
                         "silence being broken: %(label)s is adopted.", label=version.label,
                         date=_when(procedure.until)))
    if now >= procedure.until:
        raise Conflict(_("The silence procedure on %(label)s ended on %(date)s.",
                         label=version.label, date=_when(procedure.until)))
    return procedure


def break_silence(actor, version: Version, *, statement, language: str | None = None,
                  now: dt.datetime | None = None) -> SilenceBreak:
    """A Member State breaks silence with a written statement, before the deadline.

    The first break returns the text to negotiation; other Member States may still record
    theirs until the deadline, once each.
    """
    permissions.require(actor, "break_silence", version)
    statement = clean_words(statement, field="statement", limit=MAX_STATEMENT_CHARS,
                       required_message=_("Write the statement that breaks silence."))
    if language not in (None, "") and language not in UN_LANGUAGES:
        raise Invalid(_("Choose one of the six official languages of the United Nations: "
                        "Arabic, Chinese, English, French, Russian or Spanish."),
                      field="language")
    now = now or utcnow()
    procedure = _open_procedure(version, now)
    # Compare-and-set on the deadline and the state: never both a break and an adoption.
    changed = db.session.execute(
        update(SilenceProcedure)
        .where(SilenceProcedure.id == procedure.id,
               SilenceProcedure.state.in_([SilenceState.running, SilenceState.broken]),
               SilenceProcedure.until > now)
        .values(state=SilenceState.broken)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(procedure)
    if changed != 1:
        _open_procedure(version, now)  # says why (adopted or withdrawn meanwhile)
        raise Conflict(_("%(label)s is not under silence procedure.", label=version.label))
    if db.session.scalar(select(SilenceBreak.id).where(
            SilenceBreak.procedure_id == procedure.id,
            SilenceBreak.delegation_id == actor.delegation_id)):
        raise Conflict(_("Your delegation has already broken silence on %(label)s.",
                         label=version.label))
    if procedure.ended_at is None:
        procedure.ended_at = now
        procedure.ended_by_id = actor.id
    entry = SilenceBreak(procedure_id=procedure.id, delegation_id=actor.delegation_id,
                         user_id=actor.id, statement=statement, language=language or None,
                         at=now)
    db.session.add(entry)
    db.session.flush()
    record_action(actor, "silence.break", "version", version.id,
                  consultation_id=version.consultation_id, target_facts=version_facts(version),
                  reason=statement, at=now,
                  details={"procedure": procedure.id,
                           "delegation": actor.delegation.code if actor.delegation else None})
    record_event("silence_broken", consultation_id=version.consultation_id,
                 version_id=version.id, actor=actor, key=f"silence_broken:{entry.id}", at=now,
                 details={"delegation": actor.delegation.code if actor.delegation else None})
    return entry


def withdraw_silence(actor, version: Version, *, reason, now: dt.datetime | None = None
                     ) -> SilenceProcedure:
    """The co-facilitators withdraw a running silence procedure before its deadline."""
    permissions.require(actor, "withdraw_silence", version)
    reason = clean_words(reason, field="reason", limit=MAX_MESSAGE_CHARS,
                    required_message=_("Say why the silence procedure is withdrawn."))
    now = now or utcnow()
    _lock(version.consultation_id)
    require_withdrawable(actor, version, now)
    procedure = latest_silence(version)
    changed = db.session.execute(
        update(SilenceProcedure)
        .where(SilenceProcedure.id == procedure.id,
               SilenceProcedure.state == SilenceState.running, SilenceProcedure.until > now)
        .values(state=SilenceState.withdrawn, ended_at=now,
                ended_by_id=getattr(permissions.account_of(actor), "id", None),
                withdraw_reason=reason)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(procedure)
    if changed != 1:
        raise Conflict(_("%(label)s is not under silence procedure.", label=version.label))
    record_action(actor, "silence.withdraw", "version", version.id,
                  consultation_id=version.consultation_id, target_facts=version_facts(version),
                  reason=reason, at=now, details={"procedure": procedure.id})
    record_event("silence_withdrawn", consultation_id=version.consultation_id,
                 version_id=version.id, actor=actor, key=f"silence_withdrawn:{procedure.id}",
                 at=now)
    return procedure


def settle_due(consultation_id: int | None = None, *, now: dt.datetime | None = None
               ) -> list[SilenceProcedure]:
    """Record the adoption of every procedure whose deadline passed unbroken (of one
    consultation, or all): the version becomes final and its consultation closed.

    Safe to call from any request or command, any number of times, side by side: the
    adoption and its log entry are written once.
    """
    if now is None:
        # Readers call this as they load versions: one look per consultation and
        # transaction is enough (a deadline passing within a request changes nothing).
        looked = db.session.info.setdefault(_LOOKED, set())
        if consultation_id in looked or None in looked:
            return []
        looked.add(consultation_id)
    now = now or utcnow()
    query = select(SilenceProcedure.id).where(SilenceProcedure.state == SilenceState.running,
                                              SilenceProcedure.until <= now)
    if consultation_id is not None:
        query = query.where(SilenceProcedure.consultation_id == consultation_id)
    adopted = []
    for procedure_id in list(db.session.scalars(query)):
        try:
            with db.session.begin_nested():
                procedure = _adopt(procedure_id, now)
        except OperationalError:
            # SQLite: a reader's transaction cannot start writing once another writer has
            # committed since it began. The state already reads as adopted; the next
            # request records it.
            continue
        if procedure is not None:
            adopted.append(procedure)
    return adopted


def _adopt(procedure_id: int, now: dt.datetime) -> SilenceProcedure | None:
    """Record one adoption, if the procedure is still running past its deadline."""
    changed = db.session.execute(
        update(SilenceProcedure)
        .where(SilenceProcedure.id == procedure_id,
               SilenceProcedure.state == SilenceState.running,
               SilenceProcedure.until <= now)
        .values(state=SilenceState.adopted)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        return None  # another request recorded it (or a break came first)
    procedure = db.session.get(SilenceProcedure, procedure_id, populate_existing=True)
    procedure.ended_at = procedure.until
    version = db.session.get(Version, procedure.version_id)
    version.status = VersionStatus.final
    version.consultation.status = ConsultationStatus.closed
    db.session.flush()
    record_version_change(version.id)
    record_action(permissions.COMMAND_LINE, "silence.adopt", "version", version.id,
                  consultation_id=version.consultation_id,
                  target_facts=version_facts(version), at=procedure.until,
                  details={"procedure": procedure.id, "until": procedure.until.isoformat()})
    record_event("silence_adopted", consultation_id=version.consultation_id,
                 version_id=version.id, key=f"silence_adopted:{procedure.id}", at=now)
    return procedure


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_looked(session) -> None:
    session.info.pop(_LOOKED, None)

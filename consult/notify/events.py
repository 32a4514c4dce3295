"""Recording that something happened that people may be told about: one row in the
caller's transaction, nothing more (the mail worker finds recipients and writes messages
later, so a publication's transaction stays small whatever the number of delegates)."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from consult.db import db, utcnow
from consult.notify.models import KIND_CATEGORY, NotificationEvent


def record_event(kind: str, *, consultation_id: int, version_id: int | None = None,
                 submission_id: int | None = None, delegation_id: int | None = None,
                 actor=None, details: dict | None = None, key: str | None = None,
                 at=None) -> NotificationEvent:
    """Add one event to the caller's transaction; the worker is woken after its commit."""
    event = NotificationEvent(
        key=key or f"{kind}:{secrets.token_hex(12)}", consultation_id=consultation_id,
        kind=kind, category=KIND_CATEGORY[kind], version_id=version_id,
        submission_id=submission_id, delegation_id=delegation_id,
        # The command line and scheduled work have no account (id None): nobody to spare.
        actor_id=getattr(actor, "id", None), details=dict(details or {}),
        created_at=at or utcnow())
    db.session.add(event)
    db.session.info["mail_queued"] = True  # consult.mail.outbox pokes the worker
    return event


def record_event_once(kind: str, *, key: str, **fields) -> NotificationEvent | None:
    """Record a scheduled event unless one with `key` exists (another worker made it):
    None then."""
    if db.session.scalar(select(NotificationEvent.id).where(NotificationEvent.key == key)):
        return None
    try:
        with db.session.begin_nested():
            event = record_event(kind, key=key, **fields)
            db.session.flush()
    except IntegrityError:  # made by another worker between the look and the insert
        return None
    return event


def pass_over_pending_events() -> int:
    """Mark every event not yet fanned out as done without telling anyone (a loaded history,
    such as the demo's, is not news); how many."""
    return db.session.execute(
        update(NotificationEvent).where(NotificationEvent.fanned_out_at.is_(None))
        .values(fanned_out_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount

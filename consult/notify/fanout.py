"""The mail worker's notification rounds: events turned into messages for those who chose
to hear at once, comment periods about to close noticed, and the daily summaries.

Recipients are found with one query per event (a publication may concern thousands of
accounts); each event is claimed by a conditional UPDATE and its messages queued in the
same transaction, so two workers never both fan one out, and a worker that dies leaves it
for the next round.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import aliased

from consult.audit.services import record_action, version_facts
from consult.auth.models import Delegation, Role, User
from consult.comments.models import Submission
from consult.db import db, utcnow
from consult.drafts.models import Consultation, ConsultationStatus, Version, VersionStatus
from consult.mail.outbox import mail_url, queue_message
from consult.negotiation.silence import settle_due
from consult.notify.events import record_event_once
from consult.notify.models import (DEFAULT_FREQUENCY, Frequency, NotificationDigest,
                                   NotificationEvent, NotificationPreference)
from consult.notify.unsubscribe import DIGEST, unsubscribe_url
from consult.permissions import COMMAND_LINE

# Reminders go out this long before a comment period closes.
DEADLINE_NOTICE = dt.timedelta(hours=48)
EVENTS_PER_ROUND = 50


# --- who hears -------------------------------------------------------------------------------


def recipients(event: NotificationEvent, frequency: Frequency):
    """The accounts that hear about `event` with `frequency`: enabled delegates and observers
    (of the delegation concerned, for its own submissions), not the one who caused it."""
    chosen = aliased(NotificationPreference)
    query = (select(User)
             .outerjoin(chosen, and_(chosen.user_id == User.id,
                                     chosen.consultation_id == event.consultation_id,
                                     chosen.category == event.category))
             .where(User.role.in_([Role.delegate, Role.observer]),
                    User.is_disabled.is_(False)))
    if DEFAULT_FREQUENCY[event.category] == frequency:
        query = query.where(or_(chosen.id.is_(None), chosen.frequency == frequency))
    else:
        query = query.where(chosen.frequency == frequency)
    if event.actor_id is not None:
        query = query.where(User.id != event.actor_id)
    if event.delegation_id is not None:
        query = query.where(User.delegation_id == event.delegation_id)
    return db.session.scalars(query.order_by(User.id))


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def event_item(event: NotificationEvent) -> dict:
    """What the message templates say about one event, with its links."""
    consultation = db.session.get(Consultation, event.consultation_id)
    submission = db.session.get(Submission, event.submission_id) \
        if event.submission_id else None
    version = db.session.get(Version, event.version_id) if event.version_id else \
        (submission.version if submission is not None else None)
    slug = consultation.slug
    if event.kind == "support":
        link = mail_url("comments.submission", slug=slug, submission_id=submission.parent_id)
    elif submission is not None:
        link = mail_url("comments.submission", slug=slug, submission_id=submission.id)
    else:
        link = mail_url("drafts.version", slug=slug, version_id=version.id)
    delegation = submission.delegation if submission is not None else None
    if event.details.get("delegation"):
        delegation = db.session.scalar(select(Delegation).where(
            Delegation.code == event.details["delegation"]))
    previous = version.based_on if version is not None else None
    return {
        "kind": event.kind, "category": event.category, "at": event.created_at,
        "consultation": consultation, "version": version, "submission": submission,
        "paragraph": submission.paragraph.label
        if submission is not None and submission.paragraph is not None else None,
        "delegation": delegation, "details": event.details,
        "deadline": _moment(event.details.get("deadline")), "link": link,
        "previous": previous if event.kind == "version_published" else None,
        "compare_link": mail_url("drafts.compare", slug=slug, a=previous.id, b=version.id)
        if event.kind == "version_published" and previous is not None else None,
    }


def _still_shown(event: NotificationEvent) -> bool:
    # A reply hidden or withdrawn before it was announced is not announced.
    if event.submission_id is None:
        return True
    submission = db.session.get(Submission, event.submission_id)
    return not (submission.is_concealed or submission.is_withdrawn)


# --- at once ----------------------------------------------------------------------------------


def fan_out_events(limit: int = EVENTS_PER_ROUND) -> int:
    """Queue the messages of events not yet fanned out, one transaction per event; how
    many events were fanned out."""
    waiting = list(db.session.scalars(
        select(NotificationEvent.id).where(NotificationEvent.fanned_out_at.is_(None))
        .order_by(NotificationEvent.id).limit(limit)))
    done = 0
    for event_id in waiting:
        done += fan_out_event(event_id)
        db.session.commit()
    return done


def fan_out_event(event_id: int) -> bool:
    """Claim one event and queue a message for each person who hears of it at once, in the
    caller's transaction; False if another worker had it."""
    event = db.session.get(NotificationEvent, event_id)
    if event is None or event.fanned_out_at is not None:
        return False
    told = 0
    # The messages are rendered before the event is claimed, without writing: on SQLite
    # the first write takes the database's one write lock, which every post also needs, and
    # rendering a publication's 2,000 messages takes seconds. Written at the claim, the
    # rows hold the lock only while they are inserted.
    with db.session.no_autoflush:
        if _still_shown(event):
            item = event_item(event)
            settings_url = mail_url("notify.preferences_page", slug=item["consultation"].slug)
            for user in recipients(event, Frequency.immediate):
                queued = queue_message(
                    f"event:{event.id}:{user.id}", user, "notification", item=item,
                    settings_url=settings_url,
                    unsubscribe_url=unsubscribe_url(user.id, event.consultation_id,
                                                    event.category))
                told += queued is not None
    won = db.session.execute(
        update(NotificationEvent)
        .where(NotificationEvent.id == event_id, NotificationEvent.fanned_out_at.is_(None))
        .values(fanned_out_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        db.session.rollback()  # another worker fanned it out meanwhile: its messages stand
        return False
    if event.kind == "version_published":
        version = db.session.get(Version, event.version_id)
        # The co-facilitators see on the log that (and to how many) it was announced.
        record_action(COMMAND_LINE, "version.announced", "version", version.id,
                      consultation_id=version.consultation_id,
                      target_facts=version_facts(version), details={"recipients": told})
    return True


# --- scheduled events ------------------------------------------------------------------------


def announce_closing_deadlines(now: dt.datetime | None = None) -> int:
    """Record a `deadline_soon` event for each published version whose comments close
    within DEADLINE_NOTICE: once per version and deadline (a moved deadline gets its own)."""
    now = now or utcnow()
    closing = db.session.scalars(
        select(Version).join(Consultation, Consultation.id == Version.consultation_id)
        .where(Version.status == VersionStatus.published,
               Consultation.status == ConsultationStatus.open,
               Version.comments_close_at > now,
               Version.comments_close_at <= now + DEADLINE_NOTICE)).all()
    made = 0
    for version in closing:
        deadline = version.comments_close_at.isoformat()
        made += record_event_once(
            "deadline_soon", key=f"deadline_soon:{version.id}:{deadline}",
            consultation_id=version.consultation_id, version_id=version.id,
            details={"deadline": deadline}, at=now) is not None
    db.session.commit()
    return made


def record_due_adoptions() -> int:
    """Record the adoptions of silence procedures whose deadline passed while nobody read
    the consultation, so that their announcement does not wait for a reader."""
    adopted = settle_due(None, now=utcnow())
    db.session.commit()
    return len(adopted)


# --- daily summaries --------------------------------------------------------------------------


def digest_cutoff(now: dt.datetime) -> dt.datetime:
    """The end of the period today's summaries cover: today at MAIL_DIGEST_HOUR (UTC)."""
    return now.replace(hour=current_app.config["MAIL_DIGEST_HOUR"], minute=0, second=0,
                       microsecond=0)


def send_daily_digests(now: dt.datetime | None = None) -> int:
    """Once a day, after MAIL_DIGEST_HOUR: one summary per person who chose "daily" for
    anything and to whom something happened since the last; how many were queued."""
    now = now or utcnow()
    cutoff = digest_cutoff(now)
    if now < cutoff:
        return 0
    done = aliased(NotificationDigest)
    due = list(db.session.scalars(
        select(User)
        .where(User.id.in_(select(NotificationPreference.user_id).where(
            NotificationPreference.frequency == Frequency.daily)),
            User.role.in_([Role.delegate, Role.observer]), User.is_disabled.is_(False),
            ~select(done.user_id).where(done.user_id == User.id,
                                        done.covered_until >= cutoff).exists())
        .order_by(User.id)))
    queued = 0
    for user in due:
        queued += send_digest(user, cutoff)
        db.session.commit()
    return queued


def send_digest(user: User, cutoff: dt.datetime) -> bool:
    """Queue the user's summary of the events since their last one, up to `cutoff`, in the
    caller's transaction; False when nothing happened."""
    covered = db.session.get(NotificationDigest, user.id)
    start = covered.covered_until if covered is not None else cutoff - dt.timedelta(days=1)
    followed = db.session.execute(select(
        NotificationPreference.consultation_id, NotificationPreference.category).where(
        NotificationPreference.user_id == user.id,
        NotificationPreference.frequency == Frequency.daily)).all()
    events = []
    if followed:
        events = [event for event in db.session.scalars(
            select(NotificationEvent)
            .where(NotificationEvent.created_at >= start, NotificationEvent.created_at < cutoff,
                   or_(*[and_(NotificationEvent.consultation_id == consultation_id,
                              NotificationEvent.category == category)
                         for consultation_id, category in followed]),
                   or_(NotificationEvent.actor_id.is_(None),
                       NotificationEvent.actor_id != user.id),
                   or_(NotificationEvent.delegation_id.is_(None),
                       NotificationEvent.delegation_id == user.delegation_id))
            .order_by(NotificationEvent.created_at, NotificationEvent.id))
            if _still_shown(event)]
    if covered is None:
        db.session.add(NotificationDigest(user_id=user.id, covered_until=cutoff))
    else:
        covered.covered_until = cutoff
    if not events:
        return False
    return queue_message(f"digest:{user.id}:{cutoff.date().isoformat()}", user, "digest",
                         items=[event_item(event) for event in events],
                         unsubscribe_url=unsubscribe_url(user.id, None, DIGEST)) is not None


# The rounds, in order: events made by the first ones are fanned out in the same round.
TASKS = [record_due_adoptions, announce_closing_deadlines, fan_out_events,
         send_daily_digests]

"""Notification events (one row per thing that happened, fanned out to recipients later),
each person's choices per consultation, and the daily summaries sent."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, UTCDateTime, utcnow


class Frequency(str, enum.Enum):
    """How often a person hears about one kind of event."""

    immediate = "immediate"  # a message for each event, soon after it
    daily = "daily"  # one summary a day
    none = "none"  # nothing


# The kinds of event people choose about, and what each hears unless they chose: new
# versions and their own delegation's submissions (issue 18), not the deadline reminders.
DEFAULT_FREQUENCY = {
    "versions": Frequency.immediate,
    "deadlines": Frequency.none,
    "replies": Frequency.immediate,
    "proposals": Frequency.immediate,
}
CATEGORIES = tuple(DEFAULT_FREQUENCY)

# The category each kind of event belongs to.
KIND_CATEGORY = {
    "version_published": "versions",
    "silence_started": "versions",
    "silence_broken": "versions",
    "silence_withdrawn": "versions",
    "silence_adopted": "versions",
    "deadline_soon": "deadlines",
    "deadline_moved": "deadlines",
    "reply": "replies",
    "support": "proposals",
    "disposition": "proposals",
}


class NotificationEvent(Base):
    """Something people may be told about, written in the transaction that made it happen;
    the mail worker turns it into messages (`fanned_out_at` set once it has).

    `key` is UNIQUE: a scheduled event (comments closing soon) is made once per version
    and deadline, whichever worker sees it first."""

    __tablename__ = "notification_event"
    __table_args__ = (Index("ix_notification_event_fanned_out_at", "fanned_out_at"),
                      Index("ix_notification_event_created_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(20))
    version_id: Mapped[Optional[int]] = mapped_column(ForeignKey("version.id"))
    submission_id: Mapped[Optional[int]] = mapped_column(ForeignKey("submission.id"))
    # For events about a delegation's own submissions: the delegation told.
    delegation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delegation.id"))
    # Who caused it (never told about their own action); None for the system.
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    fanned_out_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    """One person's choice for one kind of event in one consultation (no row: the default,
    DEFAULT_FREQUENCY)."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        UniqueConstraint("user_id", "consultation_id", "category"),
        # Who chose what for an event's consultation and kind: the fan-out's question.
        Index("ix_notification_preference_consultation_category",
              "consultation_id", "category", "frequency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    category: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[Frequency] = mapped_column(
        Enum(Frequency, native_enum=False, length=10, validate_strings=True,
             values_callable=lambda e: [m.value for m in e], name="frequency"))


class NotificationDigest(Base):
    """The end of the period the person's last daily summary covered: the next one starts
    there, so a day the worker did not run is not lost and none is told twice."""

    __tablename__ = "notification_digest"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    covered_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)

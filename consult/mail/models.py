"""The mail outbox: every message to send, written in the transaction that causes it."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, UTCDateTime, utcnow


class MailStatus(str, enum.Enum):
    """Where a message stands."""

    pending = "pending"  # to send (again) at next_attempt_at
    sending = "sending"  # claimed by a worker; retried if it stays so (the worker died)
    sent = "sent"  # the mail server accepted it
    failed = "failed"  # temporary failures, retried until MAIL_MAX_ATTEMPTS
    bounced = "bounced"  # the server refused the address for good


class MailMessage(Base):
    """One message to one recipient, rendered in the recipient's language when queued.

    `key` says which event it is for ("invitation:12:3", "event:40:7"): UNIQUE, so one
    event never queues two messages for one person, and the Message-ID sent is made from
    it, so a message sent again after a worker died between sending and marking is the
    same message to the recipient's mail store."""

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # The one-click unsubscribe address (RFC 8058), for notifications; None otherwise.
    unsubscribe_url: Mapped[Optional[str]] = mapped_column(String(1000))
    status: Mapped[MailStatus] = mapped_column(
        Enum(MailStatus, native_enum=False, length=10, validate_strings=True,
             values_callable=lambda e: [m.value for m in e], name="mailstatus"),
        default=MailStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UndeliverableAddress(Base):
    """An address a mail server refused for good: nothing more is queued for it until the
    account's address changes or the secretariat clears it."""

    __tablename__ = "undeliverable_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

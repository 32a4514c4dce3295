"""What the API keeps of its own: the answers given to requests sent with an
Idempotency-Key (consult/api/idempotency.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, UTCDateTime, utcnow


class IdempotencyKey(Base):
    """The answer to one state-changing API request sent with an Idempotency-Key, stored in
    the same transaction as the change it answers, so that a retry with the same key gets
    this answer again instead of making the change twice.

    A key belongs to one account (UNIQUE: on PostgreSQL the constraint is what decides
    between two requests sent at once with the same key); rows older than
    IDEMPOTENCY_KEY_HOURS are ignored and purged.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    # SHA-256 (hex) of the request body as sent: the same key with another body is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    # The headers a retry must see again: Content-Type, Location, ETag.
    headers: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

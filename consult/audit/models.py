"""The append-only public log of publications and moderation actions."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, UTCDateTime, utcnow


class LogEntry(Base):
    """One action on the public record: who, when, what, why. Never updated or deleted."""

    __tablename__ = "log_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    consultation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("consultation.id"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    # Copied at the time of the action, so the log reads the same if the account changes.
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(100))  # e.g. version.publish
    target_type: Mapped[str] = mapped_column(String(100))
    target_id: Mapped[Optional[int]]
    target_label: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(LogEntry, "before_update")
@event.listens_for(LogEntry, "before_delete")
def _refuse_change(mapper, connection, entry) -> None:
    # The log is append-only (the database refuses too, see the moderation migration).
    raise RuntimeError("the moderation log is append-only")

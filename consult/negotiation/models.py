"""Silence procedures: a version put to delegations for adoption unless silence is broken."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import Delegation, User, _enum
from consult.db import Base, UTCDateTime, utcnow


class SilenceState(str, enum.Enum):
    """Where a silence procedure stands."""

    running = "running"  # before the deadline, nobody has broken silence
    broken = "broken"  # a Member State broke silence: the text is back in negotiation
    adopted = "adopted"  # the deadline passed unbroken: the text is adopted
    withdrawn = "withdrawn"  # the co-facilitators withdrew it before the deadline


class SilenceProcedure(Base):
    """One silence procedure on one published version.

    `state` is written by the conditional UPDATEs of consult/negotiation/silence.py, so
    that a break and the adoption can never both happen: each only changes a row still in
    the state it expects.
    """

    __tablename__ = "silence_procedure"
    __table_args__ = (Index("ix_silence_procedure_state_until", "state", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    state: Mapped[SilenceState] = mapped_column(_enum(SilenceState),
                                                default=SilenceState.running)
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    message: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    # When it ended: the first break, the withdrawal, or the deadline (adoption).
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")

    started_by: Mapped[Optional[User]] = relationship(foreign_keys=[started_by_id])
    ended_by: Mapped[Optional[User]] = relationship(foreign_keys=[ended_by_id])
    breaks: Mapped[list["SilenceBreak"]] = relationship(
        back_populates="procedure", order_by="SilenceBreak.at")


class SilenceBreak(Base):
    """A Member State's written statement breaking silence (one per delegation)."""

    __tablename__ = "silence_break"
    __table_args__ = (UniqueConstraint("procedure_id", "delegation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("silence_procedure.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    # The statement's language (where the delegate said it), for lang= on pages.
    language: Mapped[Optional[str]] = mapped_column(String(8))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    procedure: Mapped[SilenceProcedure] = relationship(back_populates="breaks")
    delegation: Mapped[Delegation] = relationship(lazy="joined")
    user: Mapped[Optional[User]] = relationship()

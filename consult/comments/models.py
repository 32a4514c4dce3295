"""Submissions (comments, replies, amendments, supports, general statements) and their edits."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import Delegation, User, _enum
from consult.db import Base, UTCDateTime, utcnow
from consult.drafts.models import Paragraph, ParagraphKey, Version


class SubmissionKind(str, enum.Enum):
    """What a delegation wrote."""

    comment = "comment"  # a comment on a paragraph, or a reply in a thread (with a parent)
    amendment = "amendment"  # replacement wording for the paragraph, with an explanation
    support = "support"  # support for another delegation's amendment (the parent)
    statement = "statement"  # a general statement on a whole version


class SubmissionStatus(str, enum.Enum):
    """Where a submission stands; none is ever deleted."""

    active = "active"
    withdrawn = "withdrawn"  # by its author: kept in the record, marked withdrawn


class Disposition(str, enum.Enum):
    """What the co-facilitators decided about a proposed amendment."""

    pending = "pending"
    incorporated = "incorporated"
    partly_incorporated = "partly_incorporated"
    not_retained = "not_retained"


class Submission(Base):
    """Anything a delegation writes on a version or one of its paragraphs."""

    __tablename__ = "submission"
    __table_args__ = (
        # A delegation supports an amendment at most once at a time; withdrawn supports
        # stay in the record, so the rule covers active ones only.
        Index("uq_submission_active_support", "parent_id", "delegation_id", unique=True,
              sqlite_where=text("kind = 'support' AND status = 'active'"),
              postgresql_where=text("kind = 'support' AND status = 'active'")),
        Index("ix_submission_author_created", "author_id", "created_at"),
        Index("ix_submission_delegation_created", "delegation_id", "created_at"),
        # The public list of a consultation's submissions, newest first, a page at a time.
        Index("ix_submission_consultation_created", "consultation_id", "created_at"),
        # Threads and counts by place (a version's paragraph, or its general statements),
        # answered from the index alone: the visibility flags, the thread and the time are
        # in it. (Indexes on the two flags alone misled SQLite's planner into reading half
        # the table to count one paragraph's submissions; they are gone.)
        Index("ix_submission_place", "version_id", "paragraph_id", "kind", "is_hidden",
              "under_hidden", "parent_id", "root_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    # None for a general statement on the version (and replies to it).
    paragraph_id: Mapped[Optional[int]] = mapped_column(ForeignKey("paragraph.id"), index=True)
    # The paragraph's key, copied so that later versions find the threads of earlier ones.
    key_id: Mapped[Optional[int]] = mapped_column(ForeignKey("paragraph_key.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("submission.id"), index=True)
    # The top of this submission's thread (None for the top itself), so that a page of
    # threads loads its replies with one indexed query and orders threads by their newest
    # activity in the database. Derived (kept by the services, like key_id), so no foreign
    # key: it is rebuilt from parent_id by the migration that added it.
    root_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    kind: Mapped[SubmissionKind] = mapped_column(_enum(SubmissionKind))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegation.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # Declared by the author (en, fr, es, ru, ar, zh); None when not said.
    language: Mapped[Optional[str]] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    proposed_text: Mapped[Optional[str]] = mapped_column(Text)
    # The proposal rendered like the paragraph (italics, links) with its word changes
    # marked, made when written (consult/comments/wording.py); `proposed_html` below.
    proposed_diff_html: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[SubmissionStatus] = mapped_column(
        _enum(SubmissionStatus), default=SubmissionStatus.active)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    edited_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    # Number of edits so far; an edit names the revision it started from (stale edits fail).
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Moderation: hidden submissions stay stored; only co-facilitators and the author see them.
    is_hidden: Mapped[bool] = mapped_column(default=False)
    hidden_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    # One of moderation.services.HIDE_REASONS, and the moderator's own words.
    hidden_reason_code: Mapped[Optional[str]] = mapped_column(String(32))
    hidden_reason: Mapped[Optional[str]] = mapped_column(Text)
    hidden_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    # Set on every reply (and support) below a hidden submission, so that no orphan of a
    # hidden thread shows on its own anywhere; kept by the hide and restore services.
    under_hidden: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Amendments only.
    disposition: Mapped[Optional[Disposition]] = mapped_column(_enum(Disposition))
    disposition_note: Mapped[Optional[str]] = mapped_column(Text)
    disposition_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    disposition_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"),
                                                             index=True)

    version: Mapped[Version] = relationship()
    paragraph: Mapped[Optional[Paragraph]] = relationship()
    key: Mapped[Optional[ParagraphKey]] = relationship()
    parent: Mapped[Optional["Submission"]] = relationship(remote_side="Submission.id")
    delegation: Mapped[Delegation] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])
    revisions: Mapped[list["SubmissionRevision"]] = relationship(
        back_populates="submission", order_by="SubmissionRevision.number")

    @property
    def is_withdrawn(self) -> bool:
        """Whether its author withdrew it."""
        return self.status == SubmissionStatus.withdrawn

    @property
    def is_concealed(self) -> bool:
        """Hidden by a moderator, itself or through a hidden submission above it."""
        return self.is_hidden or self.under_hidden

    @property
    def proposed_html(self) -> str | None:
        """The proposed wording rendered, without change marks (safe HTML)."""
        return _clean_wording(self.proposed_diff_html)

    @property
    def is_decided(self) -> bool:
        """A proposal the co-facilitators decided on (any disposition but pending)."""
        return self.disposition is not None and self.disposition != Disposition.pending

    @property
    def disposition_note_html(self) -> str:
        """The co-facilitators' note as inline HTML (their Markdown rendered, never raw)."""
        from consult.comments.wording import inline_html

        return inline_html(self.disposition_note) if self.disposition_note else ""

    @property
    def public_status(self) -> str:
        """The status as the API reports it: active, withdrawn or hidden."""
        return "hidden" if self.is_concealed else self.status.value


class SubmissionRevision(Base):
    """An earlier text of an edited submission, kept so an edit never replaces words silently."""

    __tablename__ = "submission_revision"
    __table_args__ = (Index("uq_submission_revision_number", "submission_id", "number",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    number: Mapped[int] = mapped_column(Integer)  # 0: the original text, 1: after the first edit…
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    proposed_text: Mapped[Optional[str]] = mapped_column(Text)
    proposed_diff_html: Mapped[Optional[str]] = mapped_column(Text)
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # when this text was written
    replaced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="revisions")

    @property
    def proposed_html(self) -> str | None:
        """This earlier wording rendered, without change marks (safe HTML)."""
        return _clean_wording(self.proposed_diff_html)


def _clean_wording(marked: str | None) -> str | None:
    """The clean wording derived from the marked one: one stored rendering, never two that
    could disagree."""
    from consult.comments.wording import clean_from_marked

    return None if marked is None else clean_from_marked(marked)

"""Consultations, versions, paragraphs and the keys that follow a paragraph across versions."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

from sqlalchemy import (Column, Date, Float, ForeignKey, Integer, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User, _enum
from consult.db import Base, UTCDateTime, utcnow


# The six official languages of the United Nations, in the UN's own order (alphabetical in
# English): the languages a version's text may be written or translated in.
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


class ConsultationStatus(str, enum.Enum):
    """Whether a consultation is still running."""

    open = "open"  # versions may be published and commented on
    closed = "closed"  # the record is final; reading goes on


class VersionStatus(str, enum.Enum):
    """Life of one text of the draft."""

    draft = "draft"  # being prepared; seen only by co-facilitators and the secretariat
    published = "published"  # public; open for comment until its deadline
    superseded = "superseded"  # public; a later version has been published
    final = "final"  # public; the agreed text


class ParagraphStatus(str, enum.Enum):
    """How far the negotiation of one paragraph of one version has come."""

    open = "open"  # still under negotiation (the default)
    agreed_ad_ref = "agreed_ad_ref"  # agreed ad referendum: pending capitals' confirmation
    agreed = "agreed"  # agreed
    deleted = "deleted"  # deleted by agreement: kept visible, struck through


class ParagraphKind(str, enum.Enum):
    """What a paragraph is in UN drafting."""

    heading = "heading"  # section heading
    preambular = "preambular"  # PP1…: unnumbered (before the operative part, or a chapeau within it)
    operative = "operative"  # OP1…: numbered
    subparagraph = "subparagraph"  # OP9(a)…: lettered item inside an operative paragraph


class MatchStatus(str, enum.Enum):
    """How a paragraph relates to its predecessor in the version it was based on."""

    kept = "kept"  # same text, same place (renumbering alone counts as kept)
    edited = "edited"  # text changed
    moved = "moved"  # order changed relative to its neighbours (maybe edited too)
    new = "new"  # no predecessor: a new key


# The co-facilitator accounts that run a consultation (the secretariat runs every one).
consultation_staff = Table(
    "consultation_staff", Base.metadata,
    Column("consultation_id", ForeignKey("consultation.id"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True, index=True),
)


class Consultation(Base):
    """One consultation process with its mandate and co-facilitators."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    mandate: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # The language its title, mandate and description are written in (pages mark them so).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    cofacilitators: Mapped[str] = mapped_column(Text, default="")
    # Membership of the United Nations is counted as of this date (192 States in 2010).
    reference_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    status: Mapped[ConsultationStatus] = mapped_column(
        _enum(ConsultationStatus), default=ConsultationStatus.open)
    # seq of the newest published version (0: none yet). Publishing compares and sets it
    # in one UPDATE, so two co-facilitators publishing at once cannot fork the text.
    head_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list["Version"]] = relationship(
        back_populates="consultation", order_by="Version.seq")
    staff: Mapped[list[User]] = relationship(secondary=consultation_staff, order_by=User.name)

    def is_run_by(self, user) -> bool:
        """Whether this account is one of the consultation's co-facilitators."""
        return any(member.id == user.id for member in self.staff)


class Version(Base):
    """One text of the draft: zero draft, Rev.1…; never edited once published."""

    __tablename__ = "version"
    __table_args__ = (
        UniqueConstraint("consultation_id", "label"),
        UniqueConstraint("consultation_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order of creation within the consultation
    label: Mapped[str] = mapped_column(String(100))
    symbol: Mapped[Optional[str]] = mapped_column(String(100))  # UN document symbol
    status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus), default=VersionStatus.draft)
    based_on_id: Mapped[Optional[int]] = mapped_column(ForeignKey("version.id"), index=True)
    source_text: Mapped[str] = mapped_column(Text)  # the Markdown as imported
    # The language the text was negotiated in; translations are kept beside it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    comments_close_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    consultation: Mapped[Consultation] = relationship(back_populates="versions")
    based_on: Mapped[Optional["Version"]] = relationship(remote_side="Version.id")
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[Optional[User]] = relationship(foreign_keys=[published_by_id])
    paragraphs: Mapped[list["Paragraph"]] = relationship(
        back_populates="version", order_by="Paragraph.position", cascade="all, delete-orphan")
    translations: Mapped[list["VersionTranslation"]] = relationship(
        back_populates="version", order_by="VersionTranslation.language",
        cascade="all, delete-orphan")

    @property
    def is_public(self) -> bool:
        """Whether the public may read this version."""
        return self.status != VersionStatus.draft

    @property
    def brackets(self) -> int:
        """Bracketed passages in the whole text: the sum of its paragraphs' counts."""
        return sum(paragraph.brackets for paragraph in self.paragraphs)


class ParagraphKey(Base):
    """The identity of a paragraph across versions of one consultation."""

    __tablename__ = "paragraph_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)
    created_in_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    # Set when a version without this paragraph is published: the key's life ends there.
    ended_in_id: Mapped[Optional[int]] = mapped_column(ForeignKey("version.id"), index=True)


class Paragraph(Base):
    """One paragraph of one version: the unit of comment."""

    __tablename__ = "paragraph"
    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        UniqueConstraint("version_id", "label"),
        UniqueConstraint("version_id", "key_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("paragraph_key.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ParagraphKind] = mapped_column(_enum(ParagraphKind))
    label: Mapped[str] = mapped_column(String(100))
    number: Mapped[Optional[str]] = mapped_column(String(20))
    parent_label: Mapped[Optional[str]] = mapped_column(String(100))
    heading_level: Mapped[Optional[int]] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # Bracketed passages (unagreed text) in `text`, nested ones included: counted when the
    # paragraph is saved (consult/drafts/brackets.py), so pages and the API only read it.
    brackets: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    match_status: Mapped[MatchStatus] = mapped_column(_enum(MatchStatus), default=MatchStatus.new)
    match_similarity: Mapped[Optional[float]] = mapped_column(Float)
    # The predecessor's label, kept so the review and diffs can say "was OP3".
    previous_label: Mapped[Optional[str]] = mapped_column(String(100))
    # Set by the co-facilitators (consult/negotiation/status.py); carried into the next
    # version while the text stays the same. Its history is the public log.
    status: Mapped[ParagraphStatus] = mapped_column(
        _enum(ParagraphStatus), default=ParagraphStatus.open, server_default="open")
    status_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    status_changed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    version: Mapped[Version] = relationship(back_populates="paragraphs")
    key: Mapped[ParagraphKey] = relationship(lazy="joined")

    @property
    def text_language(self) -> str:
        """The language of `text` and `html`: the version's original language."""
        return self.version.language

    @property
    def anchor(self) -> str:
        """The fragment identifier of this paragraph on its version page (#OP12, #OP9_a).

        Labels never contain "_", so this is one-to-one (OP1(1) → OP1_1, OP11 → OP11).
        """
        return paragraph_anchor(self.label)


def paragraph_anchor(label: str) -> str:
    """The fragment identifier for a paragraph label, for lists that load labels only."""
    return label.replace("(", "_").replace(")", "").replace(" ", "")


class VersionTranslation(Base):
    """The whole text of a version in another UN language, paragraph for paragraph."""

    __tablename__ = "version_translation"
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    source_text: Mapped[str] = mapped_column(Text)  # the Markdown as imported
    # The fingerprint of the original text it was made from: a draft whose text changed
    # afterwards shows the translation as needing a new import.
    original_stamp: Mapped[str] = mapped_column(String(64), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[Version] = relationship(back_populates="translations")
    created_by: Mapped[Optional[User]] = relationship()
    paragraphs: Mapped[list["ParagraphTranslation"]] = relationship(
        back_populates="translation", cascade="all, delete-orphan")


class ParagraphTranslation(Base):
    """One paragraph of a version in another language; threads stay on the paragraph."""

    __tablename__ = "paragraph_translation"
    __table_args__ = (UniqueConstraint("paragraph_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("version_translation.id"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraph.id"), index=True)
    # Copied from the translation so a page can load one language's paragraphs in one query.
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # Bracketed passages in this translation's text (pages show the original's count).
    brackets: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    translation: Mapped[VersionTranslation] = relationship(back_populates="paragraphs")

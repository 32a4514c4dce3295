"""Delegations, user accounts, log-in sessions, failed log-ins and API tokens."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import Base, UTCDateTime, utcnow


class DelegationKind(str, enum.Enum):
    """Who a delegation is; decides what its members may do."""

    member_state = "member_state"  # one of the 193 UN Member States
    observer_state = "observer_state"  # non-member observer State (Holy See, State of Palestine)
    group = "group"  # negotiating or regional group speaking for several States (EU, G77)
    igo = "igo"  # intergovernmental organisation
    ngo = "ngo"  # non-governmental organisation
    un_entity = "un_entity"  # UN office, agency, fund or programme


class Role(str, enum.Enum):
    """What an account may do across the platform."""

    delegate = "delegate"  # speaks for a Member State or group: comments, amendments, support
    observer = "observer"  # speaks for an observer, IGO, NGO or UN entity
    cofacilitator = "cofacilitator"  # publishes versions, moderates, decides on proposals
    secretariat = "secretariat"  # manages accounts and delegations; can do what co-facilitators do


def _enum(cls):
    # Store enum values as plain strings with a CHECK constraint on both databases.
    return Enum(cls, native_enum=False, length=20, validate_strings=True,
                values_callable=lambda e: [m.value for m in e], name=cls.__name__.lower())


class Delegation(Base):
    """Who speaks: a State, a group, an IGO, an NGO or a UN entity."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[DelegationKind] = mapped_column(_enum(DelegationKind))
    # Names in the six UN languages: {"en": …, "fr": …, "es": …, "ru": …, "ar": …, "zh": …}
    names: Mapped[dict] = mapped_column(JSON)
    name_en: Mapped[str] = mapped_column(String(200))
    m49: Mapped[Optional[str]] = mapped_column(String(3))
    admitted_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    is_reference: Mapped[bool] = mapped_column(default=False)  # loaded by `init`, not added by hand
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["User"]] = relationship(back_populates="delegation")

    def name(self, locale: str = "en") -> str:
        """The delegation's name in a UN language, English when missing."""
        return (self.names or {}).get(locale) or self.name_en


class User(UserMixin, Base):
    """An account; delegates and observers speak for exactly one delegation."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role))
    delegation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delegation.id"), index=True)
    is_disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The interface language the user chose (one of the six); None: follow the browser.
    language: Mapped[Optional[str]] = mapped_column(String(8))

    delegation: Mapped[Optional[Delegation]] = relationship(back_populates="members", lazy="joined")

    # Set by the login manager: the server-side session this request authenticated with.
    current_login = None

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in
        return not self.is_disabled

    def get_id(self) -> str:
        # Flask-Login keeps this in the cookie; it names the server-side login session,
        # not the user, so that logging out on the server makes a copied cookie useless.
        return self.current_login.token if self.current_login else ""


class LoginSession(Base):
    """One log-in: the cookie holds its random token; logout revokes it."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """A failed log-in attempt, kept for throttling."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_at", "email", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown so users can tell tokens apart
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class TokenPurpose(str, enum.Enum):
    """What a link sent by e-mail lets its holder do, once."""

    invitation = "invitation"  # set the first password of an account the secretariat made
    password_reset = "password_reset"  # set a new password after forgetting it


class AccountToken(Base):
    """A single-use link sent by e-mail; only its SHA-256 is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set when used, or when a newer link of the same purpose replaced it.
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class PasswordResetRequest(Base):
    """A request for a password-reset link, known address or not, kept for throttling."""

    __tablename__ = "password_reset_request"
    __table_args__ = (Index("ix_password_reset_request_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Links sent by e-mail that let their holder set a password once: the invitation to a
new account, and the reset of a forgotten password.

The link carries 256 random bits; only their SHA-256 is stored. A link works once, until
it expires, and only while it is the newest of its kind for the account; using it ends
every session and API token of the account (whoever had the old password is out).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from consult import permissions
from consult.auth.models import AccountToken, PasswordResetRequest, TokenPurpose, User
from consult.auth.services import client_key, reset_password
from consult.db import db, utcnow
from consult.errors import Invalid, NotFound, TooMany
from consult.mail.outbox import mail_url, queue_message


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_link(user: User, purpose: TokenPurpose, lifetime: dt.timedelta) -> tuple[
        AccountToken, str]:
    """A new link for `user`; the older unused ones of the same purpose stop working."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None))
        .values(used_at=now))
    secret = secrets.token_urlsafe(32)
    token = AccountToken(user_id=user.id, purpose=purpose, token_hash=_digest(secret),
                         created_at=now, expires_at=now + lifetime)
    db.session.add(token)
    db.session.flush()
    return token, secret


def _link_url(secret: str) -> str:
    return mail_url("auth.set_password", token=secret)


def invite(actor, user: User) -> AccountToken:
    """Send `user` an invitation to choose a password (again: the older link stops
    working); in the caller's transaction."""
    permissions.require(actor, "manage_users", user)
    if user.is_disabled:
        raise Invalid(_("This account is disabled: enable it before inviting its owner."))
    token, secret = _new_link(user, TokenPurpose.invitation,
                              dt.timedelta(days=current_app.config["INVITATION_DAYS"]))
    queue_message(f"invitation:{user.id}:{token.id}", user, "invitation",
                  link=_link_url(secret), expires_at=token.expires_at)
    return token


def pending_invitation(user: User) -> AccountToken | None:
    """The account's invitation still waiting to be used, if any."""
    return db.session.scalar(
        select(AccountToken)
        .where(AccountToken.user_id == user.id,
               AccountToken.purpose == TokenPurpose.invitation,
               AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())
        .order_by(AccountToken.id.desc()).limit(1))


def request_password_reset(email: str, address: str) -> None:
    """Send a reset link if `email` names an enabled account; the caller answers the same
    either way. TooMany when this network address has asked too often."""
    config = current_app.config
    address = client_key(address)[:64]
    hour_ago = utcnow() - dt.timedelta(hours=1)
    asked = db.session.scalar(select(func.count(PasswordResetRequest.id)).where(
        PasswordResetRequest.address == address, PasswordResetRequest.at > hour_ago))
    if asked >= config["PASSWORD_RESET_PER_ADDRESS"]:
        raise TooMany(_("Too many requests for password links from your network. Try again "
                        "in an hour."))
    db.session.add(PasswordResetRequest(address=address, at=utcnow()))
    user = db.session.scalar(select(User).where(
        User.email == (email or "").strip().lower()))
    if user is None or user.is_disabled:
        return
    sent = db.session.scalar(select(func.count(AccountToken.id)).where(
        AccountToken.user_id == user.id, AccountToken.purpose == TokenPurpose.password_reset,
        AccountToken.created_at > hour_ago))
    if sent >= config["PASSWORD_RESET_PER_ACCOUNT"]:
        return  # the owner has links enough; a flood of messages helps nobody
    token, secret = _new_link(user, TokenPurpose.password_reset,
                              dt.timedelta(minutes=config["PASSWORD_RESET_MINUTES"]))
    queue_message(f"password_reset:{user.id}:{token.id}", user, "password_reset",
                  link=_link_url(secret), expires_at=token.expires_at)


def working_link(secret: str) -> AccountToken | None:
    """The link whose secret this is, if it still works, else None."""
    token = db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == _digest(secret or "")))
    if token is None or token.used_at is not None or token.expires_at <= utcnow() \
            or token.user.is_disabled:
        return None
    return token


def find_link(secret: str) -> AccountToken:
    """The link whose secret this is, if it still works; NotFound otherwise (unknown,
    altered, used, replaced by a newer one, expired, or its account disabled)."""
    token = working_link(secret)
    if token is None:
        raise NotFound(_("This link no longer works: it has been used, replaced by a newer "
                         "one, or it has expired. You can ask for a new one."))
    return token


def set_password_with_link(secret: str, password: str, confirmation: str) -> User:
    """Set the account's password through its link, which then stops working."""
    token = find_link(secret)
    if password != confirmation:
        raise Invalid(_("The two passwords are not the same."), field="password")
    user = token.user
    reset_password(user, user, password)  # the policy, and every session and token ends
    token.used_at = utcnow()
    db.session.flush()
    return user

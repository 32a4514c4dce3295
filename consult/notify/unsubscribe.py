"""Unsubscribe links: signed with the app's secret, they name one account and what it
stops receiving, and need no log-in (RFC 8058: a mail program posts to them directly)."""

from __future__ import annotations

import dataclasses

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from consult.auth.models import User
from consult.db import db
from consult.drafts.models import Consultation
from consult.errors import NotFound
from consult.mail.outbox import mail_url
from consult.notify.models import CATEGORIES, Frequency, NotificationPreference
from consult.notify.preferences import record_choice

SALT = "unsubscribe"
# What a daily summary's link stops: every choice of "daily" becomes "none".
DIGEST = "digest"


@dataclasses.dataclass
class Unsubscription:
    """What a link stops: one category of one consultation, or the daily summary."""

    user: User
    consultation: Consultation | None
    category: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user_id: int, consultation_id: int | None, category: str) -> str:
    """The signed token of an unsubscribe link."""
    return _serializer().dumps([user_id, consultation_id, category])


def unsubscribe_url(user_id: int, consultation_id: int | None, category: str) -> str:
    """The absolute unsubscribe address, for a message."""
    return mail_url("notify.unsubscribe",
                    token=unsubscribe_token(user_id, consultation_id, category))


def read_unsubscribe_token(token: str) -> Unsubscription:
    """What the link stops; NotFound when it was altered or names nothing that exists."""
    refused = NotFound(_("This unsubscribe link is not valid: it may have been cut short or "
                         "altered when copied. Open the link from the message again, or "
                         "change your notifications on the consultation's page."))
    try:
        user_id, consultation_id, category = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise refused from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise refused
    if category == DIGEST and consultation_id is None:
        return Unsubscription(user, None, DIGEST)
    consultation = db.session.get(Consultation, consultation_id) \
        if isinstance(consultation_id, int) else None
    if consultation is None or category not in CATEGORIES:
        raise refused
    return Unsubscription(user, consultation, category)


def unsubscribe(token: str) -> Unsubscription:
    """Stop what the link names, for the account it names (whoever follows it)."""
    found = read_unsubscribe_token(token)
    if found.category == DIGEST:
        for preference in db.session.scalars(select(NotificationPreference).where(
                NotificationPreference.user_id == found.user.id,
                NotificationPreference.frequency == Frequency.daily)):
            preference.frequency = Frequency.none
    else:
        record_choice(found.user.id, found.consultation.id, found.category, Frequency.none)
    return found

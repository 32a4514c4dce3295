"""Each person's choices, per consultation, of what they are told and how often."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from consult import permissions
from consult.db import db
from consult.errors import Invalid
from consult.notify.models import (CATEGORIES, DEFAULT_FREQUENCY, Frequency,
                                   NotificationPreference)


def notification_choices(actor, consultation) -> dict[str, Frequency]:
    """The actor's frequency for each category in this consultation (defaults filled in)."""
    permissions.require(actor, "choose_notifications", consultation)
    return _choices_of(actor.id, consultation.id)


def _choices_of(user_id: int, consultation_id: int) -> dict[str, Frequency]:
    chosen = dict(db.session.execute(
        select(NotificationPreference.category, NotificationPreference.frequency).where(
            NotificationPreference.user_id == user_id,
            NotificationPreference.consultation_id == consultation_id)).all())
    return {category: chosen.get(category, DEFAULT_FREQUENCY[category])
            for category in CATEGORIES}


def _clean_choices(values: dict) -> dict[str, Frequency]:
    unknown = sorted(set(values) - set(CATEGORIES))
    if unknown:
        raise Invalid(_("Unknown kind of notification: %(names)s. Nothing was changed.",
                        names=", ".join(unknown)), field=unknown[0])
    cleaned = {}
    for category in CATEGORIES:
        value = values.get(category)
        if value not in Frequency.__members__:
            raise Invalid(_("Choose at once, daily or never for each kind of notification. "
                            "Nothing was changed."), field=category)
        cleaned[category] = Frequency(value)
    return cleaned


def save_notification_choices(actor, consultation, values: dict) -> dict[str, Frequency]:
    """Record the actor's choice for every category (all four are required)."""
    permissions.require(actor, "choose_notifications", consultation)
    choices = _clean_choices(values)
    for category, frequency in choices.items():
        record_choice(actor.id, consultation.id, category, frequency)
    return choices


def record_choice(user_id: int, consultation_id: int, category: str,
                  frequency: Frequency) -> None:
    """Set one choice of one account, in the caller's transaction (no check: the callers
    have checked who may)."""
    found = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id,
        NotificationPreference.consultation_id == consultation_id,
        NotificationPreference.category == category))
    if found is None:
        db.session.add(NotificationPreference(user_id=user_id, consultation_id=consultation_id,
                                              category=category, frequency=frequency))
    else:
        found.frequency = frequency

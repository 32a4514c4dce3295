"""Words people type (notes, reasons, statements, messages) as they are stored."""

from __future__ import annotations

from flask_babel import gettext as _

from consult.errors import Invalid


def clean_words(value, *, field: str, limit: int, required_message: str | None = None) -> str:
    """The text trimmed, line endings made "\\n"; Invalid if it is not text, holds a NUL,
    is longer than `limit`, or is empty when `required_message` is given (said then)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(_("The text must be a string."), field=field)
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in value:
        raise Invalid(_("The text contains a NUL character, which cannot be stored."),
                      field=field)
    if len(value) > limit:
        raise Invalid(_("Keep it under %(count)d characters.", count=limit), field=field)
    if required_message is not None and not value:
        raise Invalid(required_message, field=field)
    return value

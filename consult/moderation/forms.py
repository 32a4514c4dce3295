"""Forms of the moderation package (CSRF comes with FlaskForm).

They read what the moderators' forms send; the services check it and say what is wrong.
"""

from wtforms import SelectMultipleField, StringField, TextAreaField

from consult.pages import SentForm
from consult.urls import safe_local_path


class ModerationForm(SentForm):
    """Hide, restore or decide on one submission, with the page to come back to."""

    reason_code = StringField()
    reason = TextAreaField()
    disposition = StringField()
    note = TextAreaField()
    next = StringField()

    def values(self) -> dict[str, str]:
        """The fields as sent, `next` only when it is a path on this site (it is echoed)."""
        values = super().values()
        values["next"] = safe_local_path(values["next"], "")
        return values


class DispositionsForm(SentForm):
    """One disposition for many proposals at once."""

    disposition = StringField()
    note = TextAreaField()
    ids = SelectMultipleField(validate_choice=False)

    def submission_ids(self) -> list[int] | None:
        """The proposals chosen, or None when one of them is not an id."""
        raw = self.ids.data or []
        if not all(r.isascii() and r.isdigit() and len(r) < 11 for r in raw):
            return None
        return [int(r) for r in raw]


class DeadlineChangeForm(SentForm):
    """Close a comment period now (action=close) or move its deadline."""

    action = StringField()
    comments_close_at = StringField()
    reason = TextAreaField()

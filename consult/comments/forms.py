"""Forms of the comments package (CSRF comes with FlaskForm).

They read what a submission's forms send; the services check it and say what is wrong, so
a refused text comes back exactly as it was typed.
"""

from wtforms import StringField, TextAreaField

from consult.pages import SentForm


class SubmissionForm(SentForm):
    """A comment, a reply, a proposed amendment or a general statement."""

    kind = StringField()
    body = TextAreaField()
    proposed_text = TextAreaField()
    parent_id = StringField()
    language = StringField()

    def parent(self) -> int | None:
        """The submission answered: None for a new conversation; -1 for what is not an id
        (the service refuses it with a clear message)."""
        raw = (self.parent_id.data or "").strip()
        if not raw:
            return None
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else -1


class EditForm(SentForm):
    """One's own submission, edited; `revision` is the one the author started from."""

    body = TextAreaField()
    proposed_text = TextAreaField()
    revision = StringField()

    def expected_revision(self) -> int:
        """The revision edited, or -1 (refused as stale) for what is not a number."""
        raw = self.revision.data or ""
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else -1

"""Forms of the drafts package."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class ConsultationForm(FlaskForm):
    slug = StringField(_l("Short name for addresses"), validators=[Length(max=64)])
    title = StringField(_l("Title"), validators=[Length(max=300)])
    mandate = TextAreaField(_l("Mandate"), validators=[Length(max=5000)])
    cofacilitators = TextAreaField(_l("Co-facilitators"), validators=[Length(max=2000)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    reference_date = DateField(_l("Membership counted as of"), validators=[Optional()])


class VersionForm(FlaskForm):
    # The button pressed (preview or save), the version followed, the draft's stamp when
    # it was opened (a change made meanwhile by someone else is refused, not overwritten).
    action = StringField()
    based_on = StringField()
    stamp = StringField()
    label = StringField(_l("Label"), validators=[Length(max=100)])
    symbol = StringField(_l("UN document symbol (optional)"), validators=[Length(max=100)])
    comments_close_at = StringField(_l("Comments close at (UTC, e.g. 2010-06-30 18:00)"),
                                    validators=[Length(max=40)])
    text = TextAreaField(_l("Text (Markdown)"))
    upload = FileField(_l("…or upload a Markdown file"))


class DeadlineForm(FlaskForm):
    comments_close_at = StringField(_l("Comments close at (UTC)"), validators=[Length(max=40)])


class MatchForm(FlaskForm):
    old_label = StringField(validators=[Length(max=40)])
    paragraph_id = StringField()


class ConfirmForm(FlaskForm):
    """A button pressed twice: the first press asks (confirm absent), the second does."""

    confirm = StringField()
    confirm_numbering = StringField()

    def confirmed(self) -> bool:
        """Whether this is the second press."""
        return self.confirm.data == "yes"


class CofacilitatorForm(FlaskForm):
    """Assign an account to a consultation's co-facilitators, or remove it."""

    email = StringField()
    action = StringField()


class TranslationForm(FlaskForm):
    """A version's text in another language, typed or uploaded."""

    language = StringField()
    text = TextAreaField()
    upload = FileField()

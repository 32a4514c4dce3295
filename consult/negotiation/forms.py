"""Forms of the negotiation pages (CSRF comes with FlaskForm); the services check values."""

from wtforms import SelectMultipleField, StringField, TextAreaField

from consult.pages import SentForm


class StatusForm(SentForm):
    """One status, with a note, for one paragraph or many (`labels`)."""

    status = StringField()
    note = TextAreaField()
    labels = SelectMultipleField(validate_choice=False)


class SilenceForm(SentForm):
    """Put a version under silence: the deadline and the message to delegations."""

    until = StringField()
    message = TextAreaField()


class BreakForm(SentForm):
    """A Member State's statement breaking silence."""

    statement = TextAreaField()
    language = StringField()


class WithdrawForm(SentForm):
    """Why a silence procedure is withdrawn."""

    reason = TextAreaField()

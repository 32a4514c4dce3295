"""Forms of the auth package (CSRF comes with FlaskForm)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


ROLE_CHOICES = [SelectChoice("delegate", _l("Delegate")), SelectChoice("observer", _l("Observer")),
                SelectChoice("cofacilitator", _l("Co-facilitator")),
                SelectChoice("secretariat", _l("Secretariat"))]


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    delegation = SelectField(_l("Delegation"), choices=[], validate_choice=False)
    # Empty: the person is sent an invitation to choose their own.
    password = PasswordField(_l("Initial password"), validators=[Length(max=1024)])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirmation = PasswordField(_l("The same password again"),
                                 validators=[DataRequired(), Length(max=1024)])


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[Length(max=100)])


class DelegationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=12)])
    kind = SelectField(_l("Type"), choices=[
        SelectChoice("ngo", _l("Non-governmental organisation")),
        SelectChoice("igo", _l("Intergovernmental organisation")),
        SelectChoice("un_entity", _l("United Nations entity"))])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    name_fr = StringField(_l("Name (French)"), validators=[Length(max=200)])
    name_es = StringField(_l("Name (Spanish)"), validators=[Length(max=200)])
    name_ru = StringField(_l("Name (Russian)"), validators=[Length(max=200)])
    name_ar = StringField(_l("Name (Arabic)"), validators=[Length(max=200)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[Length(max=200)])


class DisableForm(FlaskForm):
    disabled = BooleanField(_l("Disabled"))

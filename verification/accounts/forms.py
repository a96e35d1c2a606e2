from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, StopValidation

from .passwords import MIN_LENGTH


def at_most(n: int):
    """Stop validation of a field longer than ``n`` characters before costlier validators run
    (the email validator's time grows with the square of long non-ASCII input)."""

    def check(form, field):
        if field.data and len(field.data) > n:
            raise StopValidation(_l("At most %(n)d characters.", n=n))

    return check


SECTORS = [
    SelectChoice("textiles", _l("Textiles and apparel")),
    SelectChoice("electronics", _l("Electronics")),
    SelectChoice("machinery", _l("Machinery")),
    SelectChoice("chemicals", _l("Chemicals")),
    SelectChoice("steel", _l("Iron and steel")),
    SelectChoice("aluminium", _l("Aluminium")),
    SelectChoice("food", _l("Food and agriculture")),
    SelectChoice("services", _l("Services")),
    SelectChoice("other", _l("Other")),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class RegisterForm(FlaskForm):
    organisation = StringField(
        _l("Organisation name"), validators=[DataRequired(), Length(max=200)]
    )
    country = StringField(
        _l("Country (ISO code, e.g. CN)"), validators=[DataRequired(), Length(min=2, max=2)]
    )
    sector = SelectField(_l("Sector"), choices=SECTORS)
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), at_most(254), Email()])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat password"), validators=[EqualTo("password", message=_l("Passwords differ."))]
    )


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), at_most(254), Email()])
    role = SelectField(_l("Role"))


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat password"), validators=[EqualTo("password", message=_l("Passwords differ."))]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat password"), validators=[EqualTo("password", message=_l("Passwords differ."))]
    )


class NewOrganisationForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("verification_body", _l("Verification body")),
            SelectChoice("lender", _l("Lender")),
        ],
    )
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    country = StringField(
        _l("Country (ISO code)"), validators=[DataRequired(), Length(min=2, max=2)]
    )
    admin_email = EmailField(
        _l("Email of its first administrator"),
        validators=[DataRequired(), at_most(254), Email()],
    )

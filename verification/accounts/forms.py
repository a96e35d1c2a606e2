from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, StopValidation

from .passwords import MIN_LENGTH


def at_most(n: int):
    """Stop validation of a field longer than ``n`` characters before costlier validators run
    (the email validator's time grows with the square of long non-ASCII input)."""

    def check(form, field):
        if field.data and len(field.data) > n:
            raise StopValidation(_l("At most %(n)d characters.", n=n))

    return check


def sector_choices(blank) -> list[SelectChoice]:
    """The NACE Rev. 2 sections (verification/sectors.py), after a blank first choice."""
    from ..i18n import translate
    from ..sectors import CODES, label

    return [SelectChoice("", blank)] + [SelectChoice(c, translate(label(c))) for c in CODES]


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
    sector = SelectField(
        _l("Sector (NACE Rev. 2 section of your main activity)"), validators=[DataRequired()]
    )
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), at_most(254), Email()])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat password"), validators=[EqualTo("password", message=_l("Passwords differ."))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = sector_choices(_l("Choose a sector"))


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
    sector = SelectField(
        _l("Sector (NACE Rev. 2 section), if any"), default="", validators=[Optional()]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = sector_choices(_l("None"))


class OrganisationProfileForm(FlaskForm):
    """An organisation's country and sector (accounts/services.update_organisation)."""

    country = StringField(
        _l("Country (ISO code, e.g. CN)"), validators=[DataRequired(), Length(min=2, max=2)]
    )
    sector = SelectField(
        _l("Sector (NACE Rev. 2 section of the main activity)"),
        default="",
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = sector_choices(_l("None recorded"))

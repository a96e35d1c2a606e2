from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from ..accounts.forms import at_most
from .models import BOUNDARIES, SITE_MAX, SITES_MAX

# The consolidation approaches (cases/models.py BOUNDARIES), as people read them.
BOUNDARY_CHOICES = [
    SelectChoice("operational_control", _l("Operational control")),
    SelectChoice("financial_control", _l("Financial control")),
    SelectChoice("equity_share", _l("Equity share")),
]
assert [c.value for c in BOUNDARY_CHOICES] == list(BOUNDARIES)


class CaseScopeForm(FlaskForm):
    """What the statement prints about a case's scope; set when it is opened, changed while
    it is a draft."""

    sites = TextAreaField(
        _l("Sites the case covers, one per line (name and address)"),
        validators=[Optional(), Length(max=SITES_MAX * (SITE_MAX + 1))],
    )
    boundary = SelectField(
        _l("Organisational boundary"),
        choices=[SelectChoice("", _l("Not stated")), *BOUNDARY_CHOICES],
        validators=[Optional()],
    )


class OpenCaseForm(CaseScopeForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    methodology = SelectField(_l("Methodology"), validators=[DataRequired()])
    verification_body = SelectField(_l("Verification body"), coerce=int)
    period_start = DateField(_l("Reporting period starts"), validators=[DataRequired()])
    period_end = DateField(_l("Reporting period ends"), validators=[DataRequired()])
    consultant_email = EmailField(
        _l("Email of an adviser who helped prepare this submission, if any"),
        validators=[Optional(), at_most(254), Email()],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


class ActionForm(FlaskForm):
    """A workflow button: CSRF plus an optional reason for the audit trail."""

    reason = TextAreaField(_l("Reason or comment"), validators=[Optional(), Length(max=2000)])

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..accounts.forms import at_most


class OpenCaseForm(FlaskForm):
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

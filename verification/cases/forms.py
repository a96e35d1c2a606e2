from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class OpenCaseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    methodology = SelectField(_l("Methodology"), validators=[DataRequired()])
    verification_body = SelectField(_l("Verification body"), coerce=int)
    period_start = DateField(_l("Reporting period starts"), validators=[DataRequired()])
    period_end = DateField(_l("Reporting period ends"), validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A workflow button: CSRF plus an optional reason for the audit trail."""

    reason = TextAreaField(_l("Reason or comment"), validators=[Optional(), Length(max=2000)])

"""Forms of the roster pages: accreditations and declared conflicts of interest."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional


class AccreditationForm(FlaskForm):
    person = SelectField(_l("Person"), coerce=int)
    methodology_codes = SelectMultipleField(
        _l("Methodologies or schemes covered"), validators=[DataRequired()]
    )
    sectors = SelectMultipleField(_l("Sectors covered (NACE Rev. 2)"), validators=[DataRequired()])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_to = DateField(_l("Valid to (last day)"), validators=[DataRequired()])
    accreditation_body = StringField(
        _l("Accreditation body (e.g. CNAS, UKAS)"), validators=[DataRequired(), Length(max=100)]
    )
    number = StringField(_l("Accreditation number"), validators=[DataRequired(), Length(max=100)])


class ConflictForm(FlaskForm):
    person = SelectField(_l("Person"), coerce=int)
    organisation = SelectField(_l("Organisation"), coerce=int)
    relationship = StringField(
        _l("Relationship (e.g. former employee, consultant, shareholder, family member)"),
        validators=[DataRequired(), Length(max=200)],
    )
    started_on = DateField(_l("Since"), validators=[DataRequired()])
    ended_on = DateField(_l("Until (empty if ongoing)"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A button: CSRF only."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

OUTCOME_CHOICES = [
    SelectChoice("conforms", _l("Conforms")),
    SelectChoice("observation", _l("Observation")),
    SelectChoice("minor_nc", _l("Minor non-conformity")),
    SelectChoice("major_nc", _l("Major non-conformity")),
    SelectChoice("not_applicable", _l("Not applicable")),
]


class AssignForm(FlaskForm):
    verifier = SelectField(_l("Verifier"), coerce=int)  # the lead verifier
    team = SelectMultipleField(_l("Other team members"), coerce=int)
    reviewer = SelectField(_l("Technical reviewer"), coerce=int)
    due_on = DateField(_l("Due date"), validators=[Optional()])
    reason = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class FindingForm(FlaskForm):
    outcome = RadioField(_l("Finding"), choices=OUTCOME_CHOICES, validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])

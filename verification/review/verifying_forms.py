from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

ASSURANCE_CHOICES = [
    SelectChoice("limited", _l("Limited assurance")),
    SelectChoice("reasonable", _l("Reasonable assurance")),
]
OPINION_CHOICES = [
    SelectChoice("unmodified", _l("Unmodified")),
    SelectChoice("modified", _l("Modified (qualified)")),
    SelectChoice("adverse", _l("Adverse")),
    SelectChoice("disclaimer", _l("Disclaimer of opinion")),
]


class CorrectionForm(FlaskForm):
    body = TextAreaField(_l("What was corrected"), validators=[DataRequired(), Length(max=5000)])
    file = FileField(_l("New evidence (optional)"))


class RespondForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("close", _l("Close the non-conformity")),
            SelectChoice("keep_open", _l("Keep it open")),
        ],
        validators=[DataRequired()],
    )
    body = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class ConclusionForm(FlaskForm):
    assurance_level = SelectField(_l("Level of assurance"), choices=ASSURANCE_CHOICES)
    materiality_percent = StringField(
        _l("Materiality threshold (%)"), validators=[DataRequired(), Length(max=16)]
    )
    opinion = SelectField(_l("Opinion"), choices=OPINION_CHOICES)
    basis = TextAreaField(_l("Basis for the opinion"), validators=[Optional(), Length(max=10000)])


class SiteVisitForm(FlaskForm):
    visited_on = DateField(_l("Date"), validators=[DataRequired()])
    site = StringField(_l("Site"), validators=[DataRequired(), Length(max=200)])
    mode = SelectField(
        _l("Kind of visit"),
        choices=[SelectChoice("physical", _l("Physical")), SelectChoice("virtual", _l("Virtual"))],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        _l("What the verifier must look at again"), validators=[DataRequired(), Length(max=2000)]
    )

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .lifecycle import REASON_MAX


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Public reason for revoking"),
        validators=[
            DataRequired(_l("Give the reason; it is shown publicly in the registry.")),
            Length(max=REASON_MAX),
        ],
        filters=[_strip],
    )


class SupersedeForm(FlaskForm):
    case = SelectField(_l("Case with the corrected data"), coerce=int)
    reason = TextAreaField(
        _l("Public reason for the correction"),
        validators=[
            DataRequired(_l("Give the reason; it is shown publicly in the registry.")),
            Length(max=REASON_MAX),
        ],
        filters=[_strip],
    )

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .models import BODY_MAX, SUBJECT_MAX


class RaiseForm(FlaskForm):
    """The verifier's new request; the service checks the criterion and the due date."""

    criterion = SelectField(_l("About"), validate_choice=True)
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=SUBJECT_MAX)])
    body = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=BODY_MAX)])
    due_on = DateField(
        _l("Due on"),
        validators=[InputRequired(message=_l("Give a due date (YYYY-MM-DD)."))],
    )


class ReplyForm(FlaskForm):
    """A message in a thread; the file field is read from the request by the view."""

    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=BODY_MAX)])
    # The verifier asking again may move the due date.
    due_on = DateField(_l("New due date"), validators=[Optional()])

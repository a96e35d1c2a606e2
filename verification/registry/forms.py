from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class VerifyForm(FlaskForm):
    file = FileField(_l("Statement PDF"), validators=[FileRequired(_l("Choose a PDF file."))])

"""Forms check fields only; the engine and the services check meaning."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from .models import GWP_SETS

NUMBER = Regexp(r"^\s*[0-9][0-9,]*(\.[0-9]+)?\s*$", message=_l("Enter a number, e.g. 1250.5"))

CATEGORIES = [
    SelectChoice("stationary_combustion", _l("Scope 1 - stationary combustion")),
    SelectChoice("mobile_combustion", _l("Scope 1 - mobile combustion")),
    SelectChoice("process", _l("Scope 1 - process emissions")),
    SelectChoice("fugitive", _l("Scope 1 - fugitive emissions")),
    SelectChoice("purchased_electricity", _l("Scope 2 - purchased electricity")),
    SelectChoice("purchased_heat", _l("Scope 2 - purchased heat and steam")),
    SelectChoice("cat1_purchased_goods", _l("Scope 3 - 1 purchased goods and services")),
    SelectChoice("cat3_fuel_energy", _l("Scope 3 - 3 fuel- and energy-related activities")),
    SelectChoice("cat4_upstream_transport", _l("Scope 3 - 4 upstream transport")),
    SelectChoice("cat6_business_travel", _l("Scope 3 - 6 business travel")),
    SelectChoice("cat7_commuting", _l("Scope 3 - 7 employee commuting")),
    SelectChoice("cat9_downstream_transport", _l("Scope 3 - 9 downstream transport")),
]
SCOPE_OF_CATEGORY = {
    "stationary_combustion": 1,
    "mobile_combustion": 1,
    "process": 1,
    "fugitive": 1,
    "purchased_electricity": 2,
    "purchased_heat": 2,
}
DATA_TYPE_CHOICES = [
    SelectChoice("metered", _l("Metered")),
    SelectChoice("invoice", _l("Invoice")),
    SelectChoice("estimate", _l("Estimate")),
    SelectChoice("spend", _l("Spend-based")),
]
KIND_CHOICES = [
    SelectChoice("gec", _l("Green-electricity certificate (GEC)")),
    SelectChoice("go", _l("Guarantee of origin")),
    SelectChoice("irec", _l("I-REC")),
    SelectChoice("ppa", _l("Power purchase agreement")),
    SelectChoice("supplier", _l("Supplier-specific factor")),
]


def scope_of(category: str) -> int:
    return SCOPE_OF_CATEGORY.get(category, 3)


class ActivityLineForm(FlaskForm):
    category = SelectField(_l("Category"), choices=CATEGORIES)
    factor = SelectField(_l("Emission factor"), validators=[DataRequired()])
    quantity = StringField(_l("Quantity"), validators=[DataRequired(), NUMBER, Length(max=40)])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=32)])
    site = StringField(_l("Site"), validators=[Optional(), Length(max=200)])
    period_start = DateField(_l("From"), validators=[Optional()])
    period_end = DateField(_l("To"), validators=[Optional()])
    data_type = SelectField(_l("Data type"), choices=DATA_TYPE_CHOICES)
    evidence = SelectMultipleField(_l("Evidence it rests on"), coerce=int)


class InstrumentForm(FlaskForm):
    line = SelectField(_l("Electricity line it covers"), coerce=int)
    tracking_id = StringField(_l("Tracking id"), validators=[DataRequired(), Length(max=128)])
    kind = SelectField(_l("Instrument"), choices=KIND_CHOICES)
    volume_mwh = StringField(_l("Volume (MWh)"), validators=[DataRequired(), NUMBER])
    vintage = StringField(
        _l("Vintage (year)"), validators=[DataRequired(), Regexp(r"^\s*\d{4}\s*$")]
    )
    region = StringField(_l("Region"), validators=[Optional(), Length(max=64)])
    factor_kg_per_kwh = StringField(
        _l("Emission factor of the instrument (kg CO2e/kWh)"),
        default="0",
        validators=[DataRequired(), NUMBER],
    )


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[FileRequired()])


class ProfileForm(FlaskForm):
    region = StringField(_l("Grid region (for the residual mix)"), validators=[Optional()])
    revenue = StringField(_l("Revenue in the period"), validators=[Optional(), NUMBER])
    revenue_currency = SelectField(
        _l("Currency"),
        choices=[SelectChoice(c, c) for c in ("CNY", "USD", "EUR", "GBP")],
    )
    employees = StringField(_l("Employees"), validators=[Optional(), NUMBER])
    production_quantity = StringField(_l("Production"), validators=[Optional(), NUMBER])
    production_unit = StringField(_l("Production unit (e.g. t, piece)"), validators=[Optional()])
    declared_unit = StringField(
        _l("Declared unit for the product footprint"), validators=[Optional()]
    )
    cbam_goods_tonnes = StringField(
        _l("CBAM goods produced (tonnes)"), validators=[Optional(), NUMBER]
    )
    gwp_set = SelectField(_l("GWP set"), choices=[SelectChoice(g, g) for g in GWP_SETS])


class VerifyLineForm(FlaskForm):
    verified_quantity = StringField(
        _l("Verified quantity"), validators=[DataRequired(), NUMBER, Length(max=40)]
    )
    verified_reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class MaterialityForm(FlaskForm):
    materiality = StringField(
        _l("Materiality threshold (share of the total, e.g. 0.05 for 5%)"),
        validators=[DataRequired(), Regexp(r"^\s*0?\.\d+\s*$")],
    )


class FactorDatasetForm(FlaskForm):
    name = StringField(_l("Dataset name"), validators=[DataRequired(), Length(max=200)])
    version = StringField(_l("Version"), validators=[DataRequired(), Length(max=64)])
    file = FileField(_l("Factors (CSV)"), validators=[FileRequired()])

"""A case's emissions: activity lines, instruments, import/export, verified values."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import require, signed_in
from ..accounts.models import Role
from ..cases import permissions as case_perm
from ..cases import services as case_services
from ..cases.views import load_case
from ..errors import conflict
from ..extensions import db
from . import permissions as perm
from . import services, spreadsheet
from .forms import (
    ActivityLineForm,
    ImportForm,
    InstrumentForm,
    MaterialityForm,
    ProfileForm,
    VerifyLineForm,
    scope_of,
)
from .models import ActivityLine, Instrument

bp = Blueprint("emissions", __name__, url_prefix="/cases/<int:case_id>/emissions")
SME = (Role.SME_ADMIN, Role.SME_MEMBER)


def _page(case_id: int):
    return redirect(url_for("emissions.show", case_id=case_id))


def _editable_case(case_id: int):
    case = load_case(case_id)
    require(True, case_perm.is_member(current_user, case))
    if not perm.can_edit_activity(current_user, case):
        raise conflict(_("Activity data can only be changed while the case is a draft."))
    return case


def _fail(exc: services.EmissionsError) -> None:
    db.session.rollback()
    for problem in exc.problems[:50]:
        flash(problem, "error")


def _form_errors(form) -> None:
    # Validator messages may be lazy strings (_l); str() each before joining.
    for field, errors in form.errors.items():
        flash(f"{getattr(form, field).label.text}: {' '.join(map(str, errors))}", "error")


def _factor_choices():
    library = services.library()
    return [
        SelectChoice(key, f"{f.activity} - {f.dataset} {f.version} ({f.region})")
        for key, f in sorted(library.items(), key=lambda kv: (kv[1].dataset, kv[0]))
    ]


def _evidence_choices(case):
    return [
        SelectChoice(e.id, f"{e.original_name} ({e.criterion_code})")
        for files in case_services.evidence_by_criterion(case).values()
        for e in files
    ]


def _line(case, line_id: int) -> ActivityLine:
    row = db.session.get(ActivityLine, line_id)
    if row is None or row.case_id != case.id:
        abort(404)
    return row


@bp.route("/")
@signed_in()
def show(case_id: int):
    case = load_case(case_id)
    result, problems = services.result_of(case)
    line_form = ActivityLineForm()
    line_form.factor.choices = _factor_choices()
    line_form.evidence.choices = _evidence_choices(case)
    lines = services.lines_of(case)
    instrument_form = InstrumentForm()
    instrument_form.line.choices = [SelectChoice(r.id, r.ref) for r in lines if r.scope == 2]
    profile = services.profile_of(case)
    evidence_names = {
        str(e.id): e for files in case_services.evidence_by_criterion(case).values() for e in files
    }
    return render_template(
        "emissions/show.html",
        case=case,
        lines=lines,
        result=result,
        by_ref={r.line.id: r for r in result.lines} if result else {},
        problems=problems,
        profile=profile,
        can_edit=perm.can_edit_activity(current_user, case),
        can_verify=perm.can_verify_activity(current_user, case),
        line_form=line_form,
        instrument_form=instrument_form,
        import_form=ImportForm(),
        profile_form=ProfileForm(obj=profile),
        materiality_form=MaterialityForm(obj=profile),
        missing=services.missing_factors(),
        evidence_names=evidence_names,
    )


@bp.route("/lines", methods=["POST"])
@signed_in(*SME)
def add_line(case_id: int):
    case = _editable_case(case_id)
    form = ActivityLineForm()
    form.factor.choices = _factor_choices()
    form.evidence.choices = _evidence_choices(case)
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(case.id)
    row = ActivityLine(
        scope=scope_of(form.category.data),
        category=form.category.data,
        factor_key=form.factor.data,
        unit=form.unit.data.strip(),
        site=form.site.data or None,
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        data_type=form.data_type.data,
        evidence_refs=" ".join(str(i) for i in form.evidence.data or ()),
        source="form",
    )
    try:
        row.quantity = services.number(form.quantity.data, _("quantity"))
        services.add_line(case, current_user, row)
    except services.EmissionsError as exc:
        _fail(exc)
    else:
        flash(_("Line %(ref)s added.", ref=row.ref), "success")
    return _page(case.id)


@bp.route("/lines/<int:line_id>/delete", methods=["POST"])
@signed_in(*SME)
def delete_line(case_id: int, line_id: int):
    case = _editable_case(case_id)
    row = _line(case, line_id)
    services.delete_line(case, current_user, row)
    flash(_("Line %(ref)s deleted.", ref=row.ref), "success")
    return _page(case.id)


@bp.route("/import", methods=["POST"])
@signed_in(*SME)
def import_lines(case_id: int):
    case = _editable_case(case_id)
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV or XLSX file."), "error")
        return _page(case.id)
    upload = form.file.data
    upload.stream.seek(0)
    data = upload.stream.read(5 * 1024 * 1024 + 1)
    try:
        if len(data) > 5 * 1024 * 1024:
            raise services.EmissionsError([_("Spreadsheets are limited to 5 MB.")])
        lines = spreadsheet.parse_rows(spreadsheet.read_rows(data, upload.filename or ""))
        for row in lines:
            services.add_line(case, current_user, row)
    except services.EmissionsError as exc:
        _fail(exc)
        flash(_("Nothing was imported."), "error")
    else:
        flash(_("%(n)d lines imported.", n=len(lines)), "success")
    return _page(case.id)


@bp.route("/template.csv")
@signed_in()
def template(case_id: int):
    load_case(case_id)
    return Response(
        spreadsheet.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=activity-lines-template.csv"},
    )


@bp.route("/export.csv")
@signed_in()
def export(case_id: int):
    case = load_case(case_id)
    result, _problems = services.result_of(case)
    rows = result.as_dict()["lines"] if result else []
    text = spreadsheet.export_csv(
        services.lines_of(case),
        {r["line"]["id"]: r for r in rows},
        result.gwp.name if result else "",
    )
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=case-{case.id}-emissions.csv"},
    )


@bp.route("/instruments", methods=["POST"])
@signed_in(*SME)
def add_instrument(case_id: int):
    case = _editable_case(case_id)
    form = InstrumentForm()
    form.line.choices = [SelectChoice(r.id, r.ref) for r in services.lines_of(case) if r.scope == 2]
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(case.id)
    try:
        instrument = Instrument(
            tracking_id=form.tracking_id.data.strip(),
            kind=form.kind.data,
            volume_mwh=services.number(form.volume_mwh.data, _("volume")),
            vintage=int(form.vintage.data),
            region=form.region.data or None,
            factor_kg_per_kwh=services.number(form.factor_kg_per_kwh.data, _("factor")),
        )
        services.add_instrument(case, current_user, _line(case, form.line.data), instrument)
    except services.EmissionsError as exc:
        _fail(exc)
    else:
        flash(_("Certificate %(id)s claimed.", id=instrument.tracking_id), "success")
    return _page(case.id)


@bp.route("/profile", methods=["POST"])
@signed_in(*SME)
def save_profile(case_id: int):
    case = _editable_case(case_id)
    form = ProfileForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(case.id)
    try:
        services.save_profile(case, form.data)
    except services.EmissionsError as exc:
        _fail(exc)
    else:
        flash(_("Saved."), "success")
    return _page(case.id)


@bp.route("/lines/<int:line_id>/verify", methods=["GET", "POST"])
@signed_in(Role.VERIFIER)
def verify_line(case_id: int, line_id: int):
    case = load_case(case_id)
    require(True, current_user.id == case.verifier_id)
    if not perm.can_verify_activity(current_user, case):
        raise conflict(_("Verified values are recorded while the case is under review."))
    row = _line(case, line_id)
    form = VerifyLineForm(obj=row)
    if form.validate_on_submit():
        try:
            services.verify_line(
                case, current_user, row, form.verified_quantity.data, form.verified_reason.data
            )
        except services.EmissionsError as exc:
            _fail(exc)
        else:
            flash(_("Verified value recorded on %(ref)s.", ref=row.ref), "success")
            return _page(case.id)
    return render_template("emissions/verify_line.html", case=case, row=row, form=form)


@bp.route("/materiality", methods=["POST"])
@signed_in(Role.VERIFIER)
def materiality(case_id: int):
    case = load_case(case_id)
    require(True, current_user.id == case.verifier_id)
    if not perm.can_verify_activity(current_user, case):
        raise conflict(_("Materiality is set while the case is under review."))
    form = MaterialityForm()
    if not form.validate_on_submit():
        flash(_("Enter the threshold as a share, e.g. 0.05."), "error")
        return _page(case.id)
    try:
        services.set_materiality(case, current_user, form.materiality.data)
    except services.EmissionsError as exc:
        _fail(exc)
    return _page(case.id)

"""Non-conformity threads, the verifier's conclusion and site visits, the reviewer's return."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import signed_in
from ..accounts.models import Role
from ..cases import permissions as perm
from ..cases import services as case_services
from ..cases.views import load_case
from ..errors import conflict
from ..evidence.services import EvidenceRejected
from ..extensions import db
from ..i18n import translate
from ..workflow.rules import Action, permitted
from . import conclusion as conclusions
from . import corrections
from .models import Conclusion, Finding
from .verifying_forms import ConclusionForm, CorrectionForm, RespondForm, ReturnForm, SiteVisitForm

bp = Blueprint("verifying", __name__, url_prefix="/cases")


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def _finding(case, code: str) -> Finding:
    finding = db.session.scalar(
        select(Finding).where(Finding.case_id == case.id, Finding.criterion_code == code)
    )
    if finding is None or not finding.is_nonconformity:
        abort(404)
    return finding


@bp.route("/<int:case_id>/criteria/<code>/nonconformity", methods=["GET", "POST"])
@signed_in()
def nonconformity(case_id: int, code: str):
    """The thread of one non-conformity; the SME corrects, the verifier closes or keeps open."""
    case = load_case(case_id)
    finding = _finding(case, code)
    criterion = case_services.methodology_of(case).criterion(code)
    is_member = perm.is_member(current_user, case)
    is_verifier = current_user.id == case.verifier_id
    correction_form, respond_form = CorrectionForm(), RespondForm()
    if request.method == "POST":
        if not (is_member or is_verifier):
            abort(403)
        form = correction_form if is_member else respond_form
        if not form.validate_on_submit():
            _flash_errors(form)
            return redirect(url_for(".nonconformity", case_id=case.id, code=code))
        try:
            if is_member:
                corrections.submit_correction(
                    case, finding, current_user, form.body.data, request.files.get("file")
                )
                flash(_("Correction sent to the verifier."), "success")
            else:
                close = form.decision.data == "close"
                corrections.respond(case, finding, current_user, close, form.body.data)
                flash(
                    _("Non-conformity closed.") if close else _("Non-conformity kept open."),
                    "success",
                )
        except corrections.CorrectionRefused as exc:
            db.session.rollback()
            raise conflict(str(exc)) from None
        except EvidenceRejected as exc:
            db.session.rollback()
            flash(str(exc), "error")
        return redirect(url_for(".nonconformity", case_id=case.id, code=code))
    return render_template(
        "review/nonconformity.html",
        case=case,
        finding=finding,
        criterion=criterion,
        correction_form=correction_form if is_member else None,
        respond_form=respond_form if is_verifier else None,
    )


@bp.route("/<int:case_id>/conclusion", methods=["GET", "POST"])
@signed_in()
def conclusion(case_id: int):
    case = load_case(case_id)
    existing = db.session.get(Conclusion, case.id)
    editing = perm.can_record_finding(current_user, case)
    form = ConclusionForm(obj=existing)
    if request.method == "GET" and existing is not None:
        form.materiality_percent.data = format(
            (Decimal(existing.materiality) * 100).normalize(), "f"
        )
    if request.method == "POST":
        if current_user.id != case.verifier_id:
            abort(403)
        if not editing:
            raise conflict(_("The conclusion can be drafted only while the case is under review."))
        if form.validate_on_submit():
            try:
                conclusions.save_conclusion(
                    case,
                    current_user,
                    assurance_level=form.assurance_level.data,
                    materiality_percent=form.materiality_percent.data,
                    opinion=form.opinion.data,
                    basis=form.basis.data,
                )
            except conclusions.ConclusionError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                flash(_("Conclusion saved."), "success")
                return redirect(url_for(".conclusion", case_id=case.id))
    facts = case_services.facts(case)
    from ..workflow.rules import conclusion_problems

    return render_template(
        "review/conclusion.html",
        case=case,
        conclusion=existing,
        form=form if editing and current_user.id == case.verifier_id else None,
        visit_form=SiteVisitForm() if editing and current_user.id == case.verifier_id else None,
        visits=conclusions.site_visits(case),
        problems=[translate(p) for p in conclusion_problems(facts)] if existing else [],
    )


@bp.route("/<int:case_id>/site-visits", methods=["POST"])
@signed_in(Role.VERIFIER)
def site_visit(case_id: int):
    case = load_case(case_id)
    if current_user.id != case.verifier_id:
        abort(403)
    if not perm.can_record_finding(current_user, case):
        raise conflict(_("Site visits are recorded while the case is under review."))
    form = SiteVisitForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".conclusion", case_id=case.id))
    try:
        conclusions.add_site_visit(
            case,
            current_user,
            visited_on=form.visited_on.data,
            site=form.site.data,
            mode=form.mode.data,
            notes=form.notes.data,
        )
    except conclusions.ConclusionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Site visit recorded."), "success")
    return redirect(url_for(".conclusion", case_id=case.id))


@bp.route("/<int:case_id>/return", methods=["GET", "POST"])
@signed_in(Role.REVIEWER)
def return_case(case_id: int):
    """The technical reviewer sends the case back to the verifier, saying why."""
    case = load_case(case_id)
    actor = perm.actor(current_user, case)
    if not permitted(Action.RETURN_TO_VERIFIER, actor):
        abort(403)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            case_services.transition(
                case, Action.RETURN_TO_VERIFIER, current_user, actor, reason=form.reason.data
            )
        except case_services.TransitionRefused as exc:
            raise conflict(" ".join(translate(r) for r in exc.reasons)) from None
        flash(_("Returned to the verifier."), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template("review/return.html", case=case, form=form)

"""The verification body assigns the team; the verifier records findings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import require, signed_in
from ..accounts.models import Role
from ..cases import permissions as perm
from ..cases import services as case_services
from ..cases.views import load_case
from ..errors import conflict
from ..extensions import db
from ..i18n import translate
from ..workflow.rules import Action, State
from . import accreditation_services as roster
from . import services
from .forms import FindingForm

bp = Blueprint("review", __name__, url_prefix="/cases")


@bp.route("/<int:case_id>/assign", methods=["GET", "POST"])
@signed_in(Role.VB_ADMIN)
def assign(case_id: int):
    from .forms import AssignForm

    case = load_case(case_id)
    require(True, perm.is_vb_admin(current_user, case))
    if case.state != State.SUBMITTED:
        raise conflict(_("Only a submitted case can be assigned."))
    form = AssignForm()
    verifiers = services.staff(case, Role.VERIFIER)
    reviewers = services.staff(case, Role.REVIEWER)
    form.verifier.choices = [SelectChoice(u.id, u.name) for u in verifiers]
    form.team.choices = [SelectChoice(u.id, u.name) for u in verifiers]
    form.reviewer.choices = [SelectChoice(u.id, u.name) for u in reviewers]
    if form.validate_on_submit():
        try:
            services.assign(
                case,
                current_user,
                perm.actor(current_user, case),
                form.verifier.data,
                form.reviewer.data,
                reason=form.reason.data or None,
                team=form.team.data or (),
                due_on=form.due_on.data,
            )
        except case_services.TransitionRefused as exc:
            db.session.rollback()
            for reason in exc.reasons:
                flash(translate(reason), "error")
        else:
            flash(_("Team assigned."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    today = roster.today()
    return render_template(
        "review/assign.html",
        case=case,
        form=form,
        candidates=roster.candidates(case, verifiers, reviewers, today),
        today=today,
    )


@bp.route("/<int:case_id>/criteria/<code>/finding", methods=["GET", "POST"])
@signed_in(Role.VERIFIER)
def finding(case_id: int, code: str):
    case = load_case(case_id)
    require(True, current_user.id == case.verifier_id)
    if not perm.can_record_finding(current_user, case):
        raise conflict(_("Findings can only be recorded while the case is under review."))
    methodology = case_services.methodology_of(case)
    try:
        criterion = methodology.criterion(code)
    except KeyError:
        abort(404)
    existing = case_services.findings_by_criterion(case).get(code)
    form = FindingForm(obj=existing)
    if form.validate_on_submit():
        services.record_finding(
            case,
            current_user,
            perm.actor(current_user, case),
            code,
            form.outcome.data,
            form.note.data,
        )
        flash(_("Finding recorded on %(code)s.", code=code), "success")
        return redirect(url_for("cases.show", case_id=case.id, _anchor=f"criterion-{code}"))
    return render_template(
        "review/finding.html",
        case=case,
        criterion=criterion,
        answer=case.answer_for(code),
        evidence=case_services.evidence_by_criterion(case).get(code, []),
        form=form,
        start_review=Action.START_REVIEW,
    )

"""The case list, opening a case, the case page, answers and workflow buttons."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from ..access import require, signed_in
from ..accounts.models import Role
from ..accounts.twofactor_views import require_recent_auth
from ..emissions import services as emissions
from ..errors import conflict
from ..extensions import db
from ..i18n import state_name, translate
from ..methodologies import registry
from ..review.models import Conclusion
from ..statements.models import IssuanceJob, Statement
from ..workflow.rules import Action, allowed_actions, permitted, refusals
from . import permissions as perm
from . import services
from .forms import ActionForm, CaseScopeForm, OpenCaseForm
from .models import Case

bp = Blueprint("cases", __name__, url_prefix="/cases")

# Actions taken with a plain button on the case page (assignment has its own form).
BUTTON_ACTIONS = {
    Action.SUBMIT,
    Action.SEND_TO_TECHNICAL_REVIEW,
    Action.APPROVE,
    Action.WITHDRAW,
}


def load_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    require(perm.can_view_case(current_user, case))
    return case


def visible_cases_query():
    user = current_user
    query = select(Case).order_by(Case.id.desc())
    if user.has_role(Role.PLATFORM_ADMIN):
        return query
    if user.has_role(Role.SME_ADMIN, Role.SME_MEMBER):
        return query.where(Case.organisation_id == user.organisation_id)
    if user.has_role(Role.VB_ADMIN):
        return query.where(Case.verification_body_id == user.organisation_id, Case.state != "draft")
    from ..review.accreditation_models import CaseTeamMember

    on_team = select(CaseTeamMember.case_id).where(CaseTeamMember.user_id == user.id)
    return query.where(
        or_(Case.verifier_id == user.id, Case.reviewer_id == user.id, Case.id.in_(on_team))
    )


@bp.route("/")
@signed_in(
    Role.SME_ADMIN,
    Role.SME_MEMBER,
    Role.VB_ADMIN,
    Role.VERIFIER,
    Role.REVIEWER,
    Role.PLATFORM_ADMIN,
)
def index():
    cases = db.session.scalars(visible_cases_query()).all()
    return render_template("cases/index.html", cases=cases)


@bp.route("/new", methods=["GET", "POST"])
@signed_in(Role.SME_ADMIN, Role.SME_MEMBER)
def new():
    form = OpenCaseForm()
    methodologies = registry.all_methodologies()
    form.methodology.choices = [
        SelectChoice(f"{m.code}@{m.version}", f"{m.title} ({m.version})") for m in methodologies
    ]
    bodies = services.verification_bodies()
    form.verification_body.choices = [SelectChoice(b.id, b.name) for b in bodies]
    if request.method == "GET":  # a new case starts from the sites and boundary of the last
        form.sites.data, boundary = services.last_scope(current_user.organisation_id)
        form.boundary.data = boundary or ""
    if form.validate_on_submit():
        code, _sep, version = form.methodology.data.partition("@")
        body = next(b for b in bodies if b.id == form.verification_body.data)
        try:
            case = services.open_case(
                current_user,
                registry.get(code, version),
                body,
                form.title.data,
                form.period_start.data,
                form.period_end.data,
                consultant_email=form.consultant_email.data or None,
                sites=form.sites.data,
                boundary=form.boundary.data or None,
            )
        except services.CaseError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _("Case opened. Answer the criteria and attach evidence, then submit."), "success"
            )
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/new.html", form=form)


@bp.route("/<int:case_id>")
@signed_in()
def show(case_id: int):
    case = load_case(case_id)
    methodology = services.methodology_of(case)
    evidence = services.evidence_by_criterion(case)
    findings = services.findings_by_criterion(case)
    carbon = emissions.result_of(case)  # the engine runs once per page
    facts = services.facts(case, evidence=evidence, findings=findings, carbon=carbon)
    actor = perm.actor(current_user, case)
    statement = db.session.scalar(select(Statement).where(Statement.case_id == case.id))
    job = db.session.scalar(select(IssuanceJob).where(IssuanceJob.case_id == case.id))
    allowed = allowed_actions(facts, actor)
    actions = [a for a in allowed if a in BUTTON_ACTIONS]
    from ..statements.views import statement_box

    return render_template(
        "cases/show.html",
        case=case,
        methodology=methodology,
        facts=facts,
        actions=actions,
        # What still stands in the way of each action offered, in the guards' own words.
        blockers={a.value: [translate(r) for r in refusals(a, facts, actor)] for a in actions},
        can_assign=Action.ASSIGN in allowed,
        can_return=Action.RETURN_TO_VERIFIER in allowed,
        conclusion=db.session.get(Conclusion, case.id),
        team=_team(case),
        current_files=sorted(
            {e.id: e for files in evidence.values() for e in files}.values(), key=lambda e: e.id
        ),
        evidence=evidence,
        findings=findings,
        scorecard=services.scorecard(case, evidence=evidence, findings=findings, carbon=carbon),
        carbon=carbon,
        statement=statement,
        job=job,
        box=statement_box(case, statement, job),  # status, links, revoke/supersede/retry
        action_form=ActionForm(),
        scope_form=CaseScopeForm(sites=case.sites, boundary=case.boundary or ""),
    )


def _team(case: Case) -> list:
    from ..accounts.models import User
    from ..review.accreditation_services import team_ids

    ids = team_ids(case)
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name)))


@bp.route("/<int:case_id>/answers", methods=["POST"])
@signed_in(Role.SME_ADMIN, Role.SME_MEMBER)
def save_answers(case_id: int):
    case = load_case(case_id)
    if not perm.is_member(current_user, case):
        abort(403)
    if not perm.can_edit_case(current_user, case):
        raise conflict(_("Answers can only be changed while the case is a draft."))
    form = ActionForm()  # CSRF only; the answer fields are checked by the service
    if not form.validate_on_submit():
        abort(400)
    given = {
        c.code: (request.form.get(f"answer-{c.code}", ""), request.form.get(f"unit-{c.code}"))
        for c in services.methodology_of(case).criteria
    }
    try:
        changed = services.save_answers(case, current_user, given)
    except services.CaseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("%(n)d answers saved.", n=changed), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/<int:case_id>/scope", methods=["POST"])
@signed_in(Role.SME_ADMIN, Role.SME_MEMBER)
def save_scope(case_id: int):
    """The sites and boundary of a draft, printed on its statement."""
    case = load_case(case_id)
    if not perm.is_member(current_user, case):
        abort(403)
    if not perm.can_edit_case(current_user, case):
        raise conflict(_("The sites and boundary can only be changed while the case is a draft."))
    form = CaseScopeForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    try:
        services.update_scope(case, current_user, form.sites.data, form.boundary.data or None)
    except services.CaseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Sites and boundary saved."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/<int:case_id>/actions/<action>", methods=["POST"])
@signed_in()
def act(case_id: int, action: str):
    case = load_case(case_id)
    try:
        chosen = Action(action)
    except ValueError:
        abort(404)
    if chosen not in BUTTON_ACTIONS:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    actor = perm.actor(current_user, case)
    if not permitted(chosen, actor):
        abort(403)
    if chosen is Action.APPROVE:
        require_recent_auth(
            url_for("cases.show", case_id=case.id),
            _("Approving issues a signed statement: confirm it is you first, then approve again."),
        )
    try:
        services.transition(case, chosen, current_user, actor, reason=form.reason.data or None)
    except services.TransitionRefused as exc:
        raise conflict(" ".join(translate(r) for r in exc.reasons)) from None
    if chosen is Action.APPROVE:
        from ..statements.issuance import request_issuance

        request_issuance(case, current_user)
        flash(_("Approved. The statement is being issued."), "success")
    else:
        flash(_("Done: the case is now %(state)s.", state=state_name(case.state)), "success")
    return redirect(url_for("cases.show", case_id=case.id))

"""Issuance progress for the people waiting on it; revoking, superseding, retrying."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..access import require, signed_in
from ..accounts.models import Role
from ..accounts.twofactor_views import require_recent_auth
from ..cases.forms import ActionForm
from ..cases.views import load_case
from ..errors import conflict
from ..extensions import db
from ..i18n import state_name
from ..registry import services as registry
from . import lifecycle
from . import permissions as perm
from .forms import RevokeForm, SupersedeForm
from .models import IssuanceJob, Statement

bp = Blueprint("statements", __name__)

JOB_STATUS_NAMES = {
    "queued": _l("queued"),
    "rendering": _l("rendering"),
    "signing": _l("signing"),
    "done": _l("done"),
    "failed": _l("failed"),
}


def job_status_name(status: str | None) -> str | None:
    return None if status is None else str(JOB_STATUS_NAMES.get(status, status))


@bp.route("/cases/<int:case_id>/issuance.json")
@signed_in()
def progress(case_id: int):
    case = load_case(case_id)
    job = db.session.scalar(select(IssuanceJob).where(IssuanceJob.case_id == case.id))
    statement = db.session.scalar(select(Statement).where(Statement.case_id == case.id))
    return jsonify(
        {
            "case_state": case.state,
            "case_state_name": state_name(case.state),
            "status": job.status if job else None,
            "status_name": job_status_name(job.status if job else None),
            "error": job.error if job else None,
            "number": statement.number if statement else None,
            "pdf_url": url_for("registry.pdf", number=statement.number) if statement else None,
        }
    )


@bp.route("/cases/<int:case_id>/issuance/retry", methods=["POST"])
@signed_in(Role.PLATFORM_ADMIN, Role.VB_ADMIN)
def retry(case_id: int):
    case = load_case(case_id)
    require(True, perm.may_retry_issuance(current_user, case))
    if not ActionForm().validate_on_submit():
        abort(400)
    job = db.session.scalar(select(IssuanceJob).where(IssuanceJob.case_id == case.id))
    try:
        lifecycle.retry(job, case, current_user)
    except lifecycle.LifecycleRefused as exc:
        raise conflict(str(exc)) from None
    flash(_("The statement is being issued again."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _statement_to_change(number: str, allowed) -> Statement:
    """The statement, if the signed-in user is an administrator of the issuing body and
    ``allowed(user, statement)`` holds now: 404, 403 or 409 otherwise."""
    statement = registry.find(number)
    if statement is None:
        abort(404)
    require(True, perm.is_issuing_admin(current_user, statement))
    if not allowed(current_user, statement):
        pending = lifecycle.pending_correction(statement)
        if pending is not None and perm.can_revoke(current_user, statement):
            raise conflict(
                _(
                    "Case %(case)d is already the correction of statement %(n)s.",
                    case=pending.case_id,
                    n=statement.number,
                )
            )
        raise conflict(
            _(
                "Statement %(n)s is %(status)s: only a valid statement can be changed.",
                n=statement.number,
                status=registry.status_name(statement.current_status(lifecycle.today())),
            )
        )
    return statement


@bp.route("/statements/<number>/revoke", methods=["GET", "POST"])
@signed_in(Role.VB_ADMIN)
def revoke(number: str):
    statement = _statement_to_change(number, perm.can_revoke)
    require_recent_auth(
        url_for("statements.revoke", number=statement.number),
        _("Revoking a statement is public and final: confirm it is you first."),
    )
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            lifecycle.revoke(statement, current_user, form.reason.data)
        except lifecycle.LifecycleRefused as exc:
            raise conflict(str(exc)) from None
        flash(_("Statement %(n)s is revoked.", n=statement.number), "success")
        return redirect(url_for("registry.statement", number=statement.number))
    return render_template("statements/revoke.html", statement=statement, form=form)


@bp.route("/statements/<number>/supersede", methods=["GET", "POST"])
@signed_in(Role.VB_ADMIN)
def supersede(number: str):
    statement = _statement_to_change(number, perm.can_supersede)
    candidates = lifecycle.correction_candidates(statement)
    form = SupersedeForm()
    form.case.choices = [
        SelectChoice(c.id, f"#{c.id} {c.title} ({state_name(c.state)})") for c in candidates
    ]
    if candidates and form.validate_on_submit():
        case = next(c for c in candidates if c.id == form.case.data)
        try:
            lifecycle.mark_correction(statement, case, current_user, form.reason.data)
        except lifecycle.LifecycleRefused as exc:
            raise conflict(str(exc)) from None
        flash(
            _(
                "Case %(case)d is the correction of %(n)s: its statement will supersede it "
                "once approved and issued.",
                case=case.id,
                n=statement.number,
            ),
            "success",
        )
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "statements/supersede.html", statement=statement, form=form, candidates=candidates
    )


def statement_box(case, statement: Statement | None, job: IssuanceJob | None) -> dict:
    """What the case page's statement box shows (``templates/statements/_box.html``)."""
    correction = lifecycle.correction_of(case)
    return {
        "status": statement.current_status(lifecycle.today()) if statement else None,
        "job_status_name": job_status_name(job.status if job else None),
        "correction": correction,
        "pending": lifecycle.pending_correction(statement) if statement else None,
        "can_revoke": bool(statement) and perm.can_revoke(current_user, statement),
        "can_supersede": bool(statement) and perm.can_supersede(current_user, statement),
        "can_retry": perm.can_retry_issuance(current_user, case, job),
        "retry_form": ActionForm(),
    }

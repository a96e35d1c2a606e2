"""The team page, invitations, password reset, and platform admins adding organisations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..access import public, require, signed_in
from ..extensions import db
from . import recovery, team, tokens
from .forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    InviteForm,
    NewOrganisationForm,
    ResetPasswordForm,
)
from .models import ADMIN_ROLE_BY_KIND, OrgKind, Role, TokenPurpose, User
from .services import AccountError, create_organisation
from .tokens import TokenRefused

bp = Blueprint("team", __name__)
ADMINS = (Role.SME_ADMIN, Role.VB_ADMIN, Role.LENDER_ADMIN, Role.PLATFORM_ADMIN)


def invite_form(roles, prefix: str = "") -> InviteForm:
    """An invitation form offering ``roles``."""
    form = InviteForm(prefix=prefix)
    form.role.choices = [SelectChoice(r.value, r.value) for r in sorted(roles)]
    return form


def send_invitation(form: InviteForm, organisation) -> bool:
    """Send the invitation a validated form asks for, saying how it went; True if sent."""
    try:
        team.invite(current_user, organisation, Role(form.role.data), form.email.data)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
    return True


def _refused(message: str):
    db.session.rollback()
    return render_template("accounts/link_refused.html", message=message), 410


@bp.route("/team", methods=["GET", "POST"])
@signed_in(*team.INVITABLE_BY)
def index():
    organisation = current_user.organisation
    form = invite_form(team.INVITABLE_BY[Role(current_user.role)])
    if form.validate_on_submit() and send_invitation(form, organisation):
        return redirect(url_for("team.index"))
    people = db.session.scalars(
        select(User).where(User.organisation_id == organisation.id).order_by(User.name)
    ).all()
    return render_template(
        "accounts/team.html", organisation=organisation, people=people, form=form
    )


@bp.route("/team/<int:user_id>/<any(deactivate, reactivate):change>", methods=["POST"])
@signed_in(*ADMINS)
def set_active(user_id: int, change: str):
    user = db.session.get(User, user_id)
    require(user is not None and team.can_manage(current_user, user))
    team.set_active(current_user, user, change == "reactivate")
    flash(
        _("%(name)s can no longer sign in; their sessions have ended.", name=user.name)
        if change == "deactivate"
        else _("%(name)s can sign in again.", name=user.name),
        "success",
    )
    back = "admin.index" if current_user.has_role(Role.PLATFORM_ADMIN) else "team.index"
    return redirect(url_for(back))


@bp.route("/invite/<secret>", methods=["GET", "POST"])
@public
def accept(secret: str):
    try:
        token = tokens.find(TokenPurpose.INVITATION, secret)
    except TokenRefused as exc:
        return _refused(str(exc))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            team.accept(secret, form.name.data, form.password.data)
        except TokenRefused as exc:
            return _refused(str(exc))
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Your account is ready. Sign in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/accept.html", form=form, token=token)


@bp.route("/forgot", methods=["GET", "POST"])
@public
def forgot():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_reset(form.email.data)
        flash(
            _("If an account exists for this address, a link to reset its password is on its way."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset/<secret>", methods=["GET", "POST"])
@public
def reset(secret: str):
    try:
        tokens.find(TokenPurpose.PASSWORD_RESET, secret)
    except TokenRefused as exc:
        return _refused(str(exc))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.reset(secret, form.password.data)
        except TokenRefused as exc:
            return _refused(str(exc))
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _("Your password is changed and every session was signed out. Sign in."), "success"
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@signed_in(Role.PLATFORM_ADMIN)
def new_organisation():
    form = NewOrganisationForm()
    if form.validate_on_submit():
        kind = OrgKind(form.kind.data)
        try:
            organisation = create_organisation(
                kind,
                form.name.data,
                country=form.country.data.upper(),
                sector=form.sector.data or None,
            )
            first_role = ADMIN_ROLE_BY_KIND[kind]
            team.invite(current_user, organisation, first_role, form.admin_email.data)
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _("%(name)s created; its first user is invited.", name=organisation.name), "success"
            )
            return redirect(url_for("admin.index"))
    return render_template("accounts/new_organisation.html", form=form)

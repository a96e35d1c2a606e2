"""An organisation's country and sector, changed by its own admin or a platform admin; a
platform admin also invites people into it.

Cases pin the sector when they are opened, so a change reaches only cases opened after it
(docs/security.md, "Organisations: country and sector").
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import require, signed_in
from ..extensions import db
from .forms import InviteForm, OrganisationProfileForm
from .models import ROLES_BY_KIND, Organisation, OrgKind, Role
from .services import AccountError, can_edit_organisation, update_organisation
from .team_views import ADMINS, invite_form, send_invitation

bp = Blueprint("organisations", __name__)

KIND_LABELS = {
    OrgKind.SME: _l("SME"),
    OrgKind.VERIFICATION_BODY: _l("Verification body"),
    OrgKind.LENDER: _l("Lender"),
    OrgKind.PLATFORM: _l("Platform operator"),
}


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@signed_in(*ADMINS)
def edit(organisation_id: int):
    organisation = _editable(organisation_id)
    form = OrganisationProfileForm(obj=organisation)
    if form.validate_on_submit():
        try:
            update_organisation(organisation, form.country.data, form.sector.data or None)
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _("The country and sector of %(name)s are saved.", name=organisation.name),
                "success",
            )
            return redirect(url_for("organisations.edit", organisation_id=organisation.id))
    return _page(organisation, form, _invite_form(organisation))


@bp.route("/organisations/<int:organisation_id>/invite", methods=["POST"])
@signed_in(Role.PLATFORM_ADMIN)
def invite(organisation_id: int):
    """A platform admin invites someone into any organisation, in a role its kind holds
    (a lender's first admin, say, or a replacement for an admin who left)."""
    organisation = _editable(organisation_id)
    form = _invite_form(organisation)
    if form.validate_on_submit() and send_invitation(form, organisation):
        return redirect(url_for("organisations.edit", organisation_id=organisation.id))
    return _page(organisation, OrganisationProfileForm(obj=organisation), form)


def _editable(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    require(organisation is not None and can_edit_organisation(current_user, organisation))
    return organisation


def _invite_form(organisation: Organisation) -> InviteForm | None:
    if not current_user.has_role(Role.PLATFORM_ADMIN):
        return None
    return invite_form(ROLES_BY_KIND[OrgKind(organisation.kind)], prefix="invite")


def _page(organisation: Organisation, form, invite_form):
    if current_user.has_role(Role.PLATFORM_ADMIN):
        back = (url_for("admin.index"), _("Administration"))
    else:
        back = (url_for("team.index"), _("Team"))
    return render_template(
        "accounts/organisation.html",
        organisation=organisation,
        kind=KIND_LABELS[OrgKind(organisation.kind)],
        form=form,
        invite_form=invite_form,
        back=back,
    )

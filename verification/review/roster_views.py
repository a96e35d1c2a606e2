"""The verification body's roster (accreditations), declared conflicts of interest, and the
workload of its verifiers and reviewers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import sectors
from ..access import require, signed_in
from ..accounts.models import Organisation, Role
from ..extensions import db
from ..i18n import translate
from . import accreditation_services as svc
from .accreditation_models import Accreditation
from .roster_forms import AccreditationForm, ConfirmForm, ConflictForm

bp = Blueprint("vb", __name__, url_prefix="/vb")


@bp.app_template_filter("sector_label")
def sector_label(code: str | None) -> str:
    return translate(sectors.label(code))


def _sector_choices() -> list[SelectChoice]:
    return [SelectChoice(code, sector_label(code)) for code in sectors.CODES]


@bp.route("/roster", methods=["GET", "POST"])
@signed_in(Role.VB_ADMIN)
def roster():
    body_id = current_user.organisation_id
    staff = svc.staff_of(body_id)
    form = AccreditationForm()
    form.person.choices = [SelectChoice(u.id, f"{u.name} ({u.role})") for u in staff]
    form.methodology_codes.choices = [SelectChoice(c, c) for c in svc.methodology_codes()]
    form.sectors.choices = _sector_choices()
    if form.validate_on_submit():
        person = next(u for u in staff if u.id == form.person.data)
        try:
            svc.add_accreditation(
                current_user,
                person,
                form.methodology_codes.data,
                form.sectors.data,
                form.valid_from.data,
                form.valid_to.data,
                form.accreditation_body.data,
                form.number.data,
            )
        except svc.RosterError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Accreditation added for %(name)s.", name=person.name), "success")
            return redirect(url_for("vb.roster"))
    held: dict[int, list[Accreditation]] = {u.id: [] for u in staff}
    for accreditation in svc.accreditations_of(body_id):
        held.setdefault(accreditation.user_id, []).append(accreditation)
    return render_template(
        "vb/roster.html",
        staff=staff,
        held=held,
        form=form,
        button=ConfirmForm(),
        today=svc.today(),
    )


def _load_accreditation(accreditation_id: int) -> Accreditation:
    accreditation = db.session.get(Accreditation, accreditation_id)
    require(
        accreditation is not None
        and accreditation.verification_body_id == current_user.organisation_id
    )
    return accreditation


@bp.route("/roster/<int:accreditation_id>/end", methods=["POST"])
@signed_in(Role.VB_ADMIN)
def end_accreditation(accreditation_id: int):
    accreditation = _load_accreditation(accreditation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        svc.end_accreditation(current_user, accreditation, svc.today())
    except svc.RosterError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(
            _(
                "The accreditation %(number)s of %(name)s is no longer in force.",
                number=accreditation.number,
                name=accreditation.user.name,
            ),
            "success",
        )
    return redirect(url_for("vb.roster"))


@bp.route("/roster/<int:accreditation_id>/remove", methods=["POST"])
@signed_in(Role.VB_ADMIN)
def remove_accreditation(accreditation_id: int):
    accreditation = _load_accreditation(accreditation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    number, name = accreditation.number, accreditation.user.name
    svc.remove_accreditation(current_user, accreditation)
    flash(
        _("The accreditation %(number)s of %(name)s was removed.", number=number, name=name),
        "success",
    )
    return redirect(url_for("vb.roster"))


@bp.route("/workload")
@signed_in(Role.VB_ADMIN)
def workload():
    today = svc.today()
    loads, waiting = svc.workload(current_user.organisation_id, today)
    return render_template("vb/workload.html", loads=loads, waiting=waiting, today=today)


@bp.route("/conflicts", methods=["GET", "POST"])
@signed_in(Role.VB_ADMIN, Role.VERIFIER, Role.REVIEWER)
def conflicts():
    is_admin = current_user.has_role(Role.VB_ADMIN)
    people = svc.staff_of(current_user.organisation_id) if is_admin else [current_user]
    organisations = svc.client_organisations()
    form = ConflictForm()
    form.person.choices = [SelectChoice(u.id, u.name) for u in people]
    form.organisation.choices = [SelectChoice(o.id, o.name) for o in organisations]
    if form.validate_on_submit():
        person = next(u for u in people if u.id == form.person.data)
        organisation = db.session.get(Organisation, form.organisation.data)
        try:
            svc.declare_conflict(
                current_user,
                person,
                organisation,
                form.relationship.data,
                form.started_on.data,
                form.ended_on.data,
            )
        except svc.RosterError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "Relationship of %(name)s with %(organisation)s recorded.",
                    name=person.name,
                    organisation=organisation.name,
                ),
                "success",
            )
            return redirect(url_for("vb.conflicts"))
    return render_template(
        "vb/conflicts.html",
        form=form,
        is_admin=is_admin,
        declarations=svc.visible_declarations(current_user),
    )

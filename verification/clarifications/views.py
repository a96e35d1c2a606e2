"""The clarification page of a case: threads, the verifier's new request, replies, closing."""

from __future__ import annotations

from typing import NoReturn

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from ..access import require, signed_in
from ..accounts.models import Role
from ..cases import permissions as perm
from ..cases.services import TransitionRefused, methodology_of
from ..cases.views import load_case
from ..errors import conflict
from ..extensions import db
from ..i18n import translate
from . import services
from .forms import RaiseForm, ReplyForm
from .models import Clarification

bp = Blueprint("clarifications", __name__, url_prefix="/cases")


def _raise_form(case) -> RaiseForm:
    form = RaiseForm()
    form.criterion.choices = [SelectChoice("", _("The case as a whole"))] + [
        SelectChoice(c.code, f"{c.code}: {c.question}") for c in methodology_of(case).criteria
    ]
    return form


def _page(case, raise_form=None, reply_forms=None, status=200):
    threads = services.for_case(case)
    reply_forms = reply_forms or {}
    return (
        render_template(
            "clarifications/index.html",
            case=case,
            threads=threads,
            today=services.today(),
            raise_form=raise_form or _raise_form(case),
            reply_forms={t.id: reply_forms.get(t.id) or ReplyForm(formdata=None) for t in threads},
            close_form=FlaskForm(formdata=None),
            can_raise=perm.can_raise_clarification(current_user, case),
            can_answer=perm.can_answer_clarification(current_user, case),
        ),
        status,
    )


def _load(case, clarification_id: int) -> Clarification:
    found = services.get(case, clarification_id)
    if found is None:
        abort(404)
    return found


def _refused(exc: Exception) -> NoReturn:
    db.session.rollback()
    if isinstance(exc, services.NotYours):
        abort(403)
    if isinstance(exc, TransitionRefused):
        raise conflict(" ".join(translate(r) for r in exc.reasons)) from None
    raise conflict(str(exc)) from None


@bp.route("/<int:case_id>/clarifications")
@signed_in()
def index(case_id: int):
    return _page(load_case(case_id))


@bp.route("/<int:case_id>/clarifications", methods=["POST"])
@signed_in(Role.VERIFIER)
def raise_request(case_id: int):
    case = load_case(case_id)
    require(True, current_user.id == case.verifier_id)
    if not perm.can_raise_clarification(current_user, case):
        raise conflict(_("Clarification requests can only be raised while the case is in review."))
    form = _raise_form(case)
    if not form.validate_on_submit():
        flash(_("The request was not raised: correct the fields marked below."), "error")
        return _page(case, raise_form=form, status=400)
    try:
        made = services.raise_request(
            case,
            current_user,
            perm.actor(current_user, case),
            form.criterion.data or None,
            form.subject.data,
            form.body.data,
            form.due_on.data,
        )
    except services.ClarificationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _page(case, raise_form=form, status=400)
    except (services.NotYours, services.NotNow, TransitionRefused) as exc:
        _refused(exc)
    flash(_("Clarification request raised; the organisation has been told."), "success")
    return redirect(url_for("clarifications.index", case_id=case.id, _anchor=f"c{made.id}"))


@bp.route("/<int:case_id>/clarifications/<int:clarification_id>/messages", methods=["POST"])
@signed_in(Role.SME_ADMIN, Role.SME_MEMBER, Role.VERIFIER)
def reply(case_id: int, clarification_id: int):
    case = load_case(case_id)
    found = _load(case, clarification_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("Nothing was sent: correct the message."), "error")
        return _page(case, reply_forms={found.id: form}, status=400)
    upload = request.files.get("file")
    if upload is not None and not upload.filename:
        upload = None  # the file field left empty
    try:
        services.reply(
            found,
            case,
            current_user,
            perm.actor(current_user, case),
            form.body.data,
            upload,
            form.due_on.data,
        )
    except services.ClarificationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _page(case, reply_forms={found.id: form}, status=400)
    except (services.NotYours, services.NotNow, TransitionRefused) as exc:
        _refused(exc)
    flash(_("Message sent."), "success")
    return redirect(url_for("clarifications.index", case_id=case.id, _anchor=f"c{found.id}"))


@bp.route("/<int:case_id>/clarifications/<int:clarification_id>/close", methods=["POST"])
@signed_in(Role.VERIFIER)
def close(case_id: int, clarification_id: int):
    case = load_case(case_id)
    found = _load(case, clarification_id)
    if not FlaskForm().validate_on_submit():  # CSRF only
        abort(400)
    try:
        services.close(found, case, current_user, perm.actor(current_user, case))
    except (services.NotYours, services.NotNow, TransitionRefused) as exc:
        _refused(exc)
    flash(_("Clarification request closed."), "success")
    return redirect(url_for("clarifications.index", case_id=case.id, _anchor=f"c{found.id}"))

"""Uploading evidence against a criterion and downloading it again."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import require, signed_in
from ..accounts.models import Role
from ..cases import permissions as perm
from ..cases.forms import ActionForm
from ..cases.views import load_case
from ..errors import conflict
from ..extensions import db
from .models import EvidenceFile
from .services import EvidenceRejected, add_evidence, link_evidence

bp = Blueprint("evidence", __name__)


@bp.route("/cases/<int:case_id>/criteria/<code>/evidence", methods=["POST"])
@signed_in(Role.SME_ADMIN, Role.SME_MEMBER)
def upload(case_id: int, code: str):
    case = load_case(case_id)
    if not perm.is_member(current_user, case):
        abort(403)
    if not perm.can_edit_case(current_user, case):
        raise conflict(_("Evidence can only be added while the case is a draft."))
    if not ActionForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None:
        flash(_("Choose a file to upload."), "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor=f"criterion-{code}"))
    try:
        row = add_evidence(case, code, upload, current_user)
    except KeyError:
        abort(404)
    except EvidenceRejected as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor=f"criterion-{code}"))
    flash(_("%(name)s attached to %(code)s.", name=row.original_name, code=code), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor=f"criterion-{code}"))


def _draft_file(case_id: int, evidence_id: int | str):
    """The case and one of its files, for a change only a member may make in draft."""
    case = load_case(case_id)
    if not perm.is_member(current_user, case):
        abort(403)
    if not perm.can_edit_case(current_user, case):
        raise conflict(
            _("Evidence in a submitted case cannot be changed; it is kept as it was submitted.")
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    text = str(evidence_id)
    if not text.isdigit() or len(text) > 12:
        abort(400)
    row = db.session.get(EvidenceFile, int(text))
    if row is None or row.case_id != case.id:
        abort(404)
    return case, row


@bp.route("/cases/<int:case_id>/criteria/<code>/evidence/link", methods=["POST"])
@signed_in(Role.SME_ADMIN, Role.SME_MEMBER)
def link(case_id: int, code: str):
    """Let a file already uploaded for another criterion support this one as well."""
    case, row = _draft_file(case_id, request.form.get("evidence_id", ""))
    try:
        added = link_evidence(case, row, code, current_user)
    except KeyError:
        flash(_("Choose a criterion of this case."), "error")
    except EvidenceRejected as exc:
        flash(str(exc), "error")
    else:
        if added:
            flash(
                _("%(name)s now also supports %(code)s.", name=row.original_name, code=code),
                "success",
            )
        else:
            flash(
                _("%(name)s already supports %(code)s.", name=row.original_name, code=code), "info"
            )
    return redirect(url_for("cases.show", case_id=case.id, _anchor=f"criterion-{code}"))


@bp.route("/cases/<int:case_id>/evidence/<int:evidence_id>/replace", methods=["POST"])
@signed_in(Role.SME_ADMIN, Role.SME_MEMBER)
def replace(case_id: int, evidence_id: int):
    """Upload a new version of a file; the old one stays in the file's history."""
    case, row = _draft_file(case_id, evidence_id)
    anchor = f"criterion-{row.criterion_code}"
    if not row.current:
        raise conflict(_("This file was already replaced; replace its current version."))
    upload = request.files.get("file")
    if upload is None:
        flash(_("Choose a file to upload."), "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor=anchor))
    try:
        new = add_evidence(case, row.criterion_code, upload, current_user, replaces=row)
    except EvidenceRejected as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(
            _(
                "%(old)s replaced by %(new)s; the old file is kept in its history.",
                old=row.original_name,
                new=new.original_name,
            ),
            "success",
        )
    return redirect(url_for("cases.show", case_id=case.id, _anchor=anchor))


@bp.route("/evidence/<int:evidence_id>")
@signed_in()
def download(evidence_id: int):
    row = db.session.get(EvidenceFile, evidence_id)
    if row is None:
        abort(404)
    load_case(row.case_id)  # 404 unless the user may see the case
    store = current_app.extensions["file_store"]
    require(store.exists(row.sha256))
    return send_file(
        store.path(row.sha256),
        mimetype=row.media_type,
        as_attachment=True,
        download_name=row.original_name,
        etag=row.sha256,
    )

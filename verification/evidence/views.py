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
from .services import EvidenceRejected, add_evidence

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

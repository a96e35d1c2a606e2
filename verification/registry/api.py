"""JSON API v1 (public part): statement lookup and verification by upload."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from ..access import public
from ..extensions import csrf
from . import services
from .uploads import UploadTooLarge, read_bounded
from .views import _record

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/statements/<number>")
@public
def statement(number: str):
    statement = services.find(number)
    if statement is None:
        abort(404)
    return jsonify(_record(statement))


@bp.route("/verify", methods=["POST"])
@public
@csrf.exempt
def verify():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(
            {"error": "Send the PDF as a multipart field named 'file'.", "status": 400}
        ), 400
    try:
        data = read_bounded(upload)
    except UploadTooLarge as exc:
        return jsonify({"error": str(exc), "status": 413}), 413
    report = services.verify_pdf(data)
    body = report.as_dict()
    if report.statement is not None:
        body["statement"] = _record(report.statement)
    return jsonify(body)

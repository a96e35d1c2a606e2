"""JSON API v1 (public part): statement lookup, verification by upload, the carbon engine,
and the OpenAPI document describing them (``openapi.py``)."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request

from ..access import public
from ..accounts.api_tokens import require_token
from ..extensions import csrf
from . import services
from .uploads import UploadTooLarge, read_bounded
from .views import _record

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/openapi.json")
@public
def openapi():
    import json

    from flask import current_app

    from .openapi import SPEC

    return current_app.response_class(
        json.dumps(SPEC, ensure_ascii=False, indent=1), mimetype="application/json"
    )


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


@bp.route("/carbon/calc", methods=["POST"])
@public
@csrf.exempt
def carbon_calc():
    """The carbon engine on a JSON document (docs/carbon.md); nothing is stored."""
    from ..carbon.calc import calculate
    from ..carbon.document import parse_document, result_to_dict
    from ..carbon.errors import CarbonError
    from ..emissions.services import carbon_message, library

    doc = request.get_json(silent=True)
    if not isinstance(doc, dict):
        return jsonify({"error": "Send a JSON object (see docs/carbon.md).", "status": 400}), 400
    try:
        result = calculate(parse_document(doc), library())
    except CarbonError as exc:
        problems = carbon_message(exc)
        return jsonify({"error": problems[0], "problems": problems, "status": 422}), 422
    return jsonify(result_to_dict(result))


@bp.route("/me")
@public
@require_token("account:read")
def me():
    """The token's user: lets a script check its token (the first token-only endpoint)."""
    token = g.api_token
    return jsonify(
        {
            "email": token.user.email,
            "name": token.user.name,
            "organisation": token.user.organisation.name,
            "scopes": token.scopes.split(),
        }
    )

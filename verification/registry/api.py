"""JSON API v1 (public part): statement lookup, verification by upload, the carbon engine,
and the OpenAPI document describing them (``openapi.py``)."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request

from ..access import public
from ..accounts.api_tokens import require_token
from ..extensions import csrf
from . import services
from .cache import cached
from .records import lookup, public_record, record_of
from .uploads import UploadTooLarge, read_bounded

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


SEARCH_TEXT_MAX = 200
PER_PAGE_MAX = 100


def _bad_request(message: str):
    return jsonify({"error": message, "status": 400}), 400


@bp.route("/statements")
@public
def statements():
    """The registry search (docs/api.md): filters combine; newest first; paginated."""
    args = request.args
    text = {k: args.get(k, "").strip() for k in ("organisation", "number", "methodology")}
    if any(len(v) > SEARCH_TEXT_MAX for v in text.values()):
        return _bad_request(f"Search text is at most {SEARCH_TEXT_MAX} characters.")
    status = args.get("status", "")
    if status and status not in services.STATUSES:
        return _bad_request(f"status is one of {', '.join(services.STATUSES)}.")
    numbers = {}
    for name, default, most in (("page", 1, 100_000), ("per_page", 50, PER_PAGE_MAX)):
        raw = args.get(name, "")
        if raw == "":
            numbers[name] = default
        elif raw.isascii() and raw.isdigit() and 1 <= int(raw) <= most:
            numbers[name] = int(raw)
        else:
            return _bad_request(f"{name} is a whole number from 1 to {most}.")
    results = services.find_statements(
        organisation=text["organisation"] or None,
        number=text["number"] or None,
        methodology=text["methodology"] or None,
        status=status or None,
        **numbers,
    )
    return jsonify(
        {
            "statements": [record_of(s, services.today()) for s in results.items],
            "total": results.total,
            "page": results.page,
            "per_page": results.per_page,
            "pages": results.pages,
        }
    )


@bp.route("/statements/<number>")
@public
def statement(number: str):
    fields = cached(number, lookup)  # cache.py; else one query in autocommit
    if fields is None:
        abort(404)
    response = jsonify(public_record(fields, services.today()))
    # A status can change at any moment (revocation): no cache on the way may answer for us.
    response.headers["Cache-Control"] = "no-cache"
    return response


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
        body["statement"] = record_of(report.statement, services.today())
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

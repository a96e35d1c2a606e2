"""JSON API v1, the lender part: organisation search, lookup by PDF hash, the watchlist and
its portfolio summary. Described in the OpenAPI document (``lender/openapi.py``, merged
into ``registry/openapi.py``); docs/api.md says the same in prose.
"""

from __future__ import annotations

import re

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from ..access import public
from ..accounts.api_tokens import require_token
from ..accounts.models import LENDER_ROLES
from ..extensions import csrf, db
from ..registry.records import record_of
from ..registry.services import today
from ..statements.models import Statement
from ..transactions import read_only
from . import portfolio, services
from .models import NOTE_MAX

bp = Blueprint("lender_api", __name__, url_prefix="/api/v1")

SHA256 = re.compile(r"[0-9a-fA-F]{64}")
SCOPE = "watchlist"


def _error(status: int, message: str):
    return jsonify({"error": message, "status": status}), status


def _statement(statement: Statement | None) -> dict | None:
    if statement is None:
        return None
    return record_of(statement, today())


def _organisation(organisation) -> dict:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "country": organisation.country,
        "sector": organisation.sector,
    }


@bp.route("/organisations")
@public
def organisations():
    """Organisations with a statement in the registry whose name contains ``q``."""
    read_only()
    found = services.watchable(request.args.get("q", ""))
    ids = [o.id for o in found]
    counts, latest = services.statement_counts(ids), services.latest_statements(ids)
    return jsonify(
        {
            "organisations": [
                {
                    **_organisation(o),
                    "statements": counts.get(o.id, 0),
                    "latest_statement": _statement(latest.get(o.id)),
                }
                for o in found
            ]
        }
    )


@bp.route("/verify/<sha256>")
@public
def verify_hash(sha256: str):
    """Is a PDF with this SHA-256 registered, and what is its statement's status?"""
    if not SHA256.fullmatch(sha256):
        return _error(400, _("Give the SHA-256 of the PDF as 64 hexadecimal characters."))
    digest = sha256.lower()
    read_only()
    statement = db.session.scalar(select(Statement).where(Statement.pdf_sha256 == digest))
    if statement is None:
        return _error(404, _("No statement on this platform is a PDF with this SHA-256."))
    return jsonify(
        {
            "sha256": digest,
            "registered": True,
            "status": str(statement.current_status(today())),
            "statement": _statement(statement),
        }
    )


def _lender_only():
    """403 for a token whose user is not of a lender (a platform admin has no list)."""
    if not g.api_token.user.has_role(*LENDER_ROLES):
        return _error(403, _("Only the people of a lender have a watchlist."))
    return None


def _entry(entry, latest: Statement | None) -> dict:
    return {
        "organisation": _organisation(entry.organisation),
        "note": entry.note,
        "added_at": entry.created_at.isoformat(),
        "added_by": entry.added_by.name if entry.added_by else None,
        "latest_statement": _statement(latest),
    }


@bp.route("/watchlist", methods=["GET"])
@public
@require_token(SCOPE)
def watchlist():
    if (refused := _lender_only()) is not None:
        return refused
    entries = services.watchlist(g.api_token.user.organisation_id)
    latest = services.latest_statements([e.organisation_id for e in entries])
    return jsonify({"watchlist": [_entry(e, latest.get(e.organisation_id)) for e in entries]})


def _body_problem(body) -> str | None:
    if not isinstance(body, dict):
        return _("Send a JSON object with organisation_id and, if you like, a note.")
    unknown = sorted(set(body) - {"organisation_id", "note"})
    if unknown:
        return _("Unknown fields: %(names)s.", names=", ".join(unknown))
    org_id = body.get("organisation_id")
    if type(org_id) is not int or not 1 <= org_id <= services.MAX_ID:
        return _("organisation_id must be a whole number from 1 to %(max)d.", max=services.MAX_ID)
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        return _("note must be text of at most %(n)d characters.", n=NOTE_MAX)
    return None


@bp.route("/watchlist", methods=["POST"])
@public
@csrf.exempt
@require_token(SCOPE)
def watch():
    if (refused := _lender_only()) is not None:
        return refused
    body = request.get_json(silent=True)
    problem = _body_problem(body)
    if problem:
        return _error(422, problem)
    try:
        entry = services.add(g.api_token.user, body["organisation_id"], body.get("note", ""))
    except services.WatchError as exc:
        if exc.status == 409:
            return _error(409, _("This organisation is already on your watchlist."))
        return _error(404, _("No organisation with a statement in the registry has this id."))
    latest = services.latest_statements([entry.organisation_id]).get(entry.organisation_id)
    return jsonify(_entry(entry, latest)), 201


@bp.route("/watchlist/<organisation_id>", methods=["DELETE"])
@public
@csrf.exempt
@require_token(SCOPE)
def unwatch(organisation_id: str):
    if (refused := _lender_only()) is not None:
        return refused
    # digits only (no sign, no spaces); the length bound keeps int() cheap
    number = (
        int(organisation_id)
        if organisation_id.isascii() and organisation_id.isdigit() and len(organisation_id) <= 12
        else 0
    )
    if not services.remove(g.api_token.user, number):
        return _error(404, _("This organisation is not on your watchlist."))
    return "", 204


@bp.route("/portfolio")
@public
@require_token(SCOPE)
def portfolio_summary():
    """The portfolio summary of the watchlist (the figures of /lender/portfolio)."""
    if (refused := _lender_only()) is not None:
        return refused
    rows = services.portfolio_rows(g.api_token.user.organisation_id, today())
    return jsonify(portfolio.summarise(rows).as_dict())

"""The OpenAPI description of the lender endpoints (``lender/api.py``).

:func:`merge` adds these paths and schemas to the document of ``registry/openapi.py`` and
lists the rate limit's ``429`` under every operation, so schemathesis
(``tests/web/test_fuzz_api.py``, ``tests/web/test_lender_api.py``) checks these answers too.
"""

from __future__ import annotations

from typing import Any

from ..registry.openapi_schemas import SHA256, STRING, _json, _obj, _ref

ERROR = _ref("Error")
TOKEN = [{"bearerToken": []}]
NO_TOKEN = _json(
    ERROR,
    "No working token (missing, revoked, or its user deactivated or their password reset).",
)
NOT_ALLOWED = _json(
    ERROR, "The token lacks the watchlist scope, or its user is not of a lender (admin or analyst)."
)
RATE_LIMITED = _json(
    ERROR,
    "Too many requests from this address (docs/configuration.md, rate limits); the "
    "Retry-After header says in how many seconds to try again.",
)
ORG_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
NULLABLE_TEXT = {"type": ["string", "null"]}
COUNT = {"type": "integer", "minimum": 0}
DECIMAL_OR_NULL = {"type": ["string", "null"], "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}

SCHEMAS: dict[str, Any] = {
    "Organisation": _obj(
        {"id": ORG_ID, "name": STRING, "country": NULLABLE_TEXT, "sector": NULLABLE_TEXT}
    ),
    "OrganisationFound": _obj(
        {
            "id": ORG_ID,
            "name": STRING,
            "country": NULLABLE_TEXT,
            "sector": NULLABLE_TEXT,
            "statements": {**COUNT, "description": "Statements in the registry."},
            "latest_statement": _ref("Statement"),
        }
    ),
    "HashLookup": _obj(
        {
            "sha256": SHA256,
            "registered": {"const": True},
            "status": {"enum": ["valid", "revoked", "superseded", "expired"]},
            "statement": _ref("Statement"),
        }
    ),
    "WatchEntry": _obj(
        {
            "organisation": _ref("Organisation"),
            "note": STRING,
            "added_at": {"type": "string", "format": "date-time"},
            "added_by": {**NULLABLE_TEXT, "description": "Who added it (null: left)."},
            "latest_statement": {"oneOf": [{"type": "null"}, _ref("Statement")]},
        }
    ),
    "WatchRequest": _obj(
        {"organisation_id": ORG_ID, "note": {"type": "string", "maxLength": 500}},
        optional=("note",),
    ),
    "Portfolio": _obj(
        {
            "organisations": COUNT,
            "statuses": _obj({s: COUNT for s in ("valid", "revoked", "superseded", "expired")}),
            "grades": {"type": "object", "additionalProperties": COUNT},
            "emissions_location_t": DECIMAL_OR_NULL,
            "emissions_market_t": DECIMAL_OR_NULL,
            "data_quality": {
                **DECIMAL_OR_NULL,
                "description": "Mean data quality (1 best, 5 worst) weighted by each "
                "statement's location-based emissions; null without figures.",
            },
        }
    ),
}

PATHS: dict[str, Any] = {
    "/api/v1/organisations": {
        "get": {
            "operationId": "searchOrganisations",
            "summary": "Organisations with a statement in the registry, by name",
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "Text the name contains (any case); the first 200 "
                    "characters count. At most 50 organisations, by name.",
                }
            ],
            "responses": {
                "200": _json(
                    _obj({"organisations": {"type": "array", "items": _ref("OrganisationFound")}}),
                    "The organisations found (public data only).",
                ),
                "400": _json(ERROR, "A NUL character in the query."),
            },
        }
    },
    "/api/v1/verify/{sha256}": {
        "get": {
            "operationId": "verifyHash",
            "summary": "Is a PDF with this SHA-256 a registered statement, and its status",
            "parameters": [
                {
                    "name": "sha256",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
                    "description": "The SHA-256 of the PDF file, in hexadecimal.",
                }
            ],
            "responses": {
                "200": _json(_ref("HashLookup"), "The file is a registered statement."),
                "400": _json(ERROR, "Not 64 hexadecimal characters."),
                "404": _json(ERROR, "No registered statement is a PDF with this SHA-256."),
            },
        }
    },
    "/api/v1/watchlist": {
        "get": {
            "operationId": "getWatchlist",
            "summary": "Your lender organisation's watchlist, with each latest statement",
            "security": TOKEN,
            "responses": {
                "200": _json(
                    _obj({"watchlist": {"type": "array", "items": _ref("WatchEntry")}}),
                    "Every entry, by organisation name.",
                ),
                "401": NO_TOKEN,
                "403": NOT_ALLOWED,
            },
        },
        "post": {
            "operationId": "watchOrganisation",
            "summary": "Add an organisation with a statement to the watchlist",
            "security": TOKEN,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _ref("WatchRequest"),
                        "example": {"organisation_id": 7, "note": "Loan 2026-114"},
                    }
                },
            },
            "responses": {
                "201": _json(_ref("WatchEntry"), "Added."),
                "401": NO_TOKEN,
                "403": NOT_ALLOWED,
                "404": _json(ERROR, "No organisation with a statement has this id."),
                "409": _json(ERROR, "Already on the watchlist."),
                "413": _json(ERROR, "The body is larger than the request limit."),
                "422": _json(
                    ERROR,
                    "The body is not a WatchRequest (not JSON, a field "
                    "missing, unknown or of the wrong type).",
                ),
            },
        },
    },
    "/api/v1/watchlist/{organisation_id}": {
        "delete": {
            "operationId": "unwatchOrganisation",
            "summary": "Take an organisation off the watchlist",
            "security": TOKEN,
            "parameters": [
                {"name": "organisation_id", "in": "path", "required": True, "schema": ORG_ID}
            ],
            "responses": {
                "204": {"description": "Removed."},
                "401": NO_TOKEN,
                "403": NOT_ALLOWED,
                "404": _json(ERROR, "Not on the watchlist (or not an organisation id)."),
            },
        }
    },
    "/api/v1/portfolio": {
        "get": {
            "operationId": "getPortfolio",
            "summary": "The portfolio summary of the watchlist (docs/lender.md)",
            "security": TOKEN,
            "responses": {
                "200": _json(_ref("Portfolio"), "Figures over each latest statement."),
                "401": NO_TOKEN,
                "403": NOT_ALLOWED,
            },
        }
    },
}


def merge(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the lender paths and schemas to ``spec``, and ``429`` to every operation."""
    spec["paths"].update(PATHS)
    spec["components"]["schemas"].update(SCHEMAS)
    for operations in spec["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault("429", RATE_LIMITED)
    return spec

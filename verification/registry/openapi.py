"""The OpenAPI 3.1 description of the JSON API v1, served at ``/api/v1/openapi.json``.

Written by hand from what the views return (``registry/api.py``, ``registry/services.py``,
``carbon/document.py``, ``carbon/serialise.py``); ``tests/web/test_fuzz_api.py`` runs
schemathesis against it and checks every response against these schemas, so a change to a
response that is not made here too fails the tests. docs/api.md and docs/carbon.md say the
same in prose.
"""

from __future__ import annotations

from typing import Any

from .openapi_schemas import SCHEMAS, STRING, _json, _obj, _ref

ERROR = _ref("Error")


def _query(name: str, description: str, max_length: int) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "schema": {"type": "string", "maxLength": max_length},
        "description": description,
    }


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Verified ESG public API",
        "version": "1",
        "description": "Statement lookup, statement verification by upload or by hash, "
        "organisation search and the carbon engine, with no account; the watchlist and "
        "portfolio of a lender, with an API token (bearer). Every error is JSON: "
        '`{"error": "<message>", "status": <code>}`.',
    },
    "paths": {
        "/api/v1/statements": {
            "get": {
                "operationId": "searchStatements",
                "summary": "Search the registry; each statement with its current status",
                "parameters": [
                    _query("organisation", "A part of the organisation's name (any case).", 200),
                    _query("number", "A part of the statement number (any case).", 200),
                    _query("methodology", "A methodology code, exactly.", 200),
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"enum": ["valid", "revoked", "superseded", "expired"]},
                        "description": "The status as computed today (a valid statement past "
                        "valid_until is expired).",
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100000},
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                    },
                ],
                "responses": {
                    "200": _json(_ref("StatementList"), "One page of matches, newest first."),
                    "400": _json(ERROR, "A filter out of range, or a NUL in a parameter."),
                },
            }
        },
        "/api/v1/statements/{number}": {
            "get": {
                "operationId": "getStatement",
                "summary": "A registered statement and its current status",
                "parameters": [
                    {
                        "name": "number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "example": "VS-2026-000001",
                        "description": "The statement number, VS-<year>-<six digits>.",
                    }
                ],
                "responses": {
                    "200": _json(_ref("Statement"), "The statement."),
                    "400": _json(ERROR, "The number holds a character never in one (NUL)."),
                    "404": _json(ERROR, "No statement has this number."),
                },
            }
        },
        "/api/v1/verify": {
            "post": {
                "operationId": "verifyStatement",
                "summary": "Check a PDF someone holds: signature, signer, registration, status",
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "file": {
                                        "type": "string",
                                        "contentMediaType": "application/octet-stream",
                                        "description": "The PDF (any file is answered).",
                                    }
                                },
                                "required": ["file"],
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        _ref("VerifyReport"),
                        "Each check answered in plain words; a file that is not a PDF, not "
                        "signed or not from the platform fails the checks it fails.",
                    ),
                    "400": _json(
                        ERROR, "No file in a multipart field named `file` (or a NUL in a field)."
                    ),
                    "413": _json(ERROR, "The file is larger than VERIFY_MAX_BYTES."),
                },
            }
        },
        "/api/v1/carbon/calc": {
            "post": {
                "operationId": "carbonCalc",
                "summary": "Run the carbon engine on an input document; nothing is stored",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref("CarbonInput"),
                            "example": {
                                "lines": [
                                    {
                                        "id": "L1",
                                        "scope": 2,
                                        "category": "purchased electricity",
                                        "factor": "cn-mee-2023-national-grid",
                                        "quantity": "100",
                                        "unit": "MWh",
                                        "data_type": "metered",
                                    }
                                ]
                            },
                        }
                    },
                },
                "responses": {
                    "200": _json(_ref("CarbonResult"), "The result, as docs/carbon.md."),
                    "400": _json(ERROR, "The body is not a JSON object."),
                    "413": _json(ERROR, "The body is larger than the request limit."),
                    "422": _json(
                        _ref("CarbonProblems"),
                        "The document cannot be turned into figures (a bad field, an unknown "
                        "unit or factor...); every problem is listed.",
                    ),
                },
            }
        },
        "/api/v1/me": {
            "get": {
                "operationId": "getMe",
                "summary": "Whom the API token belongs to, and its scopes",
                "security": [{"bearerToken": []}],
                "responses": {
                    "200": _json(
                        _obj(
                            {
                                "email": STRING,
                                "name": STRING,
                                "organisation": STRING,
                                "scopes": {"type": "array", "items": STRING},
                            }
                        ),
                        "The token's user.",
                    ),
                    "401": _json(
                        ERROR,
                        "No working token (missing, revoked, or its user "
                        "deactivated or their password reset).",
                    ),
                    "403": _json(ERROR, "The token lacks the account:read scope."),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearerToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token (vt_...) made on /account/api-tokens.",
            }
        },
    },
}

# The lender endpoints (organisation search, lookup by hash, watchlist, portfolio) and the
# rate limit's 429 on every operation: verification/lender/openapi.py.
from ..lender.openapi import merge  # noqa: E402

merge(SPEC)

"""The public record of a statement: what the registry and lender APIs answer about it.

Two ways in, one record out:

- :func:`lookup` reads exactly the record's fields by number in one Core query (no ORM
  objects, no ``data_json``): ``GET /api/v1/statements/<number>``, the path lenders'
  scripts call most (bench/registry.py measures it);
- :func:`fields_of` takes a loaded :class:`Statement` (searches, verification by upload or
  hash, the watchlist).

Either gives the fields to :func:`public_record`, which adds the status as computed today and
the URLs. ``tests/integration/test_registry_records.py`` keeps the two ways equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import url_for
from sqlalchemy import bindparam, select

from ..accounts.models import Organisation
from ..readpath import DriverQuery
from ..statements.models import Statement, status_on

_statement = Statement.__table__
_organisation = Organisation.__table__.alias("organisation")
_body = Organisation.__table__.alias("body")
_newer = Statement.__table__.alias("newer")
_older = Statement.__table__.alias("older")

LOOKUP = (
    select(
        _statement.c.number,
        _statement.c.status,
        _statement.c.valid_until,
        _organisation.c.name.label("organisation"),
        _body.c.name.label("verification_body"),
        _statement.c.methodology_code.label("methodology"),
        _statement.c.issued_at,
        _statement.c.revoked_at,
        _statement.c.revocation_reason,
        _newer.c.number.label("superseded_by"),
        _statement.c.superseded_at,
        _statement.c.supersession_reason,
        _older.c.number.label("supersedes"),
        _statement.c.pdf_sha256,
        _statement.c.data_sha256,
        _statement.c.timestamped_at,
    )
    .join_from(_statement, _organisation, _organisation.c.id == _statement.c.organisation_id)
    .join(_body, _body.c.id == _statement.c.verification_body_id)
    .outerjoin(_newer, _newer.c.id == _statement.c.superseded_by_id)
    .outerjoin(_older, _older.c.id == _statement.c.supersedes_id)
    .where(_statement.c.number == bindparam("number"))
)


_LOOKUP = DriverQuery(LOOKUP)


def lookup(number: str) -> Mapping | None:
    """The record's fields of statement ``number``, or None (on the driver: readpath.py)."""
    return _LOOKUP.first(number=number)


def fields_of(statement: Statement) -> dict:
    """The same fields as :func:`lookup`, from a loaded statement."""
    return {
        "number": statement.number,
        "status": statement.status,
        "valid_until": statement.valid_until,
        "organisation": statement.organisation.name,
        "verification_body": statement.verification_body.name,
        "methodology": statement.methodology_code,
        "issued_at": statement.issued_at,
        "revoked_at": statement.revoked_at,
        "revocation_reason": statement.revocation_reason,
        "superseded_by": statement.superseded_by.number if statement.superseded_by else None,
        "superseded_at": statement.superseded_at,
        "supersession_reason": statement.supersession_reason,
        "supersedes": statement.supersedes.number if statement.supersedes else None,
        "pdf_sha256": statement.pdf_sha256,
        "data_sha256": statement.data_sha256,
        "timestamped_at": statement.timestamped_at,
    }


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def public_record(fields: Mapping, today: date) -> dict:
    """The JSON record (docs/api.md): the fields, the status on ``today``, the URLs."""
    number = fields["number"]
    return {
        "number": number,
        "status": str(status_on(fields["status"], fields["valid_until"], today)),
        "organisation": fields["organisation"],
        "verification_body": fields["verification_body"],
        "methodology": fields["methodology"],
        "issued_at": fields["issued_at"].isoformat(),
        "valid_until": fields["valid_until"].isoformat(),
        "revoked_at": _when(fields["revoked_at"]),
        "revocation_reason": fields["revocation_reason"],
        "superseded_by": fields["superseded_by"],
        "superseded_at": _when(fields["superseded_at"]),
        "supersession_reason": fields["supersession_reason"],
        "supersedes": fields["supersedes"],
        "pdf_sha256": fields["pdf_sha256"],
        "data_sha256": fields["data_sha256"],
        "timestamped_at": _when(fields["timestamped_at"]),
        "pdf_url": url_for("registry.pdf", number=number, _external=True),
        "page_url": url_for("registry.statement", number=number, _external=True),
    }


def record_of(statement: Statement, today: date) -> dict:
    return public_record(fields_of(statement), today)

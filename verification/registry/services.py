"""Finding statements and checking a PDF someone holds against the registry."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..accounts.models import Organisation
from ..extensions import db
from ..signing.inspect import inspect_pdf
from ..statements import keys_service
from ..statements.models import Statement, StatementStatus
from ..timeutil import utcnow

# A statement number as the platform writes it; a file's claim to any other is ignored.
NUMBER = re.compile(r"VS-[0-9]{4}-[0-9]{6}")


def today() -> date:
    return utcnow().date()


def find(number: str) -> Statement | None:
    return db.session.scalar(select(Statement).where(Statement.number == number))


def search(text: str | None, limit: int = 100) -> list[Statement]:
    query = (
        select(Statement)
        .join(Organisation, Statement.organisation_id == Organisation.id)
        .order_by(Statement.issued_at.desc())
        .limit(limit)
    )
    if text and text.strip():
        like = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                Organisation.name.ilike(like),
                Statement.number.ilike(like),
                Statement.methodology_code.ilike(like),
            )
        )
    return list(db.session.scalars(query))


def public_record(statement: Statement, pdf_url: str, page_url: str) -> dict:
    return {
        "number": statement.number,
        "status": str(statement.current_status(today())),
        "organisation": statement.organisation.name,
        "verification_body": statement.verification_body.name,
        "methodology": statement.methodology_code,
        "issued_at": statement.issued_at.isoformat(),
        "valid_until": statement.valid_until.isoformat(),
        "pdf_sha256": statement.pdf_sha256,
        "data_sha256": statement.data_sha256,
        "pdf_url": pdf_url,
        "page_url": page_url,
    }


@dataclass
class Check:
    name: str
    ok: bool | None  # None: could not be decided
    message: str


@dataclass
class VerifyReport:
    sha256: str
    checks: list[Check] = field(default_factory=list)
    statement: Statement | None = None
    claimed_number: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if c.ok is not None) and any(c.ok for c in self.checks)

    def as_dict(self) -> dict:
        return {
            "sha256": self.sha256,
            "ok": self.ok,
            "statement_number": self.statement.number if self.statement else self.claimed_number,
            "checks": {c.name: {"ok": c.ok, "message": c.message} for c in self.checks},
        }


def verify_pdf(data: bytes) -> VerifyReport:
    """Answer each question separately in plain words; never raises for odd input."""
    report = VerifyReport(sha256=hashlib.sha256(data).hexdigest())
    inspection = inspect_pdf(data, keys_service.trust_roots())
    add = report.checks.append
    if not inspection.is_pdf:
        add(Check("signature_intact", False, _("This file is not a PDF.")))
        add(Check("signer_trusted", False, _("No signature to check.")))
        add(Check("registered", False, _("This file is not a statement issued on this platform.")))
        return report

    if not inspection.signed:
        add(Check("signature_intact", False, _("The PDF carries no signature.")))
    elif inspection.intact and inspection.covers_whole_file:
        add(
            Check(
                "signature_intact",
                True,
                _("The signature is intact: the file has not been changed since it was signed."),
            )
        )
    else:
        # The inspection's own sentences are English (a pure package); kept as detail.
        detail = " ".join(inspection.problems)
        message = detail or _("The signature is broken: the file was changed after signing.")
        add(Check("signature_intact", False, message))

    credential = keys_service.credential_by_fingerprint(inspection.signer_fingerprint)
    if inspection.signed and inspection.trusted and credential is not None:
        message = _(
            "Signed by %(body)s, a verification body this platform trusts.",
            body=credential.organisation.name,
        )
        add(Check("signer_trusted", True, message))
    elif inspection.signed and inspection.trusted:
        message = _(
            "The signer's certificate chains to a trusted CA "
            "but is not a registered verification body key."
        )
        add(Check("signer_trusted", False, message))
    elif inspection.signed:
        message = _(
            "Signed by %(who)s, which is not a verification body this platform trusts.",
            who=inspection.signer_subject or _("an unknown signer"),
        )
        add(Check("signer_trusted", False, message))
    else:
        add(Check("signer_trusted", False, _("No signature to check.")))

    statement = db.session.scalar(select(Statement).where(Statement.pdf_sha256 == report.sha256))
    attachment = inspection.attachment if isinstance(inspection.attachment, dict) else {}
    claimed_number = attachment.get("number")  # whatever the file says: checked here
    if isinstance(claimed_number, str) and NUMBER.fullmatch(claimed_number):
        report.claimed_number = claimed_number
    if statement is not None:
        report.statement = statement
        message = _("This is exactly the file registered as %(n)s.", n=statement.number)
        add(Check("registered", True, message))
    elif report.claimed_number and (claimed := find(report.claimed_number)) is not None:
        report.statement = claimed
        message = _(
            "The file claims to be %(n)s, but it is not the file registered under that number.",
            n=claimed.number,
        )
        add(Check("registered", False, message))
    else:
        add(Check("registered", False, _("No statement on this platform matches this file.")))
    if report.statement is not None:
        status = report.statement.current_status(today())
        message = _(
            "Statement %(n)s is %(status)s.", n=report.statement.number, status=status_name(status)
        )
        # For a file that only claims the number, the status is the registered statement's:
        # reported, but not a check this file passes.
        ok = status == StatementStatus.VALID if statement is not None else None
        add(Check("status", ok, message))
    return report


def status_name(status: StatementStatus) -> str:
    return {
        StatementStatus.VALID: _("valid"),
        StatementStatus.REVOKED: _("revoked"),
        StatementStatus.SUPERSEDED: _("superseded"),
        StatementStatus.EXPIRED: _("expired"),
    }[status]

"""Finding statements and checking a PDF someone holds against the registry."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

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
    """The statement with its organisation and body, in one query (the lookup API's path)."""
    return db.session.scalar(
        select(Statement)
        .options(joinedload(Statement.organisation), joinedload(Statement.verification_body))
        .where(Statement.number == number)
    )


def search(text: str | None, limit: int = 100) -> list[Statement]:
    """Statements whose organisation or number contains ``text``, newest first."""
    return find_statements(text=text, per_page=limit).items


STATUSES = tuple(str(s) for s in StatementStatus)


@dataclass
class ResultPage:
    items: list[Statement]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _contains(column, text: str):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def status_filter(status: str, on: date):
    """SQL for "the status computed on ``on`` is ``status``": a valid statement past its
    validity is expired whether or not the scheduled task has stored it yet."""
    valid, expired = str(StatementStatus.VALID), str(StatementStatus.EXPIRED)
    if status == valid:
        return and_(Statement.status == valid, Statement.valid_until >= on)
    if status == expired:
        return or_(
            Statement.status == expired,
            and_(Statement.status == valid, Statement.valid_until < on),
        )
    return Statement.status == status


def find_statements(
    *,
    text: str | None = None,
    organisation: str | None = None,
    number: str | None = None,
    methodology: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> ResultPage:
    """The registry search, newest first: ``text`` in the organisation's name or the number,
    ``organisation`` and ``number`` each alone (case-insensitive substrings), the exact
    ``methodology`` code, the ``status`` as computed today (one of :data:`STATUSES`)."""
    query = select(Statement).join(Organisation, Statement.organisation_id == Organisation.id)
    if text and text.strip():
        query = query.where(
            or_(
                _contains(Organisation.name, text.strip()),
                _contains(Statement.number, text.strip()),
            )
        )
    if organisation and organisation.strip():
        query = query.where(_contains(Organisation.name, organisation.strip()))
    if number and number.strip():
        query = query.where(_contains(Statement.number, number.strip()))
    if methodology:
        query = query.where(Statement.methodology_code == methodology)
    if status:
        query = query.where(status_filter(status, today()))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(Statement.issued_at.desc(), Statement.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return ResultPage(list(items), total or 0, page, per_page)


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
        message = status_sentence(report.statement, status)
        # For a file that only claims the number, the status is the registered statement's:
        # reported, but not a check this file passes.
        ok = status == StatementStatus.VALID if statement is not None else None
        add(Check("status", ok, message))
    return report


def status_sentence(statement: Statement, status: StatementStatus) -> str:
    """The status in one sentence, with its date and public reason."""
    n = statement.number
    if status == StatementStatus.REVOKED and statement.revoked_at is not None:
        return _(
            "Statement %(n)s was revoked on %(date)s. Reason: %(reason)s",
            n=n,
            date=statement.revoked_at.date().isoformat(),
            reason=statement.revocation_reason or "",
        )
    if status == StatementStatus.SUPERSEDED and statement.superseded_by is not None:
        return _(
            "Statement %(n)s was superseded by %(by)s on %(date)s. Reason: %(reason)s",
            n=n,
            by=statement.superseded_by.number,
            date=(statement.superseded_at or statement.superseded_by.issued_at).date().isoformat(),
            reason=statement.supersession_reason or "",
        )
    if status == StatementStatus.EXPIRED:
        return _(
            "Statement %(n)s has expired: it was valid until %(date)s.",
            n=n,
            date=statement.valid_until.isoformat(),
        )
    return _(
        "Statement %(n)s is %(status)s (valid until %(date)s).",
        n=n,
        status=status_name(status),
        date=statement.valid_until.isoformat(),
    )


def status_name(status: StatementStatus) -> str:
    return {
        StatementStatus.VALID: _("valid"),
        StatementStatus.REVOKED: _("revoked"),
        StatementStatus.SUPERSEDED: _("superseded"),
        StatementStatus.EXPIRED: _("expired"),
    }[status]

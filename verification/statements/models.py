"""Issued statements, the jobs that issue them, numbering, and signing credentials."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation
from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime


class JobStatus(StrEnum):
    QUEUED = "queued"
    RENDERING = "rendering"
    SIGNING = "signing"
    DONE = "done"
    FAILED = "failed"


class StatementStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"


def status_on(stored: str, valid_until: date, today: date) -> StatementStatus:
    """The status as of ``today``: a valid statement past ``valid_until`` is expired, whether
    or not the scheduled task has stored it yet."""
    if stored == StatementStatus.VALID and today > valid_until:
        return StatementStatus.EXPIRED
    return StatementStatus(stored)


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"


class IssuanceJob(db.Model):
    """Progress of issuing one case's statement; the UI polls it, retries reuse it."""

    __tablename__ = "issuance_job"
    __table_args__ = (CheckConstraint(_in("status", JobStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=str(JobStatus.QUEUED))
    # Allocated once, before rendering; a retry reuses it, so a number is never spent twice.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class StatementCounter(db.Model):
    """Last number issued per year; rows are locked while a number is taken."""

    __tablename__ = "statement_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Statement(db.Model):
    __tablename__ = "statement"
    __table_args__ = (CheckConstraint(_in("status", StatementStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    verification_body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    methodology_code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=str(StatementStatus.VALID))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid_until: Mapped[date]
    pdf_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    pdf_size: Mapped[int] = mapped_column(BigInteger)
    data_json: Mapped[str] = mapped_column(Text)
    data_sha256: Mapped[str] = mapped_column(String(64))
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    # The time the signature's RFC 3161 timestamp token attests (TSA_URL); None without one,
    # and for statements issued before the column existed (their PDF still carries it).
    timestamped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Lifecycle (docs/statements.md). The reasons are public: the registry shows them.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    # The corrected statement that replaced this one; it points back with ``supersedes_id``.
    # Deferred: a restore inserts rows in id order, and the newer statement comes later.
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement.id", deferrable=True, initially="DEFERRED")
    )
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    supersession_reason: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id"))
    # When the scheduled task stored the expiry (the pages compute it from valid_until anyway).
    expired_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    verification_body: Mapped[Organisation] = relationship(foreign_keys=[verification_body_id])
    superseded_by: Mapped[Statement | None] = relationship(
        foreign_keys=[superseded_by_id], remote_side=[id], post_update=True
    )
    supersedes: Mapped[Statement | None] = relationship(
        foreign_keys=[supersedes_id], remote_side=[id]
    )

    def current_status(self, today: date) -> StatementStatus:
        """The status as of ``today``: expiry is computed, whatever the stored column says."""
        return status_on(self.status, self.valid_until, today)


class StatementCorrection(db.Model):
    """A case of the same organisation that corrects an issued statement.

    Marked by the issuing body's administrator with a public reason; when the case's own
    statement is issued, it supersedes the corrected one (``statements/lifecycle.py``).
    """

    __tablename__ = "statement_correction"

    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    statement: Mapped[Statement] = relationship()


class SigningCredential(db.Model):
    """A verification body's signing certificate; its private key stays encrypted on disk."""

    __tablename__ = "signing_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    cert_pem: Mapped[str] = mapped_column(Text)
    key_file: Mapped[str] = mapped_column(String(255))  # relative to KEYS_DIR
    chain_files: Mapped[str] = mapped_column(Text, default="")  # newline-separated, relative
    is_demo: Mapped[bool] = mapped_column(default=False)  # False: imported from a PKCS#12 file
    # One active credential per body signs new statements; a rotated-out one stays, inactive,
    # so the statements it signed still name their signer.
    active: Mapped[bool] = mapped_column(default=True)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())  # the certificate's end
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def source(self) -> str:
        return "demo" if self.is_demo else "imported"


class TrustAnchor(db.Model):
    """A CA certificate the platform trusts for statement signatures (listed on /trust)."""

    __tablename__ = "trust_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    cert_pem: Mapped[str] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

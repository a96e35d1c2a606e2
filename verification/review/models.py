"""The verifier's findings, one per criterion."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime


class Outcome(StrEnum):
    CONFORMS = "conforms"
    OBSERVATION = "observation"
    MINOR_NC = "minor_nc"
    MAJOR_NC = "major_nc"
    NOT_APPLICABLE = "not_applicable"


_OUTCOMES = ", ".join(repr(str(o)) for o in Outcome)


class Finding(db.Model):
    __tablename__ = "finding"
    __table_args__ = (
        UniqueConstraint("case_id", "criterion_code"),
        CheckConstraint(f"outcome IN ({_OUTCOMES})", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    verifier_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Non-conformities are open until the verifier closes them; other outcomes have no status.
    nc_status: Mapped[str | None] = mapped_column(String(8))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    verifier: Mapped[User] = relationship(foreign_keys=[verifier_id])
    thread: Mapped[list[Correction]] = relationship(order_by="Correction.id")

    @property
    def is_nonconformity(self) -> bool:
        return self.outcome in (Outcome.MINOR_NC, Outcome.MAJOR_NC)

    @property
    def is_open_nc(self) -> bool:
        return self.is_nonconformity and self.nc_status == NCStatus.OPEN


class NCStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Correction(db.Model):
    """One step in the thread of a non-conformity: the SME's correction or the verifier's reply.

    ``kind`` is ``correction`` (the organisation corrects, usually with new evidence),
    ``kept_open`` (the verifier is not satisfied, with the reason) or ``closed``.
    """

    __tablename__ = "nc_correction"
    __table_args__ = (
        CheckConstraint("kind IN ('correction', 'kept_open', 'closed')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_file.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship()


class Conclusion(db.Model):
    """The verifier's conclusion on a case: assurance, materiality and opinion with its basis."""

    __tablename__ = "case_conclusion"
    __table_args__ = (
        CheckConstraint("assurance_level IN ('limited', 'reasonable')", name="assurance_known"),
        CheckConstraint(
            "opinion IN ('unmodified', 'modified', 'adverse', 'disclaimer')", name="opinion_known"
        ),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), primary_key=True)
    assurance_level: Mapped[str] = mapped_column(String(16))
    # A fraction as exact decimal text, e.g. "0.05" for 5 %.
    materiality: Mapped[str] = mapped_column(String(16))
    opinion: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class SiteVisit(db.Model):
    __tablename__ = "site_visit"
    __table_args__ = (CheckConstraint("mode IN ('physical', 'virtual')", name="mode_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    visited_on: Mapped[date]
    site: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

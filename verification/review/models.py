"""The verifier's findings, one per criterion."""

from __future__ import annotations

from datetime import datetime
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

    verifier: Mapped[User] = relationship()

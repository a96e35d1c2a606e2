"""A clarification request on a case (about one criterion or the whole case) and its thread."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..evidence.models import EvidenceFile
from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime


class Status(StrEnum):
    OPEN = "open"  # waiting for the organisation
    ANSWERED = "answered"  # the organisation replied; the verifier may ask again or close it
    CLOSED = "closed"  # settled; no more replies


_STATUSES = ", ".join(repr(str(s)) for s in Status)
BODY_MAX = 5000
SUBJECT_MAX = 200


class Clarification(db.Model):
    __tablename__ = "clarification"
    __table_args__ = (CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    # None: about the case as a whole.
    criterion_code: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=str(Status.OPEN), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    raised_by: Mapped[User] = relationship()
    messages: Mapped[list[ClarificationMessage]] = relationship(
        back_populates="clarification", order_by="ClarificationMessage.id", cascade="all"
    )

    def is_overdue(self, today: date) -> bool:
        return self.status == Status.OPEN and self.due_on < today

    def __repr__(self) -> str:
        return f"<Clarification {self.id} case {self.case_id} {self.status}>"


class ClarificationMessage(db.Model):
    __tablename__ = "clarification_message"
    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 1 AND {BODY_MAX}", name="body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clarification_id: Mapped[int] = mapped_column(ForeignKey("clarification.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A file the organisation attached with its reply (stored as evidence of the criterion).
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_file.id"))

    clarification: Mapped[Clarification] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()
    evidence_file: Mapped[EvidenceFile | None] = relationship()

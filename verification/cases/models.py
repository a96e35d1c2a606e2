"""A case: one organisation's verification engagement on one pinned methodology version."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime
from ..workflow.rules import State

_STATES = ", ".join(repr(str(s)) for s in State)

# How the organisation draws the boundary of what it reports: the consolidation approaches
# of the GHG Protocol Corporate Standard (revised edition, chapter 3, "Setting
# Organizational Boundaries") and ISO 14064-1:2018 (5.1): control, operational or
# financial, or equity share.
BOUNDARIES = ("operational_control", "financial_control", "equity_share")
SITES_MAX = 50  # sites listed on one case
SITE_MAX = 200  # characters of one site (name and address)
_STAFFED = ", ".join(
    repr(str(s))
    for s in (
        State.ASSIGNED,
        State.IN_REVIEW,
        State.AWAITING_CLIENT,
        State.IN_TECHNICAL_REVIEW,
        State.APPROVED,
        State.ISSUED,
    )
)


class Case(db.Model):
    __tablename__ = "verification_case"
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES})", name="state_known"),
        # A case past assignment always has its verifier and an independent reviewer.
        CheckConstraint(
            f"state NOT IN ({_STAFFED}) OR (verifier_id IS NOT NULL AND reviewer_id IS NOT NULL)",
            name="staffed_after_assignment",
        ),
        CheckConstraint(
            "verifier_id IS NULL OR reviewer_id IS NULL OR verifier_id <> reviewer_id",
            name="reviewer_independent",
        ),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint(
            f"boundary IS NULL OR boundary IN ({', '.join(repr(b) for b in BOUNDARIES)})",
            name="boundary_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    verification_body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    methodology_code: Mapped[str] = mapped_column(String(64))
    methodology_version: Mapped[str] = mapped_column(String(32))
    methodology_hash: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[date]
    period_end: Mapped[date]
    state: Mapped[str] = mapped_column(String(32), default=str(State.DRAFT), index=True)
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # NACE Rev. 2 section of the organisation, pinned when the case is opened (sectors.py).
    sector: Mapped[str | None] = mapped_column(String(1))
    # Set by the verification body when it assigns the team.
    due_on: Mapped[date | None]
    # An adviser who helped prepare this submission (lower case); may not verify it.
    consultant_email: Mapped[str | None] = mapped_column(String(254))
    # The sites the case covers, one per line (name and address), and the organisational
    # boundary (BOUNDARIES); printed on the statement. Empty on cases opened before 0018.
    sites: Mapped[str | None] = mapped_column(Text)
    boundary: Mapped[str | None] = mapped_column(String(32))

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    verification_body: Mapped[Organisation] = relationship(foreign_keys=[verification_body_id])
    verifier: Mapped[User | None] = relationship(foreign_keys=[verifier_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    answers: Mapped[list[Answer]] = relationship(
        back_populates="case", cascade="all", foreign_keys="Answer.case_id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all"
    )

    @property
    def site_list(self) -> list[str]:
        return (self.sites or "").splitlines()

    def answer_for(self, criterion_code: str) -> Answer | None:
        return next((a for a in self.answers if a.criterion_code == criterion_code), None)

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.state}>"


class Answer(db.Model):
    """The organisation's answer to one criterion; numbers are kept as exact decimal text."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("case_id", "criterion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(32))
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Prefilled from an earlier case's answer to a criterion sharing a framework reference;
    # cleared when the organisation changes the answer. Reused answers are verified afresh.
    reused_from_case_id: Mapped[int | None] = mapped_column(ForeignKey("verification_case.id"))
    reused_from_criterion: Mapped[str | None] = mapped_column(String(32))

    case: Mapped[Case] = relationship(back_populates="answers", foreign_keys=[case_id])


class CaseEvent(db.Model):
    """The audit trail: every transition and every material change to a case."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

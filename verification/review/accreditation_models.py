"""Accreditations of a verification body's staff, declared conflicts of interest, and the
members of a case team besides its lead verifier."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime


def encode_codes(codes) -> str:
    """The stored form of a set of codes: a JSON list of distinct strings, sorted."""
    return json.dumps(sorted({str(c) for c in codes}))


def decode_codes(text: str | None) -> frozenset[str]:
    """Inverse of :func:`encode_codes`; anything but a JSON list of strings reads as empty."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return frozenset()
    if not isinstance(value, list):
        return frozenset()
    return frozenset(v for v in value if isinstance(v, str))


class Accreditation(db.Model):
    """A person's accreditation, held through a verification body: the methodology (or
    scheme) codes and the NACE sections it covers, valid from and to (both inclusive)."""

    __tablename__ = "accreditation"
    __table_args__ = (CheckConstraint("valid_to >= valid_from", name="validity_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    verification_body_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # JSON lists of strings (encode_codes); an empty list covers nothing, not everything.
    methodology_codes: Mapped[str] = mapped_column(Text, default="[]")
    sectors: Mapped[str] = mapped_column(Text, default="[]")
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    accreditation_body: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    verification_body: Mapped[Organisation] = relationship()

    @property
    def code_set(self) -> frozenset[str]:
        return decode_codes(self.methodology_codes)

    @property
    def sector_set(self) -> frozenset[str]:
        return decode_codes(self.sectors)


class ConflictDeclaration(db.Model):
    """A declared relationship between a person and an organisation (ongoing while
    ``ended_on`` is empty)."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    # (``relationship`` names the column above, hence ``orm.relationship`` here)
    user: Mapped[User] = orm.relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = orm.relationship()
    declared_by: Mapped[User] = orm.relationship(foreign_keys=[declared_by_id])


class CaseTeamMember(db.Model):
    """A verifier on a case's team besides the lead (``verification_case.verifier_id``)."""

    __tablename__ = "case_team_member"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)

    user: Mapped[User] = relationship()

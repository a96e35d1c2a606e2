"""Activity data, contractual instruments and imported emission-factor datasets of a case.

Numbers are stored as exact decimal text (never floats), so SQLite and PostgreSQL give the
engine identical inputs and the engine gives identical results.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime

DATA_TYPES = ("metered", "invoice", "estimate", "spend")
INSTRUMENT_KINDS = ("gec", "go", "irec", "ppa", "supplier")
GWP_SETS = ("AR5", "AR6", "AR6-fossil-CH4", "AR6-non-fossil-CH4")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ActivityLine(db.Model):
    __tablename__ = "activity_line"
    __table_args__ = (
        CheckConstraint("scope IN (1, 2, 3)", name="scope_known"),
        CheckConstraint(_in("data_type", DATA_TYPES), name="data_type_known"),
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_end >= period_start",
            name="period_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    scope: Mapped[int]
    category: Mapped[str] = mapped_column(String(64))
    factor_key: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    site: Mapped[str | None] = mapped_column(String(200))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    data_type: Mapped[str] = mapped_column(String(16))
    evidence_refs: Mapped[str] = mapped_column(
        Text, default=""
    )  # evidence file ids, space-separated
    source: Mapped[str] = mapped_column(String(32), default="form")  # form | import | criterion
    verified_quantity: Mapped[str | None] = mapped_column(String(64))
    verified_reason: Mapped[str | None] = mapped_column(Text)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    instruments: Mapped[list[Instrument]] = relationship(back_populates="line")

    @property
    def ref(self) -> str:
        return f"L{self.id}"


class Instrument(db.Model):
    """A contractual instrument (certificate, guarantee of origin, PPA) claimed by one line.

    A certificate covers one claim only. A tracking id is claimed afresh once on the whole
    platform (the partial unique index); a later claim of the same id must follow the one
    before it (``follows_id``, each claim followed at most once), and is allowed only when
    that claim was in a withdrawn case or in the case of a statement this case corrects
    (``emissions.services.add_instrument``).
    """

    __tablename__ = "instrument"
    __table_args__ = (
        CheckConstraint(_in("kind", INSTRUMENT_KINDS), name="kind_known"),
        Index(
            "uq_instrument_first_claim",
            "tracking_id",
            unique=True,
            sqlite_where=text("follows_id IS NULL"),
            postgresql_where=text("follows_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_id: Mapped[str] = mapped_column(String(128), index=True)
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("activity_line.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    volume_mwh: Mapped[str] = mapped_column(String(64))
    vintage: Mapped[int]
    region: Mapped[str | None] = mapped_column(String(64))
    factor_kg_per_kwh: Mapped[str] = mapped_column(String(64), default="0")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    line: Mapped[ActivityLine] = relationship(back_populates="instruments")


class CarbonProfile(db.Model):
    """Per-case settings and denominators for the carbon calculation."""

    __tablename__ = "carbon_profile"
    __table_args__ = (CheckConstraint(_in("gwp_set", GWP_SETS), name="gwp_set_known"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), primary_key=True)
    gwp_set: Mapped[str] = mapped_column(String(32), default="AR6")
    materiality: Mapped[str] = mapped_column(String(16), default="0.05")
    region: Mapped[str | None] = mapped_column(String(64))
    revenue: Mapped[str | None] = mapped_column(String(64))
    revenue_currency: Mapped[str | None] = mapped_column(String(3))
    employees: Mapped[str | None] = mapped_column(String(32))
    production_quantity: Mapped[str | None] = mapped_column(String(64))
    production_unit: Mapped[str | None] = mapped_column(String(32))
    declared_unit: Mapped[str | None] = mapped_column(String(64))
    cbam_goods_tonnes: Mapped[str | None] = mapped_column(String(64))


class FactorDataset(db.Model):
    """An emission-factor dataset version imported by an admin from CSV, kept verbatim.

    Factor keys are unique across every dataset (shipped and imported), so a line's factor
    key names one immutable value: a case keeps the versions it used.
    """

    __tablename__ = "factor_dataset"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    csv_text: Mapped[str] = mapped_column(Text)
    factor_count: Mapped[int]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    imported_by: Mapped[User | None] = relationship()

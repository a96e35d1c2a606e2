"""Stored scorecards: the canonical inputs and output of one scoring, with their hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime


class StoredScorecard(db.Model):
    """Kept when a statement is issued; ``flask score verify`` recomputes each one."""

    __tablename__ = "scorecard"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    statement_number: Mapped[str | None] = mapped_column(String(32), index=True)
    engine_version: Mapped[str] = mapped_column(String(16))
    methodology_code: Mapped[str] = mapped_column(String(64), index=True)
    methodology_version: Mapped[str] = mapped_column(String(32))
    methodology_hash: Mapped[str] = mapped_column(String(64))
    sector: Mapped[str | None] = mapped_column(String(1), index=True)
    # Copies of figures in ``output`` for peer queries; ``output`` is what counts.
    overall: Mapped[str | None] = mapped_column(String(40))
    grade: Mapped[str | None] = mapped_column(String(8))
    intensity_kg: Mapped[str | None] = mapped_column(String(64))
    intensity_basis: Mapped[str | None] = mapped_column(String(16))
    intensity_per: Mapped[str | None] = mapped_column(String(32))
    input_hash: Mapped[str] = mapped_column(String(64))
    output_hash: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[str] = mapped_column(Text)
    output: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

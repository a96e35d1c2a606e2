"""Evidence files: content-addressed on disk, described by a row here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime


class EvidenceFile(db.Model):
    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(128))
    original_name: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A replaced file stays, with the row that replaced it; only current files support criteria.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_file.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User] = relationship()
    links: Mapped[list[EvidenceLink]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", order_by="EvidenceLink.id"
    )

    @property
    def current(self) -> bool:
        return self.superseded_at is None

    @property
    def criteria(self) -> list[str]:
        return [link.criterion_code for link in self.links]


class EvidenceLink(db.Model):
    """One evidence file supporting one criterion; a file may support several."""

    __tablename__ = "evidence_link"
    __table_args__ = (UniqueConstraint("evidence_id", "criterion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_file.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("verification_case.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(32))
    linked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    evidence: Mapped[EvidenceFile] = relationship(back_populates="links")

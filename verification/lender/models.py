"""A lender organisation's watchlist: the organisations its analysts follow.

The list belongs to the lender organisation, not to one analyst: a team shares one
portfolio, and each entry says who added it. Alerts about a watched organisation are
notifications (``notification`` table) of the kinds in :mod:`.alerts`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime

NOTE_MAX = 500


class Watch(db.Model):
    __tablename__ = "watch"
    __table_args__ = (UniqueConstraint("lender_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The lender organisation whose list this is, and the organisation it watches.
    lender_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])

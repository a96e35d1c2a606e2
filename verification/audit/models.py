"""The audit trail's two tables: the events (hash-chained) and the head of the chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..types import UTCDateTime

ACTIONS = ("insert", "update", "delete")


class AuditEvent(db.Model):
    """One insert, update or delete of an audited row; ``hash`` covers every other field
    but ``id`` (verification/audit/chain.py), ``prev_hash`` included."""

    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint(f"action IN ({', '.join(repr(a) for a in ACTIONS)})", name="action_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)  # 1, 2, 3... in chain order
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None]  # no foreign key: the trail outlives the user row
    actor_label: Mapped[str] = mapped_column(String(255))
    case_id: Mapped[int | None] = mapped_column(index=True)  # no foreign key, as above
    object_type: Mapped[str] = mapped_column(String(64))  # the table name
    object_id: Mapped[str] = mapped_column(String(200))  # the primary key as text
    action: Mapped[str] = mapped_column(String(8))
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON (audit/values.py)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """The one row (id 1) naming the chain's last event; every writer locks it first.

    Created by the first audited write when missing (an empty chain), not by the
    migration: ``flask restore`` only loads into empty tables.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))

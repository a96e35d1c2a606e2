"""Reading the audit trail: the whole chain, verified from one snapshot, and a case's page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..extensions import db
from .chain import Head, Problem, count_and_verify
from .models import AuditEvent, AuditHead

STREAM_BATCH = 1000
_EVENTS = AuditEvent.__table__
_HEAD = AuditHead.__table__


@contextmanager
def _snapshot() -> Iterator[Connection]:
    """A read-only connection that sees the head and every event as of one moment, so a
    write committed meanwhile is not mistaken for tampering."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn
        else:
            with conn.begin():
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("BEGIN")  # pysqlite begins only for writes
                yield conn


def _events(conn: Connection, case_id: int | None = None) -> Iterator[Mapping[str, Any]]:
    query = select(_EVENTS).order_by(_EVENTS.c.seq)
    if case_id is not None:
        query = query.where(_EVENTS.c.case_id == case_id)
    for row in conn.execute(query.execution_options(yield_per=STREAM_BATCH)):
        yield row._mapping


def _head(conn: Connection) -> Head | None:
    row = conn.execute(select(_HEAD.c.seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1)).first()
    return None if row is None else Head(row.seq, row.last_hash)


@dataclass(frozen=True)
class Report:
    events: int
    head: Head | None
    problems: list[Problem]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain() -> Report:
    """Walk the whole chain in ``seq`` order, streaming (memory does not grow with it)."""
    with _snapshot() as conn:
        head = _head(conn)
        count, problems = count_and_verify(_events(conn), head)
    return Report(count, head, problems)


def case_events(case_id: int) -> Iterator[Mapping[str, Any]]:
    """A case's events, oldest first, streamed (``flask audit show``)."""
    with _snapshot() as conn:
        yield from _events(conn, case_id)


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    number: int
    pages: int
    total: int


def case_page(case_id: int, number: int, size: int) -> Page | None:
    """One page of a case's events, newest first; None for a page that does not exist."""
    total = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id)
    )
    pages = max(1, -(-total // size))
    if number < 1 or number > pages:
        return None
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.seq.desc())
        .limit(size)
        .offset((number - 1) * size)
    ).all()
    return Page(list(events), number, pages, total)

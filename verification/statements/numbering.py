"""Statement numbers ``VS-<year>-<six digits>``: one atomic counter row per year."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import StatementCounter


def format_number(year: int, value: int) -> str:
    return f"VS-{year}-{value:06d}"


def next_number(year: int) -> str:
    """Take the next number for ``year``.

    The increment is one ``UPDATE ... RETURNING`` statement, which both SQLite and
    PostgreSQL execute atomically, so two concurrent callers never get the same value.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(StatementCounter).values(year=year, last_value=0).on_conflict_do_nothing()
    )
    value = db.session.execute(
        update(StatementCounter)
        .where(StatementCounter.year == year)
        .values(last_value=StatementCounter.last_value + 1)
        .returning(StatementCounter.last_value)
    ).scalar_one()
    return format_number(year, value)

"""The hottest read, run on the database driver: ``GET /api/v1/statements/<number>``.

A :class:`DriverQuery` is a Core ``select`` compiled by SQLAlchemy once per dialect, then
run on a pooled driver connection of the autocommit engine (``transactions.py``): the
driver's cursor takes the compiled SQL and the parameters, and the columns' own result
processors (the same SQLAlchemy would apply: ``UTCDateTime``, SQLite's dates) turn the row
into values. What is skipped is SQLAlchemy's per-execution machinery (the compiled-cache
lookup, the execution context, the result object), about 0.14 ms of a 0.6 ms lookup
(bench/registry.py; bench/README.md).

Only for one-row reads whose parameters the driver takes as they are (strings, numbers):
the parameters get no bind processing. ``tests/integration/test_registry_records.py``
checks the results against the ORM's on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from .transactions import autocommit_engine


@dataclass(frozen=True)
class _Plan:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order, for "?" drivers
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]


class DriverQuery:
    def __init__(self, select: Select) -> None:
        self.select = select
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.select.compile(dialect=dialect)
            columns = self.select.selected_columns
            plan = self._plans[dialect.name] = _Plan(
                sql=str(compiled),
                positional=tuple(compiled.positiontup or ()) if compiled.positional else None,
                names=tuple(column.key for column in columns),
                processors=tuple(
                    column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in columns
                ),
            )
        return plan

    def first(self, **params: Any) -> dict[str, Any] | None:
        """The first row as {column key: value}, or None."""
        engine = autocommit_engine()
        plan = self._plan(engine.dialect)
        args = tuple(params[n] for n in plan.positional) if plan.positional is not None else params
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(plan.sql, args)
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            connection.close()
        if row is None:
            return None
        return {
            name: process(value) if process is not None and value is not None else value
            for name, process, value in zip(plan.names, plan.processors, row, strict=True)
        }

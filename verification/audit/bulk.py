"""ORM bulk statements on audited models, recorded row by row.

``session.execute(update(Model).where(...).values(...))`` and ``delete(Model)`` never reach
the flush. Here (``do_orm_execute``) the rows they will touch are read first, locked on
PostgreSQL (``FOR UPDATE``, the lock the statement would take anyway), the statement runs,
and the same rows are read again by primary key: one ``update`` event per row whose values
changed, one ``delete`` event per row removed. The caller gets the statement's own result.

Core statements on tables (``table.update()``, ``text()``) are not ORM statements and are
not seen; bulk inserts are not recorded either (docs/audit.md).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import ORMExecuteState

from .actor import current_actor
from .capture import Registration, change, changed_columns, queue, registration_of

_CHUNK = 500  # primary keys per re-read


def _registration(state: ORMExecuteState) -> Registration | None:
    if not (state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    return None if mapper is None else registration_of(mapper.class_)


def _read(
    conn: Connection, registration: Registration, where, lock: bool, params=None
) -> list[Row]:
    mapper = registration.model.__mapper__
    columns = [prop.columns[0] for prop in mapper.column_attrs]
    keys = [mapper.get_property(k).columns[0] for k in registration.primary_key]
    query = select(*columns).order_by(*keys)
    if where is not None:
        query = query.where(where)
    if lock:
        query = query.with_for_update()
    return list(conn.execute(query, params or {}))


def _matched(conn: Connection, registration: Registration, state: ORMExecuteState) -> list[Row]:
    """The rows the statement will touch, locked: by its WHERE clause (with the values of
    its bound parameters), or by the primary keys of a bulk update by primary key (a list
    of parameter sets, one per row)."""
    params = state.parameters
    if isinstance(params, list | tuple):
        keys = registration.primary_key
        wanted = [tuple(p[k] for k in keys) for p in params if all(k in p for k in keys)]
        rows: list[Row] = []
        for criteria in _by_key(registration, wanted):
            rows += _read(conn, registration, criteria, lock=True)
        return rows
    return _read(conn, registration, state.statement.whereclause, lock=True, params=params)


def _by_key(registration: Registration, wanted: list[tuple]):
    """Criteria naming exactly the rows with these primary keys, a chunk at a time."""
    mapper = registration.model.__mapper__
    keys = [mapper.get_property(k).columns[0] for k in registration.primary_key]
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        if len(keys) == 1:
            yield keys[0].in_([key[0] for key in chunk])
        else:
            yield or_(*(and_(*(k == v for k, v in zip(keys, key, strict=True))) for key in chunk))


def _attributes(registration: Registration, row: Row) -> SimpleNamespace:
    """The row with the model's attribute names, for ``case_id(obj)`` and the key."""
    mapper = registration.model.__mapper__
    return SimpleNamespace(
        **{prop.key: row._mapping[prop.columns[0].name] for prop in mapper.column_attrs}
    )


def _recorded(registration: Registration, row: Row) -> dict[str, Any]:
    return {name: row._mapping[name] for _key, name in registration.columns}


def record_bulk_statement(state: ORMExecuteState):
    registration = _registration(state)
    if registration is None:
        return None  # the statement runs as usual
    session = state.session
    conn = session.connection(bind_arguments=state.bind_arguments)
    before = _matched(conn, registration, state)
    result = state.invoke_statement()
    actor = current_actor()
    changes = []
    if state.is_delete:
        for row in before:
            obj = _attributes(registration, row)
            old = _recorded(registration, row)
            changes.append(
                change(
                    registration, lambda k, o=obj: getattr(o, k), "delete", old, None, obj, actor
                )
            )
    else:
        after: dict[tuple, Row] = {}
        for criteria in _by_key(registration, [_key(registration, row) for row in before]):
            for row in _read(conn, registration, criteria, lock=False):
                after[_key(registration, row)] = row
        for row in before:
            new_row = after.get(_key(registration, row))
            if new_row is None:
                continue  # gone meanwhile (another statement in this transaction cannot)
            old, new = _recorded(registration, row), _recorded(registration, new_row)
            names = changed_columns(old, new)
            if names:
                obj = _attributes(registration, new_row)
                changes.append(
                    change(
                        registration,
                        lambda k, o=obj: getattr(o, k),
                        "update",
                        {n: old[n] for n in names},
                        {n: new[n] for n in names},
                        obj,
                        actor,
                    )
                )
    queue(session, changes)
    return result


def _key(registration: Registration, row: Row) -> tuple:
    mapper = registration.model.__mapper__
    return tuple(
        row._mapping[mapper.get_property(k).columns[0].name] for k in registration.primary_key
    )

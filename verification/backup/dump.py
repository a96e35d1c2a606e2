"""Table rows as JSON lines, without loss, in foreign-key order; and loaded back.

The same dump loads into any backend (SQLite or PostgreSQL): :func:`encode_value` writes a
column value as JSON and :func:`decoder` reads it back by the column's type.
"""

from __future__ import annotations

import base64
import enum
import json
import math
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, MetaData, Table, literal, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import JSON, LargeBinary, TypeDecorator

from .base import CHUNK, BackupError, Instance
from .manifest import DATABASE_PREFIX

if TYPE_CHECKING:
    from .archive import _ArchiveWriter, _HashingReader

INSERT_BATCH = 500


# --- values -------------------------------------------------------------------------------


def encode_value(value: Any) -> Any:
    """A column value as JSON, without loss; :func:`decoder` turns it back by column type."""
    if isinstance(value, enum.Enum):  # an Enum column's member (before str: StrEnum)
        return value.name
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # "nan", "inf": float() reads them
    if isinstance(value, datetime | date | time):  # aware datetimes keep their offset
        return value.isoformat()
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):  # a JSON column
        return value
    raise BackupError(f"Cannot write a value of type {type(value).__name__} to a backup.")


def decoder(column: Column) -> Callable[[Any], Any]:
    """The inverse of :func:`encode_value` for one column."""
    type_ = column.type
    base = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    if isinstance(type_, JSON) or isinstance(base, JSON):
        return lambda v: v
    try:  # a TypeDecorator's own (Interval: timedelta), else its implementation's
        python_type = type_.python_type
        if python_type is object:
            python_type = base.python_type
    except NotImplementedError:
        return lambda v: v
    parse: Callable[[Any], Any] | None = None
    if issubclass(python_type, bytes) or isinstance(base, LargeBinary):
        parse = base64.b64decode
    elif issubclass(python_type, datetime):
        parse = datetime.fromisoformat
    elif issubclass(python_type, date):
        parse = date.fromisoformat
    elif issubclass(python_type, time):
        parse = time.fromisoformat
    elif issubclass(python_type, Decimal):
        parse = Decimal
    elif issubclass(python_type, uuid.UUID):
        parse = uuid.UUID
    elif issubclass(python_type, timedelta):
        parse = lambda v: timedelta(microseconds=v)  # noqa: E731
    elif issubclass(python_type, float):
        parse = float
    elif issubclass(python_type, enum.Enum):
        parse = python_type.__getitem__
    if parse is None:
        return lambda v: v
    return lambda v: None if v is None else parse(v)


# --- database -----------------------------------------------------------------------------


def database_revision(conn: Connection) -> str | None:
    """The Alembic revision the database is at (heads joined by commas), None if none."""
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection on which every table is read from the same snapshot."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn
        elif engine.dialect.name == "sqlite":
            with conn.begin():
                # pysqlite opens transactions only for writes; an explicit BEGIN makes the
                # reads share one snapshot (WAL mode lets writers carry on meanwhile).
                conn.exec_driver_sql("BEGIN")
                yield conn
        else:
            with conn.begin():
                yield conn


def _ordered(table: Table):
    query = select(table)
    keys = list(table.primary_key.columns)
    return query.order_by(*keys) if keys else query


def _table_has_rows(conn: Connection, table: Table) -> bool:
    return conn.scalar(select(literal(1)).select_from(table).limit(1)) is not None


def _reset_sequences(conn: Connection, metadata: MetaData) -> None:
    """PostgreSQL: the next generated id of each table follows the highest restored one."""
    if conn.dialect.name != "postgresql":
        return  # SQLite takes max(rowid) + 1 by itself
    prep = conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        name = prep.format_table(table)
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE(MAX({prep.quote(column.name)}), 0) + 1, false) FROM {name}"
            ),
            {"table": name, "column": column.name},
        )


def _dump_database(instance: Instance, writer: _ArchiveWriter, spool_dir: Path) -> dict:
    tables = []
    with _snapshot(instance.engine) as conn:
        revision = database_revision(conn)
        for table in instance.metadata.sorted_tables:
            member = f"{DATABASE_PREFIX}{table.fullname}.jsonl"
            names = [c.name for c in table.columns]
            rows = 0
            with tempfile.TemporaryFile(dir=spool_dir) as spool:
                result = conn.execute(_ordered(table).execution_options(yield_per=1000))
                for row in result:
                    record = {n: encode_value(v) for n, v in zip(names, row, strict=True)}
                    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                    spool.write(line.encode() + b"\n")
                    rows += 1
                size = spool.tell()
                spool.seek(0)
                writer.add(member, spool, size, 0o600, writer.mtime)
            tables.append(
                {"name": table.fullname, "member": member, "rows": rows, "columns": names}
            )
    return {"dialect": instance.engine.dialect.name, "revision": revision, "tables": tables}


def _lines(reader: _HashingReader) -> Iterator[bytes]:
    rest = b""
    while chunk := reader.read(CHUNK):
        rest += chunk
        *complete, rest = rest.split(b"\n")
        yield from complete
    if rest:
        yield rest


def _load_rows(conn: Connection, table: Table, expected_rows: int, reader) -> int:
    """Insert the rows of one table dump (as :func:`_dump_database` wrote it); the count."""
    decoders = {c.name: decoder(c) for c in table.columns}
    batch: list[dict] = []
    count = 0
    for line in _lines(reader):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise BackupError(f"{table.fullname}: row {count + 1} is not valid JSON.") from None
        if not isinstance(row, dict) or row.keys() != decoders.keys():
            raise BackupError(f"{table.fullname}: row {count + 1} has other columns.")
        batch.append({k: decoders[k](v) for k, v in row.items()})
        count += 1
        if len(batch) >= INSERT_BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
    if count != expected_rows:
        raise BackupError(f"{table.fullname}: {count} rows, the manifest says {expected_rows}.")
    return count

"""Column values as JSON, deterministically: the ``before`` and ``after`` of an audit event.

Pure: no Flask, no database. Dates and datetimes are ISO 8601 (aware datetimes in UTC),
decimals are strings (exact), bytes are hex, enums their value, None is null.
"""

from __future__ import annotations

import enum
import json
import math
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any


def json_value(value: Any) -> Any:
    """One column value as a JSON value that always reads the same for the same value."""
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_value(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


def dumps(values: Mapping[str, Any]) -> str:
    """Canonical JSON text (sorted keys, no whitespace, ASCII) of column name -> value."""
    return json.dumps(
        {name: json_value(v) for name, v in values.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def loads(text: str | None) -> dict[str, Any]:
    """The mapping back from :func:`dumps`; an empty one for None or anything unreadable."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

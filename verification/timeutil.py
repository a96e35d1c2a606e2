"""Timezone-aware UTC timestamps; column defaults are callables."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)

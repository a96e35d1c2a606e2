"""Login throttling per account name and per address, counted in the database.

Failures are counted for the name typed, whether or not such an account exists, so the
answer never tells an attacker which names are real.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..timeutil import utcnow
from .models import LoginAttempt


def _window() -> timedelta:
    return timedelta(minutes=int(current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"]))


def blocked_minutes(email: str, address: str) -> int:
    """Minutes until sign-in is possible again for this name or address; 0 when allowed."""
    since = utcnow() - _window()
    limits = (
        (LoginAttempt.email == email, int(current_app.config["LOGIN_FAILURES_PER_ACCOUNT"])),
        (LoginAttempt.address == address, int(current_app.config["LOGIN_FAILURES_PER_ADDRESS"])),
    )
    wait = timedelta(0)
    for condition, limit in limits:
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(
                condition, LoginAttempt.at >= since
            )
        ).one()
        if count >= limit and oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=utcnow().tzinfo)
            wait = max(wait, oldest + _window() - utcnow())
    return int(wait.total_seconds() // 60) + 1 if wait > timedelta(0) else 0


def record_failure(email: str, address: str) -> None:
    db.session.add(LoginAttempt(email=email, address=address))
    # Old attempts are no longer counted: keep the table small.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - 2 * _window()))
    db.session.flush()


def clear(email: str) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    db.session.flush()

"""One-time links: a random secret in the URL, only its SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..timeutil import utcnow
from .models import OneTimeToken, TokenPurpose


class TokenRefused(ValueError):
    """An unknown, expired or already used link; the message says which."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(purpose: TokenPurpose, email: str, ttl: timedelta, **fields) -> str:
    """Store a new token and return its secret (shown only in the emailed link)."""
    secret = secrets.token_urlsafe(32)
    db.session.add(
        OneTimeToken(
            purpose=str(purpose),
            token_hash=_digest(secret),
            email=email,
            expires_at=utcnow() + ttl,
            **fields,
        )
    )
    db.session.flush()
    return secret


def find(purpose: TokenPurpose, secret: str, *, for_update: bool = False) -> OneTimeToken:
    """The usable token. Raises :class:`TokenRefused` (unknown, used or expired)."""
    query = select(OneTimeToken).where(
        OneTimeToken.token_hash == _digest(secret), OneTimeToken.purpose == str(purpose)
    )
    if for_update:
        query = query.with_for_update()
    token = db.session.scalar(query)
    if token is None:
        raise TokenRefused(_("This link is not valid. Ask for a new one."))
    if token.used_at is not None:
        raise TokenRefused(_("This link has already been used. Ask for a new one."))
    if token.expires_at < utcnow():
        raise TokenRefused(_("This link has expired. Ask for a new one."))
    return token


def consume(token: OneTimeToken) -> None:
    token.used_at = utcnow()
    db.session.flush()

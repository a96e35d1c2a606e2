"""Personal API tokens for scripts (lenders first): ``Authorization: Bearer vt_…``.

A token works only while its user is active and the user's security stamp is the one it
was made under, so deactivating the user or resetting the password stops it at once.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..timeutil import utcnow
from .models import LENDER_ROLES, ApiToken, Role, User

SCOPES = {
    "account:read": "read who the token belongs to",
    "statements:read": "read statements and registry data",
    "watchlist": "read and change your lender organisation's watchlist and portfolio",
}
ALLOWED_ROLES = (*LENDER_ROLES, Role.PLATFORM_ADMIN)
PREFIX = "vt_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def can_hold_tokens(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*ALLOWED_ROLES)


def create(user: User, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once). Raises ValueError for unknown scopes."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(_("Choose at least one known scope."))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:100],
        prefix=secret[:10],
        token_hash=_digest(secret),
        scopes=" ".join(sorted(set(scopes))),
        stamp=user.security_stamp,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke(user: User, token_id: int) -> bool:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def _authenticate() -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer " + PREFIX) or len(header) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(header[len("Bearer ") :]))
    )
    if token is None or token.revoked_at is not None:
        return None
    if not token.user.active or token.user.security_stamp != token.stamp:
        return None
    return token


def require_token(scope: str):
    """401 without a working token, 403 when the token lacks ``scope``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = _authenticate()
            if token is None:
                return jsonify({"error": _("A valid API token is required."), "status": 401}), 401
            if scope not in token.scopes.split():
                return jsonify(
                    {"error": _("This token lacks the scope %(s)s.", s=scope), "status": 403}
                ), 403
            token.last_used_at = utcnow()
            g.api_token = token
            return view(*args, **kwargs)

        return wrapper

    return decorate

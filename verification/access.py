"""Route-level access declarations.

Every view declares who may reach it at all (``public`` or ``signed_in(...)``); the
route x role matrix test fails for a view that declares nothing. Whether *this* user may
act on *this* object is decided after loading it, by the ``can_*`` functions of each area.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, url_for
from flask_login import current_user, login_required

from .accounts.models import Role


def public(view: Callable) -> Callable:
    view.access_rule = "public"  # type: ignore[attr-defined]
    return view


def signed_in(*roles: Role) -> Callable[[Callable], Callable]:
    """Require a signed-in user, and one of ``roles`` when given (403 otherwise)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapper)
        guarded.access_rule = "signed_in:" + ",".join(sorted(roles))  # type: ignore[attr-defined]
        return guarded

    return decorate


def require(visible: bool, allowed: bool = True) -> None:
    """404 when the object is not the user's to see, 403 when seen but not theirs to act on."""
    if not visible:
        abort(404)
    if not allowed:
        abort(403)


def template_helpers() -> dict:
    from .cases import permissions as case_permissions

    return {"can": case_permissions}


def safe_next(target: str | None, fallback: str = "main.dashboard") -> str:
    """``target`` if it is a path on this site, else the URL of the ``fallback`` endpoint:
    a ``next`` parameter never sends anyone to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for(fallback)

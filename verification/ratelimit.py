"""Rate limits per client address (Flask-Limiter), on the public surface and on sign-in.

- ``RATELIMIT_PUBLIC``: every route of the registry pages (``/registry``, ``/verify``,
  ``/trust``) and of the JSON API (``/api/v1/...``), counted per route;
- ``RATELIMIT_UPLOAD``: besides, the PDF checks (``POST /verify``, ``POST /api/v1/verify``),
  which cost a signature validation each;
- ``RATELIMIT_LOGIN``: ``POST /login``, whatever the outcome. It complements the failure
  throttle of ``accounts/throttle.py``, which counts failed sign-ins per account and per
  address in the database.

A request over a limit gets 429 (``errors.py``): JSON for the API, the error page for
people, with a ``Retry-After`` header. The address is ``request.remote_addr`` (behind a
proxy, set ``PROXY_FIX``). Counts are kept in ``RATELIMIT_STORAGE_URI``: ``memory://`` per
process, ``redis://...`` shared by every process; if that storage cannot be reached, the
request goes through (``swallow_errors``) and the error is logged, so an outage of Redis
does not take the site down. ``RATELIMIT_ENABLED`` is off in tests unless a test turns it on.

One :class:`Limiter` per app (tests build several apps in one process).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage

PUBLIC_BLUEPRINTS = ("registry", "api", "lender_api")
UPLOAD_ENDPOINTS = {"registry.verify", "api.verify"}
LOGIN_ENDPOINTS = {"accounts.login"}


class ProcessMemoryStorage(MemoryStorage):
    """``memory://`` without its expiry thread: limits' MemoryStorage starts a timer thread
    10 ms after the last one ended, so at a few hundred requests a second nearly every
    request starts a thread and waits for it to run (about 1.5 ms, a third of a lookup's
    time; bench/registry.py). Expired counts are already ignored when read; here they are
    also dropped from memory in the request that comes 10 s or more after the last sweep.
    """

    STORAGE_SCHEME = ["verification-memory"]
    SWEEP_SECONDS = 10.0
    _swept = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (overrides the private one)
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_SECONDS:
            self._swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _storage_uri(configured: str | None) -> str:
    """``memory://`` (the default) means :class:`ProcessMemoryStorage`; others as given."""
    uri = configured or "memory://"
    return "verification-memory://" if uri.startswith("memory://") else uri


def _setting(name: str):
    return lambda: current_app.config[name]


def init_app(app: Flask) -> Limiter:
    """Attach the limits to the blueprints already registered (call after them)."""
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=_storage_uri(app.config.get("RATELIMIT_STORAGE_URI")),
        headers_enabled=True,
        swallow_errors=True,
        key_prefix="verification",
    )
    for name in PUBLIC_BLUEPRINTS:
        blueprint = app.blueprints.get(name)
        if blueprint is not None:
            limiter.limit(_setting("RATELIMIT_PUBLIC"), override_defaults=False)(blueprint)
    for name in ("registry", "api"):
        limiter.limit(
            _setting("RATELIMIT_UPLOAD"),
            methods=["POST"],
            exempt_when=lambda: request.endpoint not in UPLOAD_ENDPOINTS,
            override_defaults=False,
        )(app.blueprints[name])
    limiter.limit(
        _setting("RATELIMIT_LOGIN"),
        methods=["POST"],
        exempt_when=lambda: request.endpoint not in LOGIN_ENDPOINTS,
        override_defaults=False,
    )(app.blueprints["accounts"])
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    return limiter

"""Rate limits per client address, on the public surface and on sign-in (the ``limits``
library: its parser, fixed-window strategy and storages).

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
request goes through and the error is logged, so an outage of Redis does not take the site
down. ``RATELIMIT_ENABLED`` is off in tests unless a test turns it on.

Why not Flask-Limiter (used until 2026-11): it decides which limits apply on every request,
walking its blueprint and exemption scopes and parsing the limit strings again, about
0.2 ms a request, a fifth of a statement lookup's whole time (bench/registry.py). Here the
limits are parsed once, at start-up (a malformed setting stops the app with its name), and
the rules of each (endpoint, method) are worked out on its first request and kept.

One :class:`RateLimits` per app (tests build several apps in one process).
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

PUBLIC_BLUEPRINTS = ("registry", "api", "lender_api")
UPLOAD_ENDPOINTS = {"registry.verify", "api.verify"}
LOGIN_ENDPOINTS = {"accounts.login"}
KEY_PREFIX = "verification"

log = logging.getLogger(__name__)

# (limits, scope): a request is counted against each of the limits under the scope
Rule = tuple[tuple[RateLimitItem, ...], str]


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


def _parse(app: Flask, setting: str) -> tuple[RateLimitItem, ...]:
    try:
        return tuple(parse_many(str(app.config[setting])))
    except ValueError as exc:
        raise ValueError(
            f"{setting} must be limits like '300 per minute; 10 per second', "
            f"not {app.config[setting]!r}"
        ) from exc


class RateLimits:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.limits = {
            name: _parse(app, name)
            for name in ("RATELIMIT_PUBLIC", "RATELIMIT_UPLOAD", "RATELIMIT_LOGIN")
        }
        self.strategy = FixedWindowRateLimiter(
            storage_from_string(_storage_uri(app.config.get("RATELIMIT_STORAGE_URI")))
        )
        self._rules: dict[tuple[str | None, str], tuple[Rule, ...]] = {}

    def rules(self, endpoint: str | None, method: str) -> tuple[Rule, ...]:
        """The limits a request to ``endpoint`` with ``method`` counts against."""
        known = self._rules.get((endpoint, method))
        if known is not None:
            return known
        found: list[Rule] = []
        blueprint = endpoint.rpartition(".")[0] if endpoint else ""
        if blueprint in PUBLIC_BLUEPRINTS:
            found.append((self.limits["RATELIMIT_PUBLIC"], str(endpoint)))
        if method == "POST" and endpoint in UPLOAD_ENDPOINTS:
            found.append((self.limits["RATELIMIT_UPLOAD"], f"{endpoint}/upload"))
        if method == "POST" and endpoint in LOGIN_ENDPOINTS:
            found.append((self.limits["RATELIMIT_LOGIN"], f"{endpoint}/login"))
        if endpoint is not None:  # (unknown URLs are not remembered one by one)
            self._rules[(endpoint, method)] = tuple(found)
        return tuple(found)

    def check(self) -> None:
        """Before the request: count it; over a limit, 429 with Retry-After."""
        rules = self.rules(request.endpoint, request.method)
        if not rules:
            return
        address = request.remote_addr or "unknown"
        try:
            for items, scope in rules:
                for item in items:
                    if not self.strategy.hit(item, KEY_PREFIX, address, scope):
                        reset = self.strategy.get_window_stats(item, KEY_PREFIX, address, scope)
                        wait = max(1, math.ceil(reset.reset_time - time.time()))
                        raise TooManyRequests(retry_after=wait)
        except TooManyRequests:
            raise
        except Exception:  # the storage is down or refused: let the request through
            log.warning(
                "rate limit storage %s failed; request let through",
                self.app.config.get("RATELIMIT_STORAGE_URI"),
                exc_info=True,
            )


def init_app(app: Flask) -> RateLimits | None:
    """Count requests before any other check. The settings are read even when the limits are
    off, so a malformed one is found at start-up, in tests too."""
    limits = RateLimits(app)
    if not app.config.get("RATELIMIT_ENABLED"):
        return None
    app.before_request_funcs.setdefault(None, []).insert(0, limits.check)
    app.extensions["rate_limits"] = limits
    return limits

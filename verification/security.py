"""The web surface: security headers on every response, proxy trust, and session expiry.

Cookie flags are settings (``verification/config.py``); what this module adds:

- the same headers on every response, pages, files, JSON and error pages alike;
- ``Strict-Transport-Security`` only on responses to HTTPS requests (``request.is_secure``:
  behind a TLS-terminating proxy, set ``PROXY_FIX`` so its ``X-Forwarded-Proto`` counts);
- before any view, CSRF check or validator reads the request (``check_input``): a body
  that is not a multipart upload (a form, JSON) is refused (413) above ``BODY_MAX_BYTES``
  (Werkzeug reads such a body whole; ``MAX_CONTENT_LENGTH`` is sized for evidence); a form
  field (or field name) longer than ``FORM_FIELD_MAX_CHARS`` is refused (413: the email
  validator, for one, takes time quadratic in the length); and a NUL character anywhere in
  the path, query, form fields or file names is refused (400: PostgreSQL cannot hold it);
- a session ends ``PERMANENT_SESSION_LIFETIME`` seconds after sign-in, or after
  ``SESSION_IDLE_TIMEOUT`` seconds without a request, whichever comes first; the person is
  sent to the sign-in page with a message saying why.

docs/security.md describes the whole.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_loaded_from_cookie, user_logged_in
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Nothing of our URLs (case and evidence ids, registry searches) goes to other sites,
    # not even the origin; same-origin requests keep the full referrer, which Flask-WTF's
    # CSRF check needs over HTTPS and the error page uses for its "Go back" link.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Session keys: when the person signed in, and when they were last seen (Unix seconds).
SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
# Last-seen is rewritten at most this often, so not every response sets a new cookie.
SEEN_RESOLUTION = 60


def init_app(app: Flask) -> None:
    proxy = app.config.get("PROXY_FIX")
    if proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **proxy)  # type: ignore[method-assign]
    app.session_interface = CookieSessions()
    app.config.setdefault("REMEMBER_COOKIE_NAME", "remember_token")
    _only_with_cookies(app)
    app.after_request(add_headers)
    # First of all before-request functions: CSRF protection reads the form before views do.
    app.before_request_funcs.setdefault(None, []).insert(0, check_input)
    app.before_request(expire_session)
    user_logged_in.connect(_session_started, app)
    user_loaded_from_cookie.connect(_session_started, app)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without the work for a request that brings no session
    cookie and leaves the session empty (most API and registry requests): no signer is built
    to open it, no cookie setting is read to save it."""

    def open_session(self, app: Flask, request):  # type: ignore[override]
        if app.config["SESSION_COOKIE_NAME"] not in request.cookies and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:  # type: ignore[override]
        if not session and not session.modified:  # nothing to write, nothing to delete
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def add_headers(response):
    """Each of :data:`HEADERS` the view has not set itself (one pass over the response's
    headers: Werkzeug's ``setdefault`` raises and catches a KeyError per missing name)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    for name, value in HEADERS.items():
        if name.lower() not in present:
            headers.add(name, value)
    max_age = int(current_app.config.get("HSTS_MAX_AGE") or 0)
    if max_age > 0 and request.is_secure:
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    return response


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _refuse(exc, message: str):
    exc.user_message = message
    return exc


def check_input() -> None:
    """Refuse, before anything reads it, input no view should have to cope with."""
    if request.mimetype != "multipart/form-data":
        limit = int(current_app.config["BODY_MAX_BYTES"])
        request.max_content_length = min(limit, request.max_content_length or limit)
    texts = [request.path]
    if request.query_string:
        texts += (x for pair in request.args.items(multi=True) for x in pair)
    if request.mimetype in FORM_TYPES and request.method in ("POST", "PUT", "PATCH"):
        # (a multipart part whose header cannot be read has the name None)
        fields = [x or "" for pair in request.form.items(multi=True) for x in pair]
        longest = int(current_app.config["FORM_FIELD_MAX_CHARS"])
        if any(len(x) > longest for x in fields):
            raise _refuse(
                RequestEntityTooLarge(),
                _("A field of the form is longer than the platform accepts. Nothing was stored."),
            )
        texts += fields
        texts += [f.filename or "" for f in request.files.values()]
    # PostgreSQL cannot store or compare text holding NUL; no person types one.
    if any("\x00" in x for x in texts):
        raise _refuse(BadRequest(), _("The request holds a character that is not allowed."))


def _now() -> int:
    return int(time.time())


def _session_started(app: Flask, user=None, **extra) -> None:
    session[SIGNED_IN_AT] = session[SEEN_AT] = _now()


def may_be_signed_in() -> bool:
    """False when the request brings neither a session cookie nor a remember cookie: nobody
    can be signed in, and Flask-Login need not be asked (it hashes the client's address and
    agent to check the session's origin). The app has no request loader."""
    cookies, config = request.cookies, current_app.config
    return config["SESSION_COOKIE_NAME"] in cookies or config["REMEMBER_COOKIE_NAME"] in cookies


def _only_with_cookies(app: Flask) -> None:
    """Flask-Login reads the session after every request to keep its remember cookie, which
    marks every answer ``Vary: Cookie``, public JSON included. A request that brought no
    cookie has no remember cookie to keep: the app never signs in with ``remember=True``,
    and only a signed-in person (who has a session cookie) can sign out. Its hook is
    wrapped to run only when a cookie came: the API's answers to scripts then do not vary
    by cookie (pages still do: they show the session's flashed messages)."""
    login_manager = app.login_manager  # type: ignore[attr-defined]
    hooks = app.after_request_funcs.setdefault(None, [])
    original = login_manager._update_remember_cookie

    def update_remember_cookie(response):
        return original(response) if may_be_signed_in() else response

    hooks[hooks.index(original)] = update_remember_cookie


def expire_session():
    """End a signed-in session that is too old or was idle too long; note activity."""
    if request.endpoint == "static" or not may_be_signed_in():
        return None
    if not current_user.is_authenticated:
        return None
    now = _now()
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        # A session from before these keys existed (or made by a test): it starts now.
        _session_started(current_app)
        return None
    config = current_app.config
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    idle = int(config.get("SESSION_IDLE_TIMEOUT") or 0)
    if now - signed_in_at > lifetime:
        message = _(
            "You were signed out: a session lasts %(duration)s. Sign in again to continue.",
            duration=_duration(lifetime),
        )
    elif idle and now - seen_at > idle:
        message = _(
            "You were signed out after %(duration)s without activity. Sign in again to continue.",
            duration=_duration(idle),
        )
    else:
        if now - seen_at >= SEEN_RESOLUTION:
            session[SEEN_AT] = now
        return None
    logout_user()
    session.pop(SIGNED_IN_AT, None)
    session.pop(SEEN_AT, None)
    if request.path.startswith("/api/"):
        return None  # the API answers anonymous requests; nobody reads a flash there
    flash(message, "info")
    target = None
    if request.method == "GET":
        target = request.full_path if request.query_string else request.path
    return redirect(url_for("accounts.login", next=target))


def _duration(seconds: float) -> str:
    return format_timedelta(timedelta(seconds=seconds), threshold=1)

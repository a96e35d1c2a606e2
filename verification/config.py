"""Configuration: defaults, then ``instance/config.py``, then ``VERIFICATION_*`` variables.

Nothing here is read at import time; :func:`load_config` runs inside ``create_app``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask

ENV_PREFIX = "VERIFICATION_"

DEFAULTS: dict[str, object] = {
    # Override in instance/config.py or VERIFICATION_SECRET_KEY for anything but a laptop.
    "SECRET_KEY": None,
    # None means "SQLite file in the instance folder".
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # None means "filesystem transport under the instance folder" (no server needed).
    "CELERY_BROKER_URL": None,
    "CELERY_TASK_ALWAYS_EAGER": False,
    # Evidence and statements; None means "<instance>/storage".
    "STORAGE_DIR": None,
    "KEYS_DIR": None,
    # Passphrase protecting private keys at rest; must be set in production.
    "KEY_PASSPHRASE": "demo-passphrase-change-me",
    # RFC 3161 timestamp authority (HTTP URL) for statement signatures; None: no timestamp.
    "TSA_URL": None,
    "EVIDENCE_MAX_BYTES": 250 * 1024 * 1024,
    "VERIFY_MAX_BYTES": 30 * 1024 * 1024,
    # Largest request body that is not a multipart upload (forms, JSON): Werkzeug reads such
    # a body whole, so it gets a limit of its own far below EVIDENCE_MAX_BYTES.
    "BODY_MAX_BYTES": 2 * 1024 * 1024,
    # Longest text in one form field (characters); the longest the forms take is 5,000.
    # Longer ones are refused (413) before any validator sees them.
    "FORM_FIELD_MAX_CHARS": 20_000,
    "EVIDENCE_ALLOWED_TYPES": [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ],
    # Base URL printed on statements and QR codes.
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "STATEMENT_VALIDITY_DAYS": 365,
    # Celery beat (docs/statements.md): how often, in seconds, the scheduled tasks run.
    "STATEMENT_EXPIRY_CHECK_SECONDS": 3600,
    "ISSUANCE_SWEEP_SECONDS": 60,
    # An issuance job queued, rendering or signing without progress for this long is sent
    # again (its worker was lost; the filesystem broker never redelivers, Redis only after
    # its visibility timeout). A second run of a live job is harmless.
    "ISSUANCE_STUCK_AFTER_SECONDS": 120,
    # Tests only: the worker waits this long after taking the number, before rendering.
    "ISSUANCE_PAUSE_SECONDS": 0,
    # The queue tasks are sent to and the worker reads ("celery"); separate deployments
    # sharing one Redis database use separate queues.
    "CELERY_TASK_DEFAULT_QUEUE": "celery",
    "BABEL_DEFAULT_LOCALE": "en",
    # Interface languages (verification/translations/<code>; `make messages` refreshes the
    # template, the Makefile compiles the catalogues). The first is the fallback.
    "SUPPORTED_LOCALES": ["en", "zh"],
    "WTF_CSRF_TIME_LIMIT": None,
    # Cookies (docs/security.md). None for a Secure flag means "when PUBLIC_BASE_URL is https".
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": None,
    # Seconds. A session ends this long after sign-in, or after SESSION_IDLE_TIMEOUT without
    # a request (0 turns the idle limit off); None for the remember cookie means the same
    # lifetime as the session (the app offers no "remember me"; see docs/security.md).
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "SESSION_IDLE_TIMEOUT": 30 * 60,
    "REMEMBER_COOKIE_DURATION": None,
    # Behind a reverse proxy: ProxyFix arguments, e.g. {"x_for": 1, "x_proto": 1, "x_host": 1}
    # (how many proxies set each X-Forwarded-* header). None: no proxy headers are trusted.
    "PROXY_FIX": None,
    # Scheme of URLs built outside a request; None means PUBLIC_BASE_URL's scheme.
    "PREFERRED_URL_SCHEME": None,
    # Strict-Transport-Security max-age for responses to HTTPS requests (0: no header).
    "HSTS_MAX_AGE": 365 * 24 * 3600,
    # Mail: with no MAIL_SERVER, messages are kept in the outbox table and logged, not sent.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_STARTTLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "no-reply@verification.invalid",
    # Where mail goes: "console" (the log), "file" (an .eml per message under MAIL_FILE_DIR)
    # or "smtp" (MAIL_SERVER). None: "smtp" when MAIL_SERVER is set, "console" otherwise.
    "MAIL_BACKEND": None,
    # None means "<instance>/mail".
    "MAIL_FILE_DIR": None,
    "INVITATION_TTL_HOURS": 72,
    "PASSWORD_RESET_TTL_MINUTES": 60,
    # Failed sign-ins within the window before sign-in is refused for the rest of it.
    "LOGIN_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_FAILURES_PER_ADDRESS": 20,
    "LOGIN_THROTTLE_WINDOW_MINUTES": 15,
    # Two-factor authentication (TOTP) is required for these roles, optional for the others.
    "TWO_FACTOR_REQUIRED_ROLES": [
        "sme_admin",
        "vb_admin",
        "verifier",
        "reviewer",
        "lender_admin",
        "platform_admin",
    ],
    # The name authenticator apps show beside the account.
    "TWO_FACTOR_ISSUER": "Verified ESG",
    # Sensitive actions (approving) need the password (and code) entered this recently.
    "REAUTH_MAX_AGE_SECONDS": 600,
    # Rate limits per client address (the limits library; docs/configuration.md#rate-limits).
    # None: on, except in tests (TESTING). Limits are "N per second|minute|hour|day",
    # several joined by ";". Storage: "memory://" counts per process; "redis://host:6379/1"
    # shares the counts between every web process.
    "RATELIMIT_ENABLED": None,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_PUBLIC": "300 per minute",
    "RATELIMIT_UPLOAD": "20 per minute",
    "RATELIMIT_LOGIN": "30 per minute; 300 per hour",
    # Seconds a statement record may be answered from the lookup API's cache at most
    # (PostgreSQL only; kept current by notifications; 0: off). docs/statements.md.
    "REGISTRY_CACHE_SECONDS": 5,
    # argon2id cost (argon2-cffi's defaults: RFC 9106 low-memory profile).
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    "ARGON2_PARALLELISM": 4,
}

# Settings whose environment value is parsed as JSON (numbers, booleans, lists, objects).
_JSON_SETTINGS = {
    "EVIDENCE_MAX_BYTES",
    "VERIFY_MAX_BYTES",
    "BODY_MAX_BYTES",
    "FORM_FIELD_MAX_CHARS",
    "MAX_FORM_MEMORY_SIZE",
    "SESSION_COOKIE_SECURE",
    "REMEMBER_COOKIE_SECURE",
    "PERMANENT_SESSION_LIFETIME",
    "SESSION_IDLE_TIMEOUT",
    "REMEMBER_COOKIE_DURATION",
    "PROXY_FIX",
    "HSTS_MAX_AGE",
    "EVIDENCE_ALLOWED_TYPES",
    "CELERY_TASK_ALWAYS_EAGER",
    "STATEMENT_VALIDITY_DAYS",
    "STATEMENT_EXPIRY_CHECK_SECONDS",
    "ISSUANCE_SWEEP_SECONDS",
    "ISSUANCE_STUCK_AFTER_SECONDS",
    "ISSUANCE_PAUSE_SECONDS",
    "SQLALCHEMY_ENGINE_OPTIONS",
    "SUPPORTED_LOCALES",
    "TESTING",
    "ARGON2_TIME_COST",
    "ARGON2_MEMORY_COST",
    "ARGON2_PARALLELISM",
    "MAIL_PORT",
    "MAIL_STARTTLS",
    "INVITATION_TTL_HOURS",
    "PASSWORD_RESET_TTL_MINUTES",
    "LOGIN_FAILURES_PER_ACCOUNT",
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_THROTTLE_WINDOW_MINUTES",
    "TWO_FACTOR_REQUIRED_ROLES",
    "REAUTH_MAX_AGE_SECONDS",
    "RATELIMIT_ENABLED",
    "REGISTRY_CACHE_SECONDS",
}


def load_config(app: Flask, overrides: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment, then overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name, raw in os.environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX) :]
        app.config[key] = json.loads(raw) if key in _JSON_SETTINGS else raw
    if overrides:
        app.config.update(overrides)
    _fill_derived(app)


def _fill_derived(app: Flask) -> None:
    instance = Path(app.instance_path)
    cfg = app.config
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'verification.sqlite'}"
    if cfg.get("DATABASE_URL"):
        cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"]
    cfg["STORAGE_DIR"] = str(Path(cfg.get("STORAGE_DIR") or instance / "storage"))
    cfg["KEYS_DIR"] = str(Path(cfg.get("KEYS_DIR") or instance / "keys"))
    if not cfg.get("CELERY_BROKER_URL"):
        cfg["CELERY_BROKER_URL"] = "filesystem://"
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(instance)
    # Werkzeug refuses bodies above this before reading them (413).
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["EVIDENCE_MAX_BYTES"]) + 1024 * 1024
    https = str(cfg["PUBLIC_BASE_URL"]).lower().startswith("https://")
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if cfg.get(key) is None:
            cfg[key] = https
    if not cfg.get("PREFERRED_URL_SCHEME"):
        cfg["PREFERRED_URL_SCHEME"] = "https" if https else "http"
    if cfg.get("REMEMBER_COOKIE_DURATION") is None:
        cfg["REMEMBER_COOKIE_DURATION"] = cfg["PERMANENT_SESSION_LIFETIME"]
    if cfg.get("MAIL_BACKEND") not in (None, "", "console", "file", "smtp"):
        raise ValueError(f"MAIL_BACKEND must be console, file or smtp, not {cfg['MAIL_BACKEND']!r}")
    if cfg.get("MAIL_BACKEND") == "smtp" and not cfg.get("MAIL_SERVER"):
        raise ValueError("MAIL_BACKEND is smtp but MAIL_SERVER is not set")
    cfg["MAIL_FILE_DIR"] = str(Path(cfg.get("MAIL_FILE_DIR") or instance / "mail"))
    if cfg.get("RATELIMIT_ENABLED") is None:
        cfg["RATELIMIT_ENABLED"] = not cfg.get("TESTING")


def _instance_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, so a laptop needs no set-up."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    import secrets

    instance.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value

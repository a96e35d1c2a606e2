"""The verification platform: ``create_app`` is the only way to build the web app."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, commands.

    The instance folder is ``instance/`` beside the package unless ``instance_path`` or the
    ``VERIFICATION_INSTANCE_PATH`` variable names another (tests, several local instances).
    """
    instance_path = instance_path or os.environ.get("VERIFICATION_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config

    load_config(app, overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    register_extensions(app)
    register_blueprints(app)
    from . import ratelimit

    ratelimit.init_app(app)  # limits on the blueprints just registered (docs/configuration.md)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import (
        models,  # noqa: F401  (every table in db.metadata, for Alembic too)
        sqlite_pragmas,  # noqa: F401  (listener registration)
    )
    from .accounts.session import setup_login
    from .celery_app import celery_init_app
    from .evidence.upload import EvidenceRequest
    from .extensions import babel, csrf, db, migrate
    from .i18n import select_locale, setup_jinja

    app.request_class = EvidenceRequest
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    setup_login(app)
    from .accounts import passwords

    passwords.init_app(app)
    setup_jinja(app)
    celery_init_app(app)
    from .methodologies import registry as methodologies

    methodologies.init_app(app)
    from .storage import FileStore

    store = FileStore(Path(app.config["STORAGE_DIR"]))
    store.sweep()  # spools of a worker killed mid-upload (SIGKILL, out of memory)
    app.extensions["file_store"] = store
    from .transactions import setup_request_transactions

    setup_request_transactions(app)
    from . import security

    security.init_app(app)  # headers, proxy trust, session expiry (docs/security.md)
    from . import audit

    audit.init_app(app)  # hash-chained audit events of case data (docs/audit.md)
    from .lender import alerts

    alerts.init_app(app)  # lender alerts on statement events (docs/lender.md)
    from .registry import cache

    cache.init_app(app)  # the lookup API's cache, PostgreSQL only (docs/statements.md)


def register_blueprints(app: Flask) -> None:
    from .accounts.organisation_views import bp as organisations_bp
    from .accounts.team_views import bp as team_bp
    from .accounts.token_views import bp as tokens_bp
    from .accounts.twofactor_views import bp as twofactor_bp
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .audit.views import bp as audit_bp
    from .cases.views import bp as cases_bp
    from .clarifications.views import bp as clarifications_bp
    from .emissions.views import bp as emissions_bp
    from .evidence.views import bp as evidence_bp
    from .lender.api import bp as lender_api_bp
    from .lender.views import bp as lender_bp
    from .main.views import bp as main_bp
    from .notifications.views import bp as notifications_bp
    from .registry.api import bp as api_bp
    from .registry.views import bp as registry_bp
    from .review.roster_views import bp as vb_bp
    from .review.verifying_views import bp as verifying_bp
    from .review.views import bp as review_bp
    from .scoring.views import bp as scores_bp
    from .statements.views import bp as statements_bp

    for bp in (
        main_bp,
        accounts_bp,
        team_bp,
        organisations_bp,
        tokens_bp,
        twofactor_bp,
        cases_bp,
        evidence_bp,
        emissions_bp,
        review_bp,
        vb_bp,
        verifying_bp,
        clarifications_bp,
        notifications_bp,
        scores_bp,
        statements_bp,
        registry_bp,
        api_bp,
        lender_bp,
        lender_api_bp,
        admin_bp,
        audit_bp,
    ):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)

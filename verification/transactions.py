"""One transaction per request or task: services flush, the boundary commits or rolls back.

Work that must only happen once the data is durable (enqueueing a task) is registered with
:func:`on_commit`; clean-up that must happen if the data is not kept (removing a file
written for it) is registered with :func:`on_rollback`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from .extensions import db

_COMMIT = "on_commit"
_ROLLBACK = "on_rollback"


def on_commit(fn: Callable[[], None]) -> None:
    db.session.info.setdefault(_COMMIT, []).append(fn)


def on_rollback(fn: Callable[[], None]) -> None:
    db.session.info.setdefault(_ROLLBACK, []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_COMMIT, [])
    session.info.pop(_ROLLBACK, None)
    for fn in callbacks:
        fn()


@event.listens_for(Session, "after_rollback")
def _run_after_rollback(session: Session) -> None:
    callbacks = session.info.pop(_ROLLBACK, [])
    session.info.pop(_COMMIT, None)
    for fn in callbacks:
        fn()


def read_only() -> None:
    """This request only reads: its queries run in autocommit, each on its own, sparing the
    BEGIN and COMMIT round trips (public lookups; bench/registry.py). Anything it writes
    would be committed at once, so only views that never write call it, before their
    first query; once the request's transaction has begun, it changes nothing."""
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


AUTOCOMMIT_ENGINE = "autocommit_engine"


def autocommit_engine() -> Engine:
    """An engine on the app's database whose connections are made in autocommit, for reads
    that stand alone, outside any request's session (``readpath.py``): no BEGIN and no
    ROLLBACK round trips. Made on first use, one per app. Its own pool, because switching
    connections of the main pool to autocommit and back costs on every use (about 0.04 ms
    of a 0.6 ms lookup); under gunicorn's sync workers it holds one connection a worker."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = app.extensions.get(AUTOCOMMIT_ENGINE)
    if engine is None:
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["isolation_level"] = "AUTOCOMMIT"
        options["pool_reset_on_return"] = None  # no transaction is ever left to roll back
        engine = app.extensions[AUTOCOMMIT_ENGINE] = create_engine(db.engine.url, **options)
    return engine


def dispose_engines(app: Flask) -> None:
    """Close every connection of ``app`` to its database: both pools and the lookup cache's
    listening connection (tests, benchmarks)."""
    with app.app_context():
        cache = app.extensions.get("registry_cache")
        if cache is not None:
            cache.close()
        db.engine.dispose()
        extra = app.extensions.pop(AUTOCOMMIT_ENGINE, None)
        if extra is not None:
            extra.dispose()


def setup_request_transactions(app: Flask) -> None:
    @app.after_request
    def _finish(response):
        if not db.session.registry.has():
            return response  # the request never used the session
        # Anything that answered with an error changes nothing.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _abandon(exc):
        if exc is not None:
            db.session.rollback()

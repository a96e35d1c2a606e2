"""Test harness: a real database (SQLite by default, PostgreSQL when
VERIFICATION_TEST_DATABASE_URL is set), a real broker (a folder by default, Redis when
VERIFICATION_TEST_BROKER_URL is set) and, for the tests that need it, a real Celery worker
process. Every test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from verification import create_app
from verification.extensions import db
from verification.transactions import dispose_engines

ROOT = Path(__file__).resolve().parent.parent
TEST_DB = os.environ.get("VERIFICATION_TEST_DATABASE_URL")
TEST_BROKER = os.environ.get("VERIFICATION_TEST_BROKER_URL")
PASSWORD = "correct-horse-battery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def live_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def settings(instance_dir, live_port) -> dict:
    """What every app and process of the test session shares (also passed to the worker)."""
    return {
        "DATABASE_URL": TEST_DB or f"sqlite:///{instance_dir / 'test.sqlite'}",
        "CELERY_BROKER_URL": TEST_BROKER or "filesystem://",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{live_port}",
        "KEY_PASSPHRASE": "test-passphrase",
        "SECRET_KEY": "test-secret-key",
        # Cheap hashing for tests only; production keeps argon2-cffi's defaults.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
        # Mail is written as .eml files under <instance>/mail (the worker's too), so tests
        # can read what was sent.
        "MAIL_BACKEND": "file",
    }


def _prepare_database(url: str) -> None:
    """Create the PostgreSQL test database if missing, and empty it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        Path(parsed.database).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _purge_broker(url: str, instance: Path) -> None:
    if url.startswith("redis://"):
        import redis

        redis.Redis.from_url(url).flushdb()
    shutil.rmtree(instance / "broker", ignore_errors=True)


@pytest.fixture(scope="session")
def app(settings, instance_dir):
    """The app under test, its schema built by the real migrations."""
    from flask_migrate import upgrade

    _prepare_database(settings["DATABASE_URL"])
    _purge_broker(settings["CELERY_BROKER_URL"], instance_dir)
    app = create_app({**settings, "TESTING": True, "WTF_CSRF_ENABLED": False}, instance_dir)
    with app.app_context():
        upgrade()
    yield app
    dispose_engines(app)


@pytest.fixture(autouse=True)
def _clean_tables(request) -> Iterator[None]:
    """Empty every table after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def make_app(app, settings, instance_dir):
    """Another app on the same database (other settings); its connections are closed after."""
    made = []

    def make(overrides: dict | None = None, instance=None):
        try:
            extra = create_app({**settings, **(overrides or {})}, instance or instance_dir)
        finally:
            # create_app makes its Celery app the default and the current one (even when it
            # then fails); tasks sent or applied later through the shared task proxies must
            # keep using the session's app (its broker and its database).
            app.extensions["celery"].set_default()
            app.extensions["celery"].set_current()
        made.append(extra)
        return extra

    yield make
    for extra in made:
        dispose_engines(extra)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


def process_env(settings: dict, instance_dir: Path) -> dict:
    env = os.environ.copy()
    env["VERIFICATION_INSTANCE_PATH"] = str(instance_dir)
    for key, value in settings.items():
        env[f"VERIFICATION_{key}"] = str(value)
    return env


@pytest.fixture(scope="session")
def worker(app, settings, instance_dir, tmp_path_factory):
    """A real Celery worker process on the session's broker and database."""
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "verification.worker:celery",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=process_env(settings, instance_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def live_server(settings, instance_dir, live_port, app):
    """The real app, CSRF on, served over HTTP on 127.0.0.1 for the browser."""
    import threading

    from werkzeug.serving import make_server

    # Rate limits off: the browser tests sign in and look up far more often than a person.
    live_app = create_app({**settings, "RATELIMIT_ENABLED": False}, instance_dir)
    server = make_server("127.0.0.1", live_port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield settings["PUBLIC_BASE_URL"]
    server.shutdown()
    server.server_close()
    dispose_engines(live_app)


@pytest.fixture
def heard():
    """The statement lifecycle events emitted during the test, as (number, kind)."""
    from verification.statements import events

    got: list[tuple[str, str]] = []

    def listener(statement, kind):
        got.append((statement.number, kind))

    events.listen(listener)
    yield got
    events.unlisten(listener)

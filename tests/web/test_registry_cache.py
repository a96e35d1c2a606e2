"""The lookup API's cache (verification/registry/cache.py) never answers a record that has
changed: changes by another process arrive by PostgreSQL notification, changes made here
at commit; a lost listening connection empties it; and no record outlives
REGISTRY_CACHE_SECONDS even if notifications stop. On SQLite there is no cache."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_DB
from tests.factories import World, setup
from verification.extensions import db
from verification.registry.cache import EXTENSION
from verification.statements import lifecycle
from verification.statements.models import Statement

on_postgresql = pytest.mark.skipif(
    not (TEST_DB or "").startswith("postgresql"),
    reason="notifications are PostgreSQL's (set VERIFICATION_TEST_DATABASE_URL)",
)


@pytest.fixture
def issued(app) -> tuple[World, str]:
    with setup(app):
        world = World()
        return world, world.issued_case()[1].number


@pytest.fixture
def number(issued) -> str:
    return issued[1]


@pytest.fixture
def elsewhere(settings):
    """Another process's connection to the database: raw SQL, committed at once."""
    engine = create_engine(settings["DATABASE_URL"], isolation_level="AUTOCOMMIT")

    def run(sql: str, **params) -> None:
        with engine.connect() as conn:
            conn.execute(text(sql), params)

    yield run
    engine.dispose()


def cached_for(seconds: float) -> dict:
    return {"REGISTRY_CACHE_SECONDS": seconds, "RATELIMIT_ENABLED": False}


def _status(client, number: str) -> str:
    return client.get(f"/api/v1/statements/{number}").get_json()["status"]


def _until(check, seconds: float = 5.0) -> float:
    """Seconds until ``check()`` holds (fails after ``seconds``)."""
    start = time.perf_counter()
    while not check():
        assert time.perf_counter() - start < seconds, "the cache kept the old record"
        time.sleep(0.001)
    return time.perf_counter() - start


REVOKE = (
    "UPDATE statement SET status = 'revoked', revoked_at = now(), "
    "revocation_reason = 'Revoked by hand' WHERE number = :n"
)


def test_the_cache_exists_on_postgresql_only(app):
    assert (EXTENSION in app.extensions) == (TEST_DB or "").startswith("postgresql")


@on_postgresql
def test_another_process_change_arrives_by_notification(make_app, number, elsewhere):
    client = make_app(cached_for(3600)).test_client()
    assert _status(client, number) == "valid"  # now cached for an hour
    elsewhere(REVOKE, n=number)
    waited = _until(lambda: _status(client, number) == "revoked")
    print(f"revocation seen by the cached lookup {waited * 1000:.2f} ms after its commit")
    assert waited < 1.0


@on_postgresql
def test_a_rename_drops_every_record(make_app, number, elsewhere):
    client = make_app(cached_for(3600)).test_client()
    before = client.get(f"/api/v1/statements/{number}").get_json()["organisation"]
    elsewhere("UPDATE organisation SET name = name || ' Ltd' WHERE name = :o", o=before)
    record = f"/api/v1/statements/{number}"
    _until(lambda: client.get(record).get_json()["organisation"] == before + " Ltd")


@on_postgresql
def test_a_change_made_here_is_answered_at_once(make_app, issued):
    world, number = issued
    other = make_app(cached_for(3600))
    client = other.test_client()
    assert _status(client, number) == "valid"
    with other.app_context():
        statement = db.session.query(Statement).filter_by(number=number).one()
        lifecycle.revoke(statement, db.session.merge(world.vb_admin), "Evidence forged.")
        db.session.commit()
    assert _status(client, number) == "revoked"  # no waiting: dropped at commit


@on_postgresql
def test_without_notifications_a_record_lives_at_most_its_seconds(make_app, number, elsewhere):
    client = make_app(cached_for(1)).test_client()
    assert _status(client, number) == "valid"
    elsewhere("ALTER TABLE statement DISABLE TRIGGER statement_changed")
    try:
        elsewhere(REVOKE, n=number)
        time.sleep(0.2)
        assert _status(client, number) == "valid"  # cached, and nobody told it
        waited = _until(lambda: _status(client, number) == "revoked", seconds=3)
        assert 0.5 < waited + 0.2 <= 2.0
    finally:
        elsewhere("ALTER TABLE statement ENABLE TRIGGER statement_changed")


@on_postgresql
def test_a_lost_listener_empties_the_cache(make_app, number, elsewhere):
    other = make_app(cached_for(3600))
    client = other.test_client()
    assert _status(client, number) == "valid"
    listener = other.extensions[EXTENSION].listener
    pid = listener._conn.info.backend_pid
    # Nobody hears this change: the trigger is off, then the listener is cut off.
    elsewhere("ALTER TABLE statement DISABLE TRIGGER statement_changed")
    try:
        elsewhere(REVOKE, n=number)
    finally:
        elsewhere("ALTER TABLE statement ENABLE TRIGGER statement_changed")
    elsewhere("SELECT pg_terminate_backend(:p, 5000)", p=pid)
    assert _status(client, number) == "revoked"  # read from the database
    assert listener._conn is None or listener._conn.info.backend_pid != pid
    assert _status(client, number) == "revoked"  # and listening again
    assert listener._conn is not None and listener._conn.info.backend_pid != pid

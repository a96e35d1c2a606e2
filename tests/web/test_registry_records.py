"""The public record of a statement is the same whichever way it is read: the lookup API's
driver query (``readpath.py``) and the ORM path of searches and verification agree field
for field, on SQLite and on PostgreSQL, for a valid, a revoked, a superseded, a superseding
and an expired statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import World, setup
from verification.extensions import db
from verification.registry import records
from verification.registry.services import today
from verification.statements.models import Statement
from verification.timeutil import utcnow


@pytest.fixture
def statements(app):
    """Four issued statements shaped by hand into each lifecycle state the record shows."""
    with setup(app):
        world = World()
        issued = [world.issued_case()[1] for _ in range(4)]
        valid, revoked, old, expired = issued
        revoked.status, revoked.revoked_at = "revoked", utcnow()
        revoked.revocation_reason = "Evidence found to be forged."
        old.status, old.superseded_at = "superseded", utcnow()
        old.superseded_by_id, valid.supersedes_id = valid.id, old.id
        old.supersession_reason = "Scope 2 recomputed."
        expired.valid_until = today() - timedelta(days=1)  # still "valid" in the column
    return {s.number: s for s in issued}


def test_lookup_and_orm_give_the_same_record(app, statements):
    with app.test_request_context("/"):
        for number in statements:
            statement = db.session.scalar(select(Statement).where(Statement.number == number))
            fields = records.lookup(number)
            assert fields is not None
            assert dict(fields) == records.fields_of(statement)
            assert records.public_record(fields, today()) == records.record_of(statement, today())
        assert records.lookup("VS-2026-999999") is None


def test_each_state_reads_as_it_should(app, client, statements):
    valid, revoked, old, expired = statements
    answers = {n: client.get(f"/api/v1/statements/{n}").get_json() for n in statements}
    assert answers[valid]["status"] == "valid" and answers[valid]["supersedes"] == old
    assert answers[revoked]["status"] == "revoked"
    assert answers[revoked]["revocation_reason"] == "Evidence found to be forged."
    assert answers[old]["status"] == "superseded" and answers[old]["superseded_by"] == valid
    assert answers[expired]["status"] == "expired"
    assert answers[valid]["timestamped_at"] is None  # no TSA_URL in tests
    issued_at = answers[valid]["issued_at"]
    assert issued_at.endswith("+00:00"), issued_at  # aware UTC on both databases
    assert answers[valid]["pdf_url"].endswith(f"/registry/{valid}.pdf")
    # The search API (ORM path) answers the same records.
    found = client.get("/api/v1/statements", query_string={"per_page": 10}).get_json()
    assert {s["number"]: s for s in found["statements"]} == answers


def test_no_cache_on_the_way_may_answer_for_the_registry(client, statements):
    number = next(iter(statements))
    response = client.get(f"/api/v1/statements/{number}")
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Cookie" not in response.headers.get("Vary", "")


def test_an_unknown_number_is_a_json_404(client):
    r = client.get("/api/v1/statements/VS-2026-999999")
    assert r.status_code == 404 and r.get_json()["status"] == 404

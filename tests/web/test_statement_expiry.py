"""Expiry: every page and the API compute it from valid_until, before any task ran; the
Celery beat task ``statements.mark_expired`` then stores it and emits "expired" once."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from tests.factories import World, setup, sign_in
from verification.extensions import db
from verification.statements.models import Statement
from verification.timeutil import utcnow


def mark_expired(app):
    """The beat task, run here by the session's Celery app (its Flask app and database)."""
    return app.extensions["celery"].tasks["statements.mark_expired"]()


def _valid_until(app, statement_id: int, days_from_today: int) -> None:
    with app.app_context():
        db.session.execute(
            text("UPDATE statement SET valid_until = :d WHERE id = :i"),
            {"d": utcnow().date() + timedelta(days=days_from_today), "i": statement_id},
        )
        db.session.commit()


def _stored(app, statement_id: int) -> Statement:
    with app.app_context():
        row = db.session.get(Statement, statement_id)
        db.session.expunge(row)
        return row


def test_beat_runs_the_lifecycle_tasks_on_the_configured_schedule(app, tmp_path):
    from flask import Flask

    from verification.celery_app import _settings

    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["statements.mark_expired"] == {
        "task": "statements.mark_expired",
        "schedule": 3600.0,
    }
    assert schedule["statements.sweep_stuck"]["schedule"] == 60.0
    assert app.extensions["celery"].conf.beat_schedule_filename == str(
        Path(app.instance_path) / "celerybeat-schedule"
    )
    other = Flask("other", instance_path=str(tmp_path))  # no second Celery app made
    other.config.update(app.config)
    other.config.update(STATEMENT_EXPIRY_CHECK_SECONDS=600, ISSUANCE_SWEEP_SECONDS=5)
    other_schedule = _settings(other)["beat_schedule"]
    assert other_schedule["statements.mark_expired"]["schedule"] == 600.0
    assert other_schedule["statements.sweep_stuck"]["schedule"] == 5.0
    assert set(app.extensions["celery"].tasks) >= {
        "statements.mark_expired",
        "statements.sweep_stuck",
    }


def test_expiry_is_computed_everywhere_before_the_task_and_stored_by_it(app, heard):
    with setup(app):
        world = World()
        case, statement = world.issued_case()
        _other_case, still_valid = world.issued_case()
    number = statement.number
    _valid_until(app, still_valid.id, 0)  # valid through today
    _valid_until(app, statement.id, -1)  # was valid until yesterday
    heard.clear()

    # Before the task: stored "valid", shown "expired" everywhere.
    assert _stored(app, statement.id).status == "valid"
    anyone = app.test_client()
    page = anyone.get(f"/registry/{number}").text
    assert re.search(r'id="statement-status">\s*expired<', page)
    assert f"Statement {number} has expired: it was valid until" in page
    assert anyone.get(f"/api/v1/statements/{number}").get_json()["status"] == "expired"
    expired = anyone.get("/api/v1/statements?status=expired").get_json()
    assert [s["number"] for s in expired["statements"]] == [number]
    valid = anyone.get("/api/v1/statements?status=valid").get_json()
    assert [s["number"] for s in valid["statements"]] == [still_valid.number]
    assert number in anyone.get("/registry?status=expired").text
    assert number not in anyone.get("/registry?status=valid").text
    sme = app.test_client()
    sign_in(sme, world.sme_user)
    assert "status-expired" in sme.get(f"/cases/{case.id}").text
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    assert 'id="revoke-statement"' not in admin.get(f"/registry/{number}").text

    # The beat task stores it, once, and tells the listeners once.
    assert mark_expired(app) == [number]
    stored = _stored(app, statement.id)
    assert stored.status == "expired" and stored.expired_marked_at is not None
    assert _stored(app, still_valid.id).status == "valid"
    assert heard == [(number, "expired")]
    assert mark_expired(app) == []
    assert heard == [(number, "expired")]
    assert anyone.get(f"/api/v1/statements/{number}").get_json()["status"] == "expired"
    stored_expired = anyone.get("/api/v1/statements?status=expired").get_json()
    assert [s["number"] for s in stored_expired["statements"]] == [number]


def test_the_task_leaves_revoked_and_superseded_statements_alone(app, heard):
    with setup(app):
        world = World()
        _case, statement = world.issued_case()
    _valid_until(app, statement.id, -30)
    with app.app_context():
        db.session.execute(
            text("UPDATE statement SET status = 'revoked' WHERE id = :i"), {"i": statement.id}
        )
        db.session.commit()
    heard.clear()
    assert mark_expired(app) == []
    assert _stored(app, statement.id).status == "revoked" and heard == []
    record = app.test_client().get(f"/api/v1/statements/{statement.number}").get_json()
    assert record["status"] == "revoked"

"""Keeping issuance going: the sweeper sends again the jobs whose worker was lost, and an
administrator retries a failed job. Both only queue the job: ``run_issuance`` claims the
row and reuses the job's number, so a second run is harmless (tests/integration shows it
with a real worker killed mid-way)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.factories import World, setup, sign_in
from verification.cases.models import CaseEvent
from verification.extensions import db
from verification.statements import issuance
from verification.statements.models import IssuanceJob, Statement, StatementCounter
from verification.timeutil import utcnow


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """The job ids sent to the worker (after the commit), instead of sending them."""
    got: list[int] = []
    monkeypatch.setattr(issuance, "enqueue", got.append)
    return got


def sweep_stuck(app):
    """The beat task, run here by the session's Celery app (its Flask app and database)."""
    return app.extensions["celery"].tasks["statements.sweep_stuck"]()


def _set_job(app, job_id: int, status: str, seconds_ago: float, error: str | None = None):
    with app.app_context():
        db.session.execute(
            text("UPDATE issuance_job SET status = :s, updated_at = :u, error = :e WHERE id = :i"),
            {
                "s": status,
                "u": utcnow() - timedelta(seconds=seconds_ago),
                "e": error,
                "i": job_id,
            },
        )
        db.session.commit()


def _job(app, job_id: int) -> IssuanceJob:
    with app.app_context():
        job = db.session.get(IssuanceJob, job_id)
        db.session.expunge(job)
        return job


def test_the_sweeper_sends_again_only_jobs_without_progress(app, sent):
    with setup(app):
        world = World()
        jobs = {}
        for name in ("rendering", "signing", "queued", "recent", "failed", "done"):
            _case, job = world.approved_case()
            jobs[name] = job.id
    stuck_after = app.config["ISSUANCE_STUCK_AFTER_SECONDS"]
    assert stuck_after == 120
    old = stuck_after + 5
    _set_job(app, jobs["rendering"], "rendering", old)
    _set_job(app, jobs["signing"], "signing", old)
    _set_job(app, jobs["queued"], "queued", old)
    _set_job(app, jobs["recent"], "rendering", stuck_after - 30)
    _set_job(app, jobs["failed"], "failed", old, "RuntimeError: no key")
    _set_job(app, jobs["done"], "done", old)

    swept = sweep_stuck(app)
    expected = sorted([jobs["rendering"], jobs["signing"], jobs["queued"]])
    assert swept == expected and sorted(sent) == expected
    for name in ("rendering", "signing", "queued"):
        job = _job(app, jobs[name])
        assert job.status == "queued"
        assert utcnow() - job.updated_at < timedelta(seconds=30)
    assert _job(app, jobs["recent"]).status == "rendering"
    assert _job(app, jobs["failed"]).status == "failed"
    # Just sent: not again at the next sweep, only once it is stuck again.
    assert sweep_stuck(app) == [] and len(sent) == 3


def test_a_swept_job_finishes_with_its_number(app, sent):
    """The job's number was taken before its worker was lost: the run after the sweep
    reuses it, and no other number is spent."""
    with setup(app):
        world = World()
        case, job = world.approved_case()
        job.status, job.number = "rendering", f"VS-{utcnow().year}-000042"
    _set_job(app, job.id, "rendering", 600)
    assert sweep_stuck(app) == [job.id] == sent
    with app.app_context():
        issuance.run_issuance(job.id)
        db.session.commit()
        statement = db.session.scalar(select(Statement).where(Statement.case_id == case.id))
        assert statement.number == f"VS-{utcnow().year}-000042"
        assert db.session.get(IssuanceJob, job.id).status == "done"
        assert db.session.scalar(select(StatementCounter.last_value)) is None  # none taken


@pytest.fixture
def failed(app):
    with setup(app):
        world = World()
        case, job = world.approved_case()
    _set_job(app, job.id, "failed", 10, "RuntimeError: signed statement failed its own check")
    return world, case, job


def test_an_admin_retries_a_failed_issuance(app, failed, sent):
    world, case, job = failed
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    page = admin.get(f"/cases/{case.id}").text
    assert 'id="retry-issuance"' in page and "failed its own check" in page
    r = admin.post(f"/cases/{case.id}/issuance/retry")
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case.id}"
    assert sent == [job.id]
    retried = _job(app, job.id)
    assert (retried.status, retried.error) == ("queued", None)
    with app.app_context():
        assert (
            db.session.scalar(
                select(CaseEvent.actor_id).where(
                    CaseEvent.case_id == case.id, CaseEvent.action == "issuance_retried"
                )
            )
            == world.vb_admin.id
        )
    assert 'id="retry-issuance"' not in admin.get(f"/cases/{case.id}").text
    # A queued job is not retried again (409); once run, the case is issued.
    assert admin.post(f"/cases/{case.id}/issuance/retry").status_code == 409
    with app.app_context():
        issuance.run_issuance(job.id)
        db.session.commit()
    progress = admin.get(f"/cases/{case.id}/issuance.json").get_json()
    assert progress["status"] == "done" and progress["status_name"] == "done"
    assert progress["case_state"] == "issued" and progress["number"].startswith("VS-")


def test_the_platform_admin_may_retry_too(app, failed, sent):
    world, case, job = failed
    platform = app.test_client()
    sign_in(platform, world.admin)
    assert 'id="retry-issuance"' in platform.get(f"/cases/{case.id}").text
    assert platform.post(f"/cases/{case.id}/issuance/retry").status_code == 302
    assert sent == [job.id] and _job(app, job.id).status == "queued"


@pytest.mark.parametrize(
    "who, expected",
    [
        ("reviewer", 403),
        ("verifier", 403),
        ("sme_user", 403),
        ("lender", 403),
        ("other_vb_admin", 404),
        (None, 302),
    ],
)
def test_nobody_else_may_retry(app, failed, sent, who, expected):
    world, case, job = failed
    client = app.test_client()
    if who:
        sign_in(client, getattr(world, who))
        if who in ("reviewer", "verifier", "sme_user"):
            assert 'id="retry-issuance"' not in client.get(f"/cases/{case.id}").text
    assert client.post(f"/cases/{case.id}/issuance/retry").status_code == expected
    assert sent == [] and _job(app, job.id).status == "failed"

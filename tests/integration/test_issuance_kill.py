"""A worker killed mid-way through issuance, and the sweeper that finishes the job.

A real Celery worker takes the job, allocates its number, and is SIGKILLed (with its pool
processes) while rendering. Its message is gone: the filesystem broker deleted it when the
worker took it, Redis keeps it unacknowledged until its visibility timeout (an hour). A new
worker with Celery beat starts; the sweeper (``statements.sweep_stuck``, every second here,
threshold five seconds) sends the job again, and the new worker issues the statement with
the number the killed one took: one statement, no number skipped.

These workers read a queue of their own, so the session's shared worker takes none of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, process_env
from tests.factories import World, setup
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.cases.models import Case
from verification.extensions import db
from verification.statements.issuance import request_issuance
from verification.statements.models import IssuanceJob, Statement, StatementCounter
from verification.workflow.rules import Action

pytestmark = pytest.mark.worker

QUEUE = "issuance-kill-test"
STUCK_AFTER = 5  # seconds; rendering and signing take one to three


def start_worker(
    settings, instance_dir, log_path: Path, *, beat: bool, **config
) -> subprocess.Popen:
    """A worker in a session (process group) of its own, reading QUEUE; ``config`` as
    VERIFICATION_* settings."""
    env = process_env(settings, instance_dir)
    env["VERIFICATION_CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
    env.update({f"VERIFICATION_{k}": str(v) for k, v in config.items()})
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
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                *(["--beat"] if beat else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def job_row(app, job_id: int) -> IssuanceJob:
    with app.app_context():
        job = db.session.get(IssuanceJob, job_id)
        db.session.expunge(job)
        return job


def approve(app, world, case_id: int) -> int:
    """The reviewer approves: the case's issuance job (not sent), its id."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        reviewer = db.session.merge(world.reviewer)
        cases.transition(case, Action.APPROVE, reviewer, perm.actor(reviewer, case))
        job_id = request_issuance(case, reviewer, enqueue_task=False).id
        db.session.commit()
        return job_id


def wait_until(what: str, condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def test_a_worker_killed_while_rendering_is_finished_by_the_sweeper(
    app, settings, instance_dir, tmp_path
):
    t0 = time.monotonic()
    timeline: list[str] = []

    def note(event: str) -> None:
        timeline.append(f"{time.monotonic() - t0:6.2f} s  {event}")

    with setup(app):
        world = World()
        case, job = world.approved_case()
        second_case = world.reviewed_case()  # approved once the first is done
    celery = app.extensions["celery"]

    first = start_worker(
        settings, instance_dir, tmp_path / "killed.log", beat=False, ISSUANCE_PAUSE_SECONDS=120
    )
    note(f"worker A ready (pid {first.pid}; waits 120 s after taking a number)")
    survivor = None
    try:
        celery.send_task("statements.issue", args=(job.id,), queue=QUEUE)
        note(f"job {job.id} sent")
        taken = wait_until(
            "worker A rendering with a number",
            lambda: (j := job_row(app, job.id)).status == "rendering" and j.number and j,
            30,
        )
        number = taken.number
        note(f"job {job.id} rendering, number {number}, attempt {taken.attempts}")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        note("worker A and its pool killed (SIGKILL to the process group)")

        time.sleep(1.0)
        lost = job_row(app, job.id)
        assert (lost.status, lost.number, lost.attempts) == ("rendering", number, 1)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Statement)) == 0
        note("after 1 s: job still 'rendering', no statement, message gone with the worker")

        survivor = start_worker(
            settings,
            instance_dir,
            tmp_path / "survivor.log",
            beat=True,
            ISSUANCE_STUCK_AFTER_SECONDS=STUCK_AFTER,
            ISSUANCE_SWEEP_SECONDS=1,
        )
        note(
            f"worker B ready with beat (pid {survivor.pid}; "
            f"sweep every 1 s, stuck after {STUCK_AFTER} s)"
        )
        requeued = wait_until(
            "the sweeper sending the job again",
            lambda: ((j := job_row(app, job.id)).attempts >= 2 or j.status == "queued") and j,
            60,
        )
        note(f"job {job.id} swept: status {requeued.status}, attempts {requeued.attempts}")
        done = wait_until(
            "the job finishing", lambda: (j := job_row(app, job.id)).status == "done" and j, 90
        )
        note(f"job {job.id} done by worker B, attempts {done.attempts}")

        second_job = approve(app, world, second_case.id)
        celery.send_task("statements.issue", args=(second_job,), queue=QUEUE)
        after = wait_until(
            "the next job finishing",
            lambda: (j := job_row(app, second_job)).status == "done" and j,
            90,
        )
        note(f"next job {second_job} done: {after.number}")
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        if survivor is not None:
            stop(survivor)
        print("\n" + "\n".join(timeline))

    # Normally two attempts; a third only if worker B took longer than STUCK_AFTER to
    # render and sign, which is harmless too (the same number, one statement).
    assert done.number == number and done.attempts >= 2 and done.error is None
    with app.app_context():
        statements = db.session.scalars(select(Statement).order_by(Statement.id)).all()
        assert [(s.case_id, s.number) for s in statements] == [
            (case.id, number),
            (second_case.id, after.number),
        ]
        year, value = int(number[3:7]), int(number[-6:])
        assert after.number == f"VS-{year}-{value + 1:06d}"  # no number lost in between
        assert db.session.get(StatementCounter, year).last_value == value + 1
    survivor_log = (tmp_path / "survivor.log").read_text()
    assert f"issuance jobs without progress sent again: [{job.id}]" in survivor_log, survivor_log
    assert "Scheduler: Sending due task statements.sweep_stuck" in survivor_log

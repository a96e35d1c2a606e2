"""Many approvals at once: unique, gap-free statement numbers, one statement per case."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.factories import World, setup, sign_in
from verification.extensions import db
from verification.statements.models import IssuanceJob, Statement

pytestmark = pytest.mark.worker
CASES = 8


def test_simultaneous_approvals_get_unique_gap_free_numbers(app, worker):
    with setup(app):
        world = World()
        from verification.statements import keys_service

        keys_service.init_demo(world.vb)
        case_ids = [world.reviewed_case().id for _ in range(CASES)]

    def approve(case_id: int) -> int:
        client = app.test_client()
        sign_in(client, world.reviewer)
        return client.post(f"/cases/{case_id}/actions/approve").status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(approve, case_ids)) == [302] * CASES

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        with app.app_context():
            done = db.session.scalar(
                select(func.count()).select_from(IssuanceJob).where(IssuanceJob.status == "done")
            )
        if done == CASES:
            break
        time.sleep(0.5)
    with app.app_context():
        statements = db.session.scalars(select(Statement)).all()
        assert sorted(s.case_id for s in statements) == sorted(case_ids)
        serials = sorted(int(s.number.rsplit("-", 1)[1]) for s in statements)
        assert serials == list(range(1, CASES + 1))
        assert len({s.pdf_sha256 for s in statements}) == CASES

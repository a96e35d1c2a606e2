"""What the audit trail catches beyond plain inserts and updates: rows deleted as orphans
of a cascade (which only the flush discovers), ORM bulk updates and deletes, changes in a
savepoint that is rolled back (none recorded), and who the issuance worker is."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from tests.factories import World, setup
from verification.audit import capture
from verification.audit.models import AuditEvent
from verification.cases.models import CaseEvent
from verification.emissions.models import ActivityLine
from verification.evidence.models import EvidenceFile, EvidenceLink
from verification.extensions import db


def events(app, **where) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.seq)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def verified(app) -> bool:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code == 0


def test_a_row_deleted_as_an_orphan_is_recorded_with_its_values(app):
    # Evidence links are removed from their file's collection (delete-orphan cascade).
    ours = capture.registration_of(EvidenceLink) is None
    if ours:
        capture.register(EvidenceLink, case_id=lambda link: link.case_id)
    try:
        with setup(app):
            world = World()
            case = world.open_case()
            evidence = world.attach(case, "E1")
            [link] = evidence.links
            link_id, evidence_id = link.id, evidence.id
        with setup(app):
            evidence = db.session.get(EvidenceFile, evidence_id)
            evidence.links.clear()
        [gone] = events(app, object_type="evidence_link", action="delete")
    finally:
        if ours:
            del capture._registry[EvidenceLink]
    assert gone.object_id == str(link_id) and gone.case_id == case.id and gone.after is None
    before = json.loads(gone.before)
    assert before["evidence_id"] == evidence_id and before["criterion_code"] == "E1"
    assert before["linked_at"].endswith("+00:00")
    assert verified(app)


def test_bulk_updates_and_deletes_are_recorded_row_by_row(app):
    with setup(app):
        world = World()
        case = world.open_case()
        lines = [world.add_line(case, quantity=str(q)) for q in (10, 20, 30)]
        ids = [line.id for line in lines]
    with setup(app):
        result = db.session.execute(
            update(ActivityLine)
            .where(ActivityLine.case_id == case.id, ActivityLine.id != ids[2])
            .values(quantity="99")
        )
        assert result.rowcount == 2  # the caller still gets the statement's own result
    updates = events(app, object_type="activity_line", action="update")
    assert [(e.object_id, json.loads(e.before), json.loads(e.after)) for e in updates] == [
        (str(ids[0]), {"quantity": "10"}, {"quantity": "99"}),
        (str(ids[1]), {"quantity": "20"}, {"quantity": "99"}),
    ]
    assert {e.case_id for e in updates} == {case.id}
    assert {e.actor_label for e in updates} == {"system"}

    with setup(app):  # an update that changes nothing records nothing
        db.session.execute(
            update(ActivityLine).where(ActivityLine.id == ids[0]).values(quantity="99")
        )
        db.session.execute(delete(ActivityLine).where(ActivityLine.id.in_(ids[1:])))
    assert len(events(app, object_type="activity_line", action="update")) == 2
    deleted = events(app, object_type="activity_line", action="delete")
    assert [e.object_id for e in deleted] == [str(i) for i in ids[1:]]
    assert [json.loads(e.before)["quantity"] for e in deleted] == ["99", "30"]
    assert all(e.after is None and e.case_id == case.id for e in deleted)
    assert verified(app)


def test_the_issuance_claim_counts_attempts_in_the_trail(app):
    from verification.statements.tasks import issue_statement

    with setup(app):
        world = World()
        case, job = world.approved_case()
    issue_statement.apply(args=[job.id])
    changes = [
        (json.loads(e.before), json.loads(e.after), e.actor_label)
        for e in events(app, object_type="issuance_job", action="update")
    ]
    attempts = [(b["attempts"], a["attempts"]) for b, a, _who in changes if "attempts" in a]
    assert attempts == [(0, 1)]  # the bulk UPDATE that claims the job
    statuses = [a["status"] for _b, a, _who in changes if "status" in a]
    assert statuses == ["rendering", "signing", "done"]
    assert {who for _b, _a, who in changes} == {"system: issuance worker"}
    assert verified(app)


def test_a_rolled_back_savepoint_leaves_no_event(app):
    with setup(app):
        world = World()
        case = world.open_case()
    count = len(events(app))
    with setup(app):
        line = world.add_line(case)
        kept = line.id
        savepoint = db.session.begin_nested()
        db.session.get(ActivityLine, kept).quantity = "77"
        db.session.flush()
        savepoint.rollback()
    made = events(app)[count:]
    assert [e.action for e in made if e.object_type == "activity_line"] == ["insert"]
    assert json.loads(made[0].after)["quantity"] == "12"
    assert [e.seq for e in events(app)] == list(range(1, len(made) + count + 1))
    assert verified(app)


def test_a_change_that_restores_the_old_value_records_nothing(app):
    with setup(app):
        world = World()
        case = world.open_case()
        line = world.add_line(case)
        line_id = line.id
    count = len(events(app))
    with setup(app):
        row = db.session.get(ActivityLine, line_id)
        row.quantity = "13"
        row.quantity = "12"
    assert len(events(app)) == count


def test_changes_flushed_then_closed_without_commit_are_never_recorded(app):
    """``session.close()`` rolls the transaction back without a rollback event: what it
    had flushed must not turn up in the trail with the next commit."""
    with setup(app):
        world = World()
        case = world.open_case()
    count = len(events(app))
    with app.app_context():
        db.session.get(ActivityLine, world.add_line(case).id)  # flushed, never committed
        db.session.close()
        db.session.add(CaseEvent(case_id=case.id, action="opened", reason="kept"))
        db.session.commit()
    made = events(app)[count:]
    assert [(e.object_type, e.action) for e in made] == [("case_event", "insert")]
    assert verified(app)

"""The audit trail end to end: real HTTP changes write chained events (who, what, before and
after); `flask audit verify` names an event edited, deleted or inserted with raw SQL;
concurrent writers never fork the chain; a restored backup still verifies."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import click
import pytest
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.conftest import _prepare_database
from tests.factories import World, setup, sign_in
from verification import create_app
from verification.audit import AuditChainBroken, acting_as, current_actor
from verification.audit.capture import register, registered
from verification.audit.chain import ZERO_HASH, event_hash
from verification.audit.models import AuditEvent, AuditHead
from verification.cases.models import Answer, Case, CaseEvent
from verification.extensions import db
from verification.transactions import dispose_engines

ANSWERS = {
    "answer-E1": "12,000",
    "unit-E1": "kWh",
    "answer-E2": "yes",
    "answer-S1": "yes",
    "answer-S2": "40",
    "answer-G1": "yes",
}


def events(app, **where) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.seq)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def sql(app, statement: str, **params) -> None:
    """Tamper with the table directly, as someone with database access would."""
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def draft(app):
    with setup(app):
        world = World()
        case = world.open_case()
    return world, case


# --- capture ------------------------------------------------------------------------------


def test_saving_answers_over_http_records_who_and_what(app, client, draft):
    world, case = draft
    sign_in(client, world.sme_user)
    assert client.post(f"/cases/{case.id}/answers", data=ANSWERS).status_code == 302

    inserted = events(app, object_type="answer", action="insert")
    assert len(inserted) == 5
    e1 = next(e for e in inserted if json.loads(e.after)["criterion_code"] == "E1")
    after = json.loads(e1.after)
    assert after["value"] == "12000" and after["unit"] == "kWh"
    assert after["case_id"] == case.id and after["id"] == int(e1.object_id)
    assert after["answered_at"].endswith("+00:00")  # datetimes in UTC, ISO 8601
    assert e1.before is None and e1.case_id == case.id
    assert (e1.actor_id, e1.actor_label) == (world.sme_user.id, world.sme_user.email)

    # A change records only the changed columns, old and new (the timestamp moves too).
    changed = {**ANSWERS, "answer-E1": "13000"}
    assert client.post(f"/cases/{case.id}/answers", data=changed).status_code == 302
    [update] = events(app, object_type="answer", action="update")
    assert update.object_id == e1.object_id
    before, after = json.loads(update.before), json.loads(update.after)
    assert set(before) == set(after) == {"value", "answered_at"}
    assert (before["value"], after["value"]) == ("12000", "13000")
    assert (update.actor_id, update.actor_label) == (world.sme_user.id, world.sme_user.email)

    # Saving the same answers again changes nothing and records nothing.
    count = event_count(app)
    assert client.post(f"/cases/{case.id}/answers", data=changed).status_code == 302
    assert event_count(app) == count
    assert verify(app).exit_code == 0


def test_a_transition_records_the_state_change_and_the_case_event(app, client, draft):
    world, case = draft
    with setup(app):
        world.attach(case)
    sign_in(client, world.sme_user)
    client.post(f"/cases/{case.id}/answers", data=ANSWERS)
    first_new = event_count(app) + 1
    assert client.post(f"/cases/{case.id}/actions/submit").status_code == 302

    made = [e for e in events(app) if e.seq >= first_new]
    [state] = [e for e in made if e.object_type == "verification_case"]
    assert state.action == "update" and state.object_id == str(case.id)
    assert json.loads(state.before)["state"] == "draft"
    assert json.loads(state.after)["state"] == "submitted"
    [logged] = [e for e in made if e.object_type == "case_event"]
    assert logged.action == "insert" and json.loads(logged.after)["to_state"] == "submitted"
    assert {e.actor_label for e in made} == {world.sme_user.email}
    assert {e.case_id for e in made} == {case.id}
    # One flush, one moment; chained in order.
    for earlier, later in zip(made, made[1:], strict=False):
        assert later.seq == earlier.seq + 1 and later.prev_hash == earlier.hash


def test_every_registered_model_is_recorded_in_a_full_journey(app):
    """From opening to issuing, each audited table gets events, tied to the case."""
    with setup(app):
        world = World()
        case, statement = world.issued_case()
    recorded = {e.object_type for e in events(app, case_id=case.id)}
    assert recorded >= {
        "verification_case",
        "answer",
        "case_event",
        "evidence_file",
        "finding",
        "activity_line",
        "statement",
        "issuance_job",
    }
    assert verify(app).exit_code == 0


def test_a_delete_records_every_column(app, draft):
    world, case = draft
    with setup(app):
        line = world.add_line(case)
        line_id = line.id
    from verification.emissions.models import ActivityLine

    with app.app_context():
        line = db.session.get(ActivityLine, line_id)
        db.session.commit()  # every attribute expired: the delete must read them back
        db.session.delete(line)
        db.session.commit()
    [deleted] = events(app, object_type="activity_line", action="delete")
    before = json.loads(deleted.before)
    assert deleted.after is None and before["id"] == line_id and before["quantity"] == "12"
    assert before["case_id"] == case.id and deleted.case_id == case.id


def test_bulk_statements_with_parameters_are_recorded(app, draft):
    """Bound parameters in the WHERE clause, and an ORM bulk update by primary key (a list
    of parameter sets): the rows read before and after are the ones the statement hit."""
    from verification.emissions.models import ActivityLine

    world, case = draft
    with setup(app):
        attached = db.session.get(Case, case.id)
        ids = [world.add_line(attached, quantity=q).id for q in ("1", "2", "3")]
    with setup(app):
        db.session.execute(
            update(ActivityLine).where(ActivityLine.id == bindparam("line")).values(quantity="5"),
            {"line": ids[0]},
        )
        db.session.execute(update(ActivityLine), [{"id": ids[1], "quantity": "6"}])
    updates = events(app, object_type="activity_line", action="update")
    assert [(e.object_id, json.loads(e.before), json.loads(e.after)) for e in updates] == [
        (str(ids[0]), {"quantity": "1"}, {"quantity": "5"}),
        (str(ids[1]), {"quantity": "2"}, {"quantity": "6"}),
    ]
    assert verify(app).exit_code == 0


def test_the_issuance_worker_acts_as_the_system(app):
    from verification.statements.tasks import issue_statement

    with setup(app):
        world = World()
        case, job = world.approved_case()
    issue_statement.apply(args=[job.id])
    issued = events(app, object_type="statement")
    assert [e.actor_label for e in issued] == ["system: issuance worker"]
    assert issued[0].actor_id is None and issued[0].case_id == case.id
    [state] = [
        e
        for e in events(app, object_type="verification_case", action="update")
        if json.loads(e.after).get("state") == "issued"
    ]
    assert state.actor_label == "system: issuance worker"


def test_actor_outside_requests(app):
    assert current_actor() == (None, "system")
    with acting_as("system: nightly import", actor_id=4):
        assert current_actor() == (4, "system: nightly import")
    with click.Context(click.Command("seed"), info_name="flask demo seed"):
        assert current_actor() == (None, "system: flask demo seed")


def test_secret_columns_are_never_recorded():
    class Base(DeclarativeBase):
        pass

    class Account(Base):
        __tablename__ = "throwaway_account"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]
        password_hash: Mapped[str]
        totp_secret: Mapped[str | None]
        note: Mapped[str | None]

    register(Account, case_id=lambda obj: None, exclude=("note",))
    try:
        assert [name for _key, name in registered()[Account].columns] == ["id", "email"]
    finally:
        from verification.audit import capture

        del capture._registry[Account]


# --- verify and tampering -----------------------------------------------------------------


def _row(app, seq: int) -> dict:
    with app.app_context():
        row = db.session.execute(select(AuditEvent.__table__).where(AuditEvent.seq == seq)).one()
        return dict(row._mapping)


def _put_back(app, row: dict) -> None:
    with app.app_context():
        db.session.execute(AuditEvent.__table__.insert(), [row])
        db.session.commit()


def test_tampering_with_the_table_is_caught_and_named(app, draft):
    world, case = draft
    with setup(app):
        from verification.cases import services as cases

        attached = db.session.get(Case, case.id)
        for n in range(5):  # one insert, then four updates
            cases.save_answers(attached, world.sme_user, {"E1": (str(1000 + n), "kWh")})
    total = event_count(app)
    assert total >= 7  # the case, its "opened" event, the answer's insert and four updates
    clean = verify(app)
    assert clean.exit_code == 0, clean.output
    assert f"audit chain intact: {total} events" in clean.output

    # 1. An edited value.
    original = _row(app, 3)
    sql(app, 'UPDATE audit_event SET "after" = :v WHERE seq = 3', v='{"value":"1"}')
    result = verify(app)
    assert result.exit_code == 1
    assert "event 3 was edited (its content no longer matches its hash)" in result.output
    sql(app, 'UPDATE audit_event SET "after" = :v WHERE seq = 3', v=original["after"])
    assert verify(app).exit_code == 0

    # 2. A deleted event.
    gone = _row(app, 4)
    sql(app, "DELETE FROM audit_event WHERE seq = 4")
    result = verify(app)
    assert result.exit_code == 1
    assert "event 4 is missing (deleted)" in result.output
    _put_back(app, gone)
    assert verify(app).exit_code == 0

    # 3. A forged event in place of a real one, consistent in itself.
    forged = {**_row(app, 2), "after": '{"value":"999"}', "prev_hash": "b" * 64}
    forged["hash"] = event_hash(forged)
    real = _row(app, 2)
    sql(app, "DELETE FROM audit_event WHERE seq = 2")
    _put_back(app, {**forged, "id": real["id"]})
    result = verify(app)
    assert result.exit_code == 1
    assert "event 2 was inserted or replaced" in result.output
    sql(app, "DELETE FROM audit_event WHERE seq = 2")
    _put_back(app, real)

    # 4. A forged event appended after the last one, even with a correct link and hash.
    last = _row(app, total)
    appended = {
        **last,
        "id": last["id"] + 1000,
        "seq": total + 1,
        "after": '{"value":"0"}',
        "prev_hash": last["hash"],
    }
    appended["hash"] = event_hash(appended)
    _put_back(app, appended)
    result = verify(app)
    assert result.exit_code == 1
    assert f"event {total + 1} was inserted after the end of the chain" in result.output
    sql(app, "DELETE FROM audit_event WHERE seq = :s", s=total + 1)

    # 5. The last two events deleted.
    sql(app, "DELETE FROM audit_event WHERE seq > :s", s=total - 2)
    result = verify(app)
    assert result.exit_code == 1
    assert (
        f"the last 2 events were deleted (head says {total}, chain ends at {total - 2})"
        in result.output
    )


def test_a_missing_head_stops_writing_and_is_reported(app, draft):
    world, case = draft
    sql(app, "DELETE FROM audit_head")
    result = verify(app)
    assert result.exit_code == 1 and "the head row is missing" in result.output
    with app.app_context():
        case = db.session.get(Case, case.id)
        case.title = "Renamed"
        with pytest.raises(AuditChainBroken):
            db.session.commit()  # events are written when the transaction commits
        db.session.rollback()
        assert db.session.get(Case, case.id).title == "Test case"


def test_an_empty_chain_starts_its_head_on_the_first_write(app, draft):
    """The harness empties every table between tests (the head too): the next write
    starts a new chain at 1 instead of failing."""
    world, case = draft
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        assert head.seq == event_count(app) > 0
        first = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
        assert first.prev_hash == ZERO_HASH
    sql(app, "DELETE FROM audit_event")
    sql(app, "DELETE FROM audit_head")
    assert "audit chain intact: 0 events" in verify(app).output
    with setup(app):
        db.session.add(CaseEvent(case_id=case.id, action="opened"))
    assert [e.seq for e in events(app)] == [1]
    assert verify(app).exit_code == 0


def test_show_prints_a_cases_events(app, draft):
    world, case = draft
    result = app.test_cli_runner().invoke(args=["audit", "show", "--case", str(case.id)])
    assert result.exit_code == 0
    assert "insert verification_case" in result.output and "state='draft'" in result.output
    result = app.test_cli_runner().invoke(args=["audit", "show", "--case", "987654"])
    assert "No audit events for case 987654." in result.output


# --- concurrency --------------------------------------------------------------------------


def test_concurrent_writers_never_fork_the_chain(app, draft):
    """Eight threads commit at once, three times each. Odd ones share no row with anyone
    (only the head keeps them from reading the same head and forking the chain: without
    its lock PostgreSQL answers with a duplicate seq); even ones also rename the case, the
    one row they all change (no deadlock between that row and the head)."""
    world, case = draft
    before = event_count(app)
    threads, rounds = 8, 3
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                for r in range(rounds):
                    db.session.add(CaseEvent(case_id=case.id, action="opened", reason=f"{n}/{r}"))
                    db.session.add(
                        Answer(
                            case_id=case.id,
                            criterion_code=f"T{n}-{r}",
                            value=str(r),
                            answered_by_id=world.sme_user.id,
                        )
                    )
                    if n % 2 == 0:
                        db.session.get(Case, case.id).title = f"thread {n} round {r}"
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
    seqs = [e.seq for e in events(app)]
    assert seqs == list(range(1, len(seqs) + 1))
    # Two inserts per round, and a rename per round of the even threads.
    assert len(seqs) == before + threads * rounds * 2 + threads // 2 * rounds
    result = verify(app)
    assert result.exit_code == 0, result.output


# --- the page -----------------------------------------------------------------------------


def test_the_case_page_shows_the_trail_newest_first(app, client, draft):
    world, case = draft
    sign_in(client, world.sme_user)
    client.post(f"/cases/{case.id}/answers", data=ANSWERS)
    client.post(f"/cases/{case.id}/answers", data={**ANSWERS, "answer-S2": "41"})
    assert f'href="/cases/{case.id}/audit"' in client.get(f"/cases/{case.id}").text
    page = client.get(f"/cases/{case.id}/audit")
    assert page.status_code == 200
    html = page.text
    assert world.sme_user.email in html
    assert "<del>40</del> → <ins>41</ins>" in html
    newest, oldest = html.index("<del>40</del>"), html.index("verification_case")
    assert newest < oldest  # newest first

    for outsider in (world.other_sme_user, world.lender):
        sign_in(client, outsider)
        assert client.get(f"/cases/{case.id}/audit").status_code == 404
    sign_in(client, world.admin)
    assert client.get(f"/cases/{case.id}/audit").status_code == 200
    assert client.get(f"/cases/{case.id}/audit?page=2").status_code == 404
    assert client.get("/cases/987654/audit").status_code == 404


def test_the_trail_is_paginated(app, client, draft):
    world, case = draft
    with setup(app):
        for n in range(60):
            db.session.add(CaseEvent(case_id=case.id, action="opened", reason=f"note-{n:03d}"))
            db.session.flush()
    sign_in(client, world.sme_user)
    first = client.get(f"/cases/{case.id}/audit").text  # 62 events: the 50 newest
    assert "Page 1 of 2" in first and "note-059" in first and "note-010" in first
    assert "note-009" not in first
    second = client.get(f"/cases/{case.id}/audit?page=2").text
    assert "Page 2 of 2" in second and "note-009" in second and "note-000" in second
    assert "note-010" not in second and "verification_case" in second


# --- backup and restore -------------------------------------------------------------------


@pytest.fixture
def restore_target(app, settings, tmp_path):
    from flask_migrate import upgrade

    url = make_url(settings["DATABASE_URL"])
    if url.get_backend_name() == "postgresql":
        url = url.set(database=f"{url.database}_audit_restore")
    else:
        url = url.set(database=str(tmp_path / "restore.sqlite"))
    url = url.render_as_string(hide_password=False)
    _prepare_database(url)
    target = create_app({**settings, "DATABASE_URL": url, "TESTING": True}, str(tmp_path / "i"))
    # Tasks sent later (by this test or the next ones) go to the session's broker, not to
    # this instance's folder.
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()
    with target.app_context():
        upgrade()
    yield target
    dispose_engines(target)


def test_a_restored_backup_still_verifies(app, restore_target, tmp_path):
    with setup(app):
        world = World()
        case = world.submitted_case()
    total = event_count(app)
    archive = Path(tmp_path) / "backup.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    result = restore_target.test_cli_runner().invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    result = verify(restore_target)
    assert result.exit_code == 0, result.output
    assert f"audit chain intact: {total} events" in result.output
    # The restored chain goes on where it stopped.
    with setup(restore_target):
        db.session.add(CaseEvent(case_id=case.id, action="opened"))
    assert event_count(restore_target) == total + 1
    assert verify(restore_target).exit_code == 0

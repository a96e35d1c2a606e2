"""Notifications: the right people are told (never the actor), in the app and by email;
the bell and /notifications; mail backends, and mail sent by the real worker to a file."""

from __future__ import annotations

import email
import email.policy
import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import ANSWERS, World, setup, sign_in
from tests.web.test_clarifications import staffed_case
from verification import create_app
from verification.cases import services as cases
from verification.cases.models import Case
from verification.extensions import db
from verification.mail import services as mail
from verification.mail.models import OutboundEmail
from verification.messages import N_
from verification.notifications import services as notifications
from verification.notifications.models import Notification
from verification.workflow.rules import Action


def ready_case(world: World) -> Case:
    case = world.open_case()
    cases.save_answers(case, world.sme_user, ANSWERS)
    world.attach(case)
    world.add_line(case)
    return case


@pytest.fixture
def ready(app):
    with setup(app):
        world = World()
        case = ready_case(world)
    return world, case


def told(app, kind: str) -> list[int]:
    with app.app_context():
        return sorted(
            db.session.scalars(select(Notification.user_id).where(Notification.kind == kind))
        )


def mailed(app, subject_start: str) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(OutboundEmail.to).where(OutboundEmail.subject.startswith(subject_start))
            )
        )


def submit(app, world, case):
    client = app.test_client()
    sign_in(client, world.sme_user)
    r = client.post(f"/cases/{case.id}/actions/submit")
    assert r.status_code == 302, r.text
    return client


def test_submitting_tells_the_body_and_the_other_members_but_not_the_actor(app, ready):
    world, case = ready
    submit(app, world, case)
    assert told(app, "case_submitted") == sorted([world.vb_admin.id, world.sme_member.id])
    assert mailed(app, "Case submitted") == sorted([world.vb_admin.email, world.sme_member.email])
    with app.app_context():
        note = db.session.scalar(
            select(Notification).where(Notification.user_id == world.vb_admin.id)
        )
        assert note.link == f"/cases/{case.id}"
        # stored untranslated: the msgid and its parameters, not the text
        assert note.message == "Case “%(case)s” was submitted for verification."
        assert note.params == {"case": "Test case", "case_id": case.id}


def test_a_refused_action_tells_nobody(app):
    with setup(app):
        world = World()
        case = world.open_case()  # nothing answered: submitting is refused
    client = app.test_client()
    sign_in(client, world.sme_user)
    assert client.post(f"/cases/{case.id}/actions/submit").status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0


def test_the_bell_the_list_and_mark_all_read(app, ready):
    world, case = ready
    submit(app, world, case)
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    page = admin.get("/cases/")
    assert (
        'class="count unread"' in page.text
        and 'aria-label="1 unread notifications">1<' in page.text
    )
    page = admin.get("/notifications")
    assert "Case “Test case” was submitted for verification." in page.text
    assert f'href="/cases/{case.id}"' in page.text and 'id="mark-all-read"' in page.text

    r = admin.post("/notifications/read")
    assert r.status_code == 302
    page = admin.get("/notifications")
    assert "0 unread" in page.text and 'id="mark-all-read"' not in page.text
    assert ">0</span>" in page.text
    with app.app_context():
        member = db.session.get(type(world.sme_member), world.sme_member.id)
        assert notifications.unread_count(member) == 1  # someone else's stay unread


def test_every_transition_is_told_through_the_table(app):
    with setup(app):
        world = World()
        case = staffed_case(world)
        assigned = notifications.notify_transition(case, Action.ASSIGN, world.vb_admin)
        started = notifications.notify_transition(case, Action.START_REVIEW, world.verifier)
    assert sorted(n.user_id for n in assigned) == sorted(
        u.id for u in (world.sme_user, world.sme_member, world.verifier, world.reviewer)
    )
    assert started == []


def test_approval_and_issuance_tell_the_organisation_and_the_body(app):
    with setup(app):
        world = World()
        case, statement = world.issued_case()
    assert told(app, "approved") == sorted(
        [world.sme_user.id, world.sme_member.id, world.vb_admin.id, world.verifier.id]
    )
    issued = [world.sme_user, world.sme_member, world.vb_admin, world.verifier, world.reviewer]
    assert told(app, "statement_issued") == sorted(u.id for u in issued)
    assert mailed(app, "Statement issued") == sorted(u.email for u in issued)
    client = app.test_client()
    sign_in(client, world.sme_member)
    assert f"Statement {statement.number} was issued" in client.get("/notifications").text


def test_withdrawing_a_draft_tells_nobody_but_a_submitted_case_tells_the_body(app, ready):
    world, case = ready
    client = app.test_client()
    sign_in(client, world.sme_user)
    with setup(app):
        draft = world.open_case("Second thoughts")
    assert client.post(f"/cases/{draft.id}/actions/withdraw").status_code == 302
    assert told(app, "case_withdrawn") == []
    submit(app, world, case)
    assert client.post(f"/cases/{case.id}/actions/withdraw").status_code == 302
    assert told(app, "case_withdrawn") == sorted([world.sme_member.id, world.vb_admin.id])


def test_an_email_subject_stays_on_one_line(app):
    with setup(app):
        world = World()
        case = world.open_case("Two\r\nBcc: someone@example.net")
        notifications.notify(case, "issuance_failed", None)
    with app.app_context():
        subjects = set(db.session.scalars(select(OutboundEmail.subject)))
    assert subjects == {"Statement issuance failed: Two Bcc: someone@example.net"}


def test_inactive_users_are_not_told_and_the_system_is_nobody(app):
    with setup(app):
        world = World()
        case = staffed_case(world)
        world.sme_member.active = False
        db.session.flush()
        notifications.notify(case, "issuance_failed", None)
        notifications.notify(case, "nonconformity_raised", world.verifier, criterion="E1")
    assert told(app, "issuance_failed") == sorted([world.vb_admin.id, world.reviewer.id])
    assert told(app, "nonconformity_raised") == [world.sme_user.id]
    assert mailed(app, "Statement issuance failed") == sorted(
        [world.vb_admin.email, world.reviewer.email]
    )


def test_unknown_events_and_missing_parameters_are_programming_errors(app):
    with setup(app):
        world = World()
        case = world.open_case()
        with pytest.raises(KeyError):
            notifications.notify(case, "no_such_event", None)
        with pytest.raises(ValueError, match="criterion"):
            notifications.notify(case, "nonconformity_raised", None)


def test_notes_are_translated_when_shown_and_a_bad_row_never_breaks_the_page(app):
    with setup(app):
        world = World()
        case = world.open_case()
        notifications.notify(
            case,
            "clarification_raised",
            None,
            about=N_("criterion %(code)s", code="E2"),
            subject="Policy",
            due_on="2030-01-31",
        )
        db.session.add(
            Notification(
                user_id=world.sme_user.id, kind="old", message="%(gone)s left", params={}, link="/"
            )
        )
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.kind != "old"))
        assert note.params["about"] == {"msgid": "criterion %(code)s", "params": {"code": "E2"}}
    client = app.test_client()
    sign_in(client, world.sme_user)
    page = client.get("/notifications")
    assert page.status_code == 200
    assert "clarification on criterion E2 of case “Test case”: Policy (due 2030-01-31)" in page.text
    assert "%(gone)s left" in page.text


# --- mail -------------------------------------------------------------------------------


def eml_files(app) -> set[Path]:
    return set(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))


def queued(app, to="someone@example.com") -> int:
    """A queued message no worker is told about: these tests call ``deliver`` themselves
    (with a running worker, ``mail.queue`` would race them for the same message)."""
    with app.app_context():
        message = OutboundEmail(to=to, subject="Hello", body="Body text", status="queued")
        db.session.add(message)
        db.session.commit()
        return message.id


def files_of(app, message_id: int) -> set[Path]:
    """The .eml files written for one message (others may be written meanwhile)."""
    return {p for p in eml_files(app) if p.name.endswith(f"-{message_id:08d}.eml")}


def status_of(app, message_id: int) -> str:
    with app.app_context():
        return db.session.get(OutboundEmail, message_id).status


def test_the_file_backend_writes_one_eml_per_message(app):
    assert app.config["MAIL_BACKEND"] == "file"
    before = eml_files(app)
    message_id = queued(app)
    with app.app_context():
        mail.deliver(message_id)
        db.session.commit()
        mail.deliver(message_id)  # already done: nothing more is written
        db.session.commit()
    (written,) = files_of(app, message_id) - before
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "someone@example.com" and parsed["Subject"] == "Hello"
    assert parsed.get_content().strip() == "Body text"
    assert status_of(app, message_id) == "logged"


def test_the_console_backend_only_logs(app, make_app, caplog):
    console = make_app({"MAIL_BACKEND": "console"})
    caplog.set_level(logging.INFO, logger=console.logger.name)
    before = eml_files(app)
    message_id = queued(app)
    with console.app_context():
        mail.deliver(message_id)
        db.session.commit()
    assert files_of(app, message_id) - before == set()
    assert status_of(app, message_id) == "logged"
    assert "mail to someone@example.com: Hello" in caplog.text


def test_two_deliveries_of_one_message_record_one_outcome(app, make_app, monkeypatch):
    """Celery may run the send task twice at once. The outcome recorded first stays: a
    delivery finishing later never rewrites it (a backup taken in between stays true), and
    on PostgreSQL the second delivery waits for the row and sends nothing."""
    console = make_app({"MAIL_BACKEND": "console"})
    with console.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    message_id = queued(app)
    sending, release, sends = threading.Event(), threading.Event(), []

    def info(*_args):  # the console backend's send: hold the first delivery inside it
        sends.append(threading.current_thread().name)
        if threading.current_thread().name == "first":
            sending.set()
            release.wait(10)

    monkeypatch.setattr(console.logger, "info", info)

    def delivery():
        with console.app_context():
            mail.deliver(message_id)
            db.session.commit()

    def sent_at():
        with app.app_context():
            return db.session.get(OutboundEmail, message_id).sent_at

    first = threading.Thread(target=delivery, name="first")
    second = threading.Thread(target=delivery, name="second")
    first.start()
    assert sending.wait(10)
    second.start()
    second.join(1)
    if postgres:
        assert second.is_alive()  # waiting for the row the first delivery holds
        release.set()
        first.join(10)
        recorded = sent_at()
        second.join(10)
        assert sends == ["first"]
    else:
        assert not second.is_alive() and sends == ["first", "second"]
        recorded = sent_at()  # the second delivery finished first: its outcome stands
        release.set()
        first.join(10)
    assert not first.is_alive() and not second.is_alive()
    assert recorded is not None and sent_at() == recorded
    assert status_of(app, message_id) == "logged"


def test_a_mail_server_still_means_smtp(app, make_app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append((host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(message["To"])

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    smtp = make_app({"MAIL_BACKEND": None, "MAIL_SERVER": "mail.example", "MAIL_PORT": 2525})
    message_id = queued(app)
    with smtp.app_context():
        mail.deliver(message_id)
        db.session.commit()
    assert sent == [("mail.example", 2525), "someone@example.com"]
    assert status_of(app, message_id) == "sent"


def test_backend_names(tmp_path):
    assert mail.backend_name({}) == "console"
    assert mail.backend_name({"MAIL_SERVER": "mail.example"}) == "smtp"
    assert mail.backend_name({"MAIL_SERVER": "mail.example", "MAIL_BACKEND": "file"}) == "file"
    with pytest.raises(ValueError, match="MAIL_BACKEND"):
        create_app({"MAIL_BACKEND": "pigeon"}, str(tmp_path))
    with pytest.raises(ValueError, match="MAIL_SERVER"):
        create_app({"MAIL_BACKEND": "smtp"}, str(tmp_path))


def test_the_worker_sends_notification_mail_to_a_file(app, ready, worker):
    world, case = ready
    before = eml_files(app)
    submit(app, world, case)
    deadline = time.monotonic() + 30
    found = []
    while time.monotonic() < deadline:
        for path in eml_files(app) - before:
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if parsed["To"] == world.vb_admin.email:
                found.append(parsed)
        if found:
            break
        time.sleep(0.2)
    assert found, "no .eml for the VB admin"
    parsed = found[0]
    assert parsed["Subject"] == "Case submitted: Test case"
    body = parsed.get_content()
    assert "Case “Test case” was submitted for verification." in body
    assert f"{app.config['PUBLIC_BASE_URL']}/cases/{case.id}" in body
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and mailed_status(app, world.vb_admin.email) != "logged":
        time.sleep(0.2)
    assert mailed_status(app, world.vb_admin.email) == "logged"


def mailed_status(app, to: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(OutboundEmail.status).where(OutboundEmail.to == to))

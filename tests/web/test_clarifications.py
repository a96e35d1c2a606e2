"""Clarification requests through HTTP: raise, answer, resume, ask again, close; and every
refusal, which says why and writes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import PDF_BYTES, World, setup, sign_in
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.cases.models import Case, CaseEvent
from verification.clarifications import services as clarifications
from verification.clarifications.models import Clarification, ClarificationMessage
from verification.evidence.models import EvidenceFile
from verification.extensions import db
from verification.mail.models import OutboundEmail
from verification.notifications.models import Notification
from verification.timeutil import utcnow
from verification.workflow.rules import Action

TODAY = utcnow().date()
DUE = (TODAY + timedelta(days=7)).isoformat()
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
COUNTED = (Clarification, ClarificationMessage, Notification, OutboundEmail, CaseEvent)


def staffed_case(world: World, state: str = "assigned") -> Case:
    """A submitted case with its verifier and reviewer in place (assignment itself, with its
    accreditation checks, is tested with the review; here the team is simply set)."""
    case = world.submitted_case()
    case.verifier_id, case.reviewer_id, case.state = world.verifier.id, world.reviewer.id, state
    db.session.flush()
    return case


@pytest.fixture
def staffed(app):
    with setup(app):
        world = World()
        case = staffed_case(world)
    return world, case


def counts(app) -> dict:
    with app.app_context():
        found = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (*COUNTED, EvidenceFile)
        }
        found["states"] = tuple(db.session.scalars(select(Case.state).order_by(Case.id)))
        return found


def stored_files(app) -> set:
    objects = app.extensions["file_store"].objects
    return {p for p in objects.rglob("*") if p.is_file()}


def state_of(app, case_id: int) -> str:
    with app.app_context():
        return db.session.get(Case, case_id).state


def requests_of(app, case_id: int) -> list[tuple[str | None, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(Clarification).where(Clarification.case_id == case_id).order_by(Clarification.id)
        )
        return [(r.criterion_code, r.status) for r in rows]


def events_of(app, case_id: int) -> list[tuple[str, int | None, str | None]]:
    with app.app_context():
        rows = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
        return [(e.action, e.actor_id, e.reason) for e in rows]


def raise_(client, case_id, **fields):
    data = {
        "criterion": "E1",
        "subject": "Meter readings",
        "body": "Send the bills.",
        "due_on": DUE,
    }
    data.update(fields)
    return client.post(f"/cases/{case_id}/clarifications", data=data)


def reply(client, case_id, request_id, body="Here they are.", **extra):
    return client.post(
        f"/cases/{case_id}/clarifications/{request_id}/messages",
        data={"body": body, **extra},
        content_type="multipart/form-data",
    )


def ids_of(app, case_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Clarification.id)
                .where(Clarification.case_id == case_id)
                .order_by(Clarification.id)
            )
        )


def test_request_reply_resume_cycle(app, staffed):
    world, case = staffed
    verifier, sme, member = app.test_client(), app.test_client(), app.test_client()
    sign_in(verifier, world.verifier)
    sign_in(sme, world.sme_user)
    sign_in(member, world.sme_member)

    page = verifier.get(f"/cases/{case.id}/clarifications")
    assert page.status_code == 200 and 'id="raise-request"' in page.text

    # Raised on an assigned case: the review starts, then the case awaits the client.
    r = raise_(verifier, case.id)
    assert r.status_code == 302, r.text
    assert state_of(app, case.id) == "awaiting_client"
    assert requests_of(app, case.id) == [("E1", "open")]
    actions = [a for a, _who, _why in events_of(app, case.id)]
    assert actions[-3:] == ["start_review", "request_clarification", "clarification_raised"]
    assert "open on: E1" in verifier.get(f"/cases/{case.id}").text

    # The guards see the open request: the review cannot simply be resumed.
    with app.app_context():
        loaded = db.session.get(Case, case.id)
        with pytest.raises(cases.TransitionRefused, match="still open: E1"):
            cases.transition(
                loaded, Action.RESUME_REVIEW, world.verifier, perm.actor(world.verifier, loaded)
            )

    # A second request, about the whole case, while already awaiting the client.
    assert raise_(verifier, case.id, criterion="", subject="Boundary").status_code == 302
    first, second = ids_of(app, case.id)
    assert state_of(app, case.id) == "awaiting_client"
    with app.app_context():
        assert clarifications.open_clarification_codes(db.session.get(Case, case.id)) == (
            "E1",
            "case",
        )

    # The SME answers the first with a file: stored as evidence of E1; one is still open.
    r = reply(sme, case.id, first, file=(io.BytesIO(PDF_BYTES), "bills.pdf"))
    assert r.status_code == 302, r.text
    assert requests_of(app, case.id) == [("E1", "answered"), (None, "open")]
    assert state_of(app, case.id) == "awaiting_client"
    with app.app_context():
        message = db.session.scalars(
            select(ClarificationMessage).where(ClarificationMessage.clarification_id == first)
        ).all()[-1]
        assert message.evidence_file.original_name == "bills.pdf"
        assert "bills.pdf" in [
            e.original_name
            for e in cases.evidence_by_criterion(db.session.get(Case, case.id))["E1"]
        ]

    # The other member answers the last one: the platform resumes the review.
    assert reply(member, case.id, second, body="Both plants.").status_code == 302
    assert state_of(app, case.id) == "in_review"
    assert events_of(app, case.id)[-1] == (
        "resume_review",
        None,
        "all clarification requests answered",
    )

    # Replying again to an answered request is the verifier's to do, not the SME's.
    before = counts(app)
    assert reply(sme, case.id, first, body="More.").status_code == 409
    assert counts(app) == before

    # The verifier asks again: open once more, and the case awaits the client again.
    r = reply(verifier, case.id, first, body="The February bill is missing.")
    assert r.status_code == 302, r.text
    assert requests_of(app, case.id)[0] == ("E1", "open")
    assert state_of(app, case.id) == "awaiting_client"
    assert reply(sme, case.id, first, body="Attached now.").status_code == 302
    assert state_of(app, case.id) == "in_review"

    # Closed: nobody writes in it any more.
    r = verifier.post(f"/cases/{case.id}/clarifications/{first}/close")
    assert r.status_code == 302
    assert requests_of(app, case.id)[0] == ("E1", "closed")
    before = counts(app)
    for client in (sme, verifier):
        r = reply(client, case.id, first, body="One more thing.")
        assert r.status_code == 409 and "closed" in r.text
    assert counts(app) == before

    page = sme.get(f"/cases/{case.id}/clarifications")
    assert page.text.count('class="message"') == 6
    assert "Attached now." in page.text and 'id="raise-request"' not in page.text


def test_closing_the_last_open_request_resumes_the_review(app, staffed):
    world, case = staffed
    verifier = app.test_client()
    sign_in(verifier, world.verifier)
    raise_(verifier, case.id)
    (only,) = ids_of(app, case.id)
    assert verifier.post(f"/cases/{case.id}/clarifications/{only}/close").status_code == 302
    assert state_of(app, case.id) == "in_review"
    assert events_of(app, case.id)[-1][0] == "resume_review"
    assert verifier.post(f"/cases/{case.id}/clarifications/{only}/close").status_code == 409


@pytest.mark.parametrize(
    ("who", "status"),
    [("sme_user", 403), ("reviewer", 403), ("vb_admin", 403), ("other_verifier", 404)],
)
def test_only_the_case_verifier_raises(app, staffed, who, status):
    world, case = staffed
    client = app.test_client()
    sign_in(client, getattr(world, who))
    before = counts(app)
    assert raise_(client, case.id).status_code == status
    assert counts(app) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"due_on": (TODAY - timedelta(days=1)).isoformat()}, "is in the past"),
        ({"due_on": ""}, "Give a due date"),
        ({"due_on": "2025-02-30"}, "Not a valid date value"),
        ({"criterion": "ZZ9"}, "Not a valid choice"),
        ({"subject": "  "}, "This field is required"),
        ({"body": "x" * 5001}, "Field cannot be longer than 5000 characters"),
    ],
)
def test_bad_request_input_is_refused_with_a_message(app, staffed, fields, message):
    world, case = staffed
    client = app.test_client()
    sign_in(client, world.verifier)
    before = counts(app)
    r = raise_(client, case.id, **fields)
    assert r.status_code == 400
    assert message in r.text
    assert counts(app) == before


def test_due_today_is_accepted(app, staffed):
    world, case = staffed
    client = app.test_client()
    sign_in(client, world.verifier)
    assert raise_(client, case.id, due_on=TODAY.isoformat()).status_code == 302


def test_raising_is_refused_outside_review(app):
    with setup(app):
        world = World()
        later = staffed_case(world, state="in_technical_review")
        draft = world.open_case()
    client = app.test_client()
    sign_in(client, world.verifier)
    before = counts(app)
    r = raise_(client, later.id)
    assert r.status_code == 409 and "in review" in r.text
    assert raise_(client, draft.id).status_code == 404  # a draft is not the verifier's to see
    assert counts(app) == before


def test_refused_replies_write_nothing(app, staffed):
    world, case = staffed
    verifier, sme, reviewer = app.test_client(), app.test_client(), app.test_client()
    sign_in(verifier, world.verifier)
    sign_in(sme, world.sme_user)
    sign_in(reviewer, world.reviewer)
    with setup(app):
        other = staffed_case(world)
    raise_(verifier, case.id)
    raise_(verifier, case.id, criterion="", subject="Boundary")
    on_e1, on_case = ids_of(app, case.id)
    before, files = counts(app), stored_files(app)

    r = reply(sme, case.id, on_case, file=(io.BytesIO(PDF_BYTES), "x.pdf"))
    assert r.status_code == 400 and "about the case as a whole" in r.text
    r = reply(sme, case.id, on_e1, file=(io.BytesIO(ELF), "tool.pdf"))
    assert r.status_code == 400 and "not accepted as evidence" in r.text
    r = reply(sme, case.id, on_e1, body="   ")
    assert r.status_code == 400 and "Nothing was sent" in r.text
    assert reply(reviewer, case.id, on_e1).status_code == 403
    assert sme.post(f"/cases/{case.id}/clarifications/{on_e1}/close").status_code == 403
    r = reply(verifier, case.id, on_e1, file=(io.BytesIO(PDF_BYTES), "x.pdf"))
    assert r.status_code == 400 and "Only the organisation attaches files" in r.text
    r = reply(verifier, case.id, on_e1, due_on=(TODAY - timedelta(days=3)).isoformat())
    assert r.status_code == 400 and "is in the past" in r.text

    # A request of one case through another case's address is not found.
    assert reply(sme, other.id, on_e1).status_code == 404

    assert counts(app) == before
    assert stored_files(app) == files


def test_the_page_marks_overdue_requests_and_is_shown_to_the_case_team(app, staffed):
    world, case = staffed
    with setup(app):
        loaded = db.session.get(Case, case.id)
        actor = perm.actor(world.verifier, loaded)
        past = TODAY - timedelta(days=10)
        late = clarifications.raise_request(
            loaded, world.verifier, actor, "E2", "Policy", "Send it.", past, on=past
        )
        clarifications.raise_request(
            loaded, world.verifier, actor, "E3", "Training", "Records?", date.max
        )
    for who in ("sme_user", "sme_member", "verifier", "reviewer", "vb_admin", "admin"):
        client = app.test_client()
        sign_in(client, getattr(world, who))
        page = client.get(f"/cases/{case.id}/clarifications")
        assert page.status_code == 200, who
        assert page.text.count('class="tag warn overdue"') == 1
        late_part = page.text.split(f'id="c{late.id}"')[1].split("</article>")[0]
        assert "overdue" in late_part
        assert ('id="raise-request"' in page.text) is (who == "verifier")
        assert (f'id="answer-{late.id}"' in page.text) is (who in ("sme_user", "sme_member"))
    for who in ("other_sme_user", "other_verifier", "other_vb_admin", "lender"):
        client = app.test_client()
        sign_in(client, getattr(world, who))
        assert client.get(f"/cases/{case.id}/clarifications").status_code == 404, who


def test_raising_and_answering_tell_the_other_side(app, staffed):
    world, case = staffed
    verifier, sme = app.test_client(), app.test_client()
    sign_in(verifier, world.verifier)
    sign_in(sme, world.sme_user)
    raise_(verifier, case.id)
    (request_id,) = ids_of(app, case.id)
    with app.app_context():
        told = db.session.execute(
            select(Notification.user_id, Notification.link).where(
                Notification.kind == "clarification_raised"
            )
        ).all()
        assert sorted(told) == [
            (u.id, f"/cases/{case.id}/clarifications") for u in (world.sme_user, world.sme_member)
        ]
        mailed = db.session.scalars(
            select(OutboundEmail.to).where(OutboundEmail.subject.startswith("Clarification"))
        ).all()
        assert sorted(mailed) == sorted([world.sme_user.email, world.sme_member.email])
    page = sme.get("/notifications")
    assert "asks for clarification on criterion E1" in page.text
    assert f"due {DUE}" in page.text

    reply(sme, case.id, request_id)
    with app.app_context():
        answered = db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "clarification_answered")
        ).all()
        assert answered == [world.verifier.id]  # not the SME who answered

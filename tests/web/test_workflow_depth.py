"""The verification workflow in depth, over HTTP: answer types, evidence shared between
criteria with its history, non-conformities corrected and closed, the conclusion and its
consistency with the findings, the reviewer's return, and answers reused between cases."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.factories import PDF_BYTES, World, setup, sign_in
from verification.cases import services as cases
from verification.cases.models import Answer, Case
from verification.evidence.models import EvidenceFile, EvidenceLink
from verification.extensions import db
from verification.methodologies import registry
from verification.review.models import Correction, Finding


def _open(world, code="sme-esg-core", title="Core case"):
    return world.open_case(title, code)


@pytest.fixture
def core(app):
    with setup(app):
        world = World()
        case = _open(world)
    return world, case.id


def _criterion(app, case_id, answer_type, **conditions):
    with app.app_context():
        m = cases.methodology_of(db.session.get(Case, case_id))
        return next(
            c
            for c in m.criteria
            if c.answer_type == answer_type
            and all(getattr(c, k) == v for k, v in conditions.items())
        )


def test_each_answer_type_is_checked_and_saved(app, client, core):
    world, case_id = core
    partial = _criterion(app, case_id, "yes_no_partial")
    choice = _criterion(app, case_id, "choice")
    number = next(c for c in (_criterion(app, case_id, "number"),) if c.units)
    sign_in(client, world.sme_user)
    url = f"/cases/{case_id}/answers"
    bad = {
        f"answer-{partial.code}": "maybe",
        f"answer-{choice.code}": "not-an-option",
        f"answer-{number.code}": "12 thousand",
    }
    r = client.post(url, data=bad, follow_redirects=True)
    assert f"{partial.code}: answer yes / partial / no." in r.text
    assert f"{choice.code}: choose one of the options." in r.text
    assert f"{number.code}: 12 thousand is not a number." in r.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0  # all or nothing
    good = {
        f"answer-{partial.code}": "partial",
        f"answer-{choice.code}": choice.options[-1].value,
        f"answer-{number.code}": "1,250.5",
        f"unit-{number.code}": number.units[-1],
    }
    r = client.post(url, data=good, follow_redirects=True)
    assert "3 answers saved." in r.text
    with app.app_context():
        saved = {a.criterion_code: (a.value, a.unit) for a in db.session.scalars(select(Answer))}
    assert saved == {
        partial.code: ("partial", None),
        choice.code: (choice.options[-1].value, None),
        number.code: ("1250.5", number.units[-1]),
    }


def _upload(client, case_id, code, name, content=PDF_BYTES):
    return client.post(
        f"/cases/{case_id}/criteria/{code}/evidence",
        data={"file": FileStorage(io.BytesIO(content), filename=name)},
        follow_redirects=True,
    )


def test_one_file_supports_several_criteria_and_replacing_keeps_history(app, client, core):
    world, case_id = core
    first = _criterion(app, case_id, "yes_no", evidence="optional")
    second = _criterion(app, case_id, "yes_no_partial", evidence="optional")
    sign_in(client, world.sme_user)
    assert "attached to" in _upload(client, case_id, first.code, "policy.pdf").text
    with app.app_context():
        original = db.session.scalar(select(EvidenceFile))
    r = client.post(
        f"/cases/{case_id}/criteria/{second.code}/evidence/link",
        data={"evidence_id": original.id},
        follow_redirects=True,
    )
    assert f"now also supports {second.code}" in r.text
    with app.app_context():
        case = db.session.get(Case, case_id)
        grouped = cases.evidence_by_criterion(case)
        assert [e.id for e in grouped[first.code]] == [original.id]
        assert [e.id for e in grouped[second.code]] == [original.id]

    r = client.post(
        f"/cases/{case_id}/evidence/{original.id}/replace",
        data={"file": FileStorage(io.BytesIO(PDF_BYTES + b"%v2\n"), filename="policy-v2.pdf")},
        follow_redirects=True,
    )
    assert "the old file is kept in its history" in r.text
    with app.app_context():
        case = db.session.get(Case, case_id)
        grouped = cases.evidence_by_criterion(case)
        new = grouped[first.code][0]
        assert new.original_name == "policy-v2.pdf" and new.replaces_id == original.id
        assert [e.id for e in grouped[second.code]] == [new.id]  # the links moved with it
        old = db.session.get(EvidenceFile, original.id)
        assert old.superseded_at is not None and old.criteria == [first.code, second.code]
    # The replaced file can still be downloaded: history is kept, not deleted.
    with client.get(f"/evidence/{original.id}") as r:
        assert r.status_code == 200 and r.data == PDF_BYTES
    # A replaced file cannot be replaced again; its current version can.
    r = client.post(
        f"/cases/{case_id}/evidence/{original.id}/replace",
        data={"file": FileStorage(io.BytesIO(PDF_BYTES), filename="x.pdf")},
    )
    assert r.status_code == 409


def test_evidence_in_a_submitted_case_is_immutable(app, client):
    with setup(app):
        world = World()
        case = world.submitted_case()
        evidence = db.session.scalar(select(EvidenceFile).where(EvidenceFile.case_id == case.id))
    sign_in(client, world.sme_user)
    r = client.post(
        f"/cases/{case.id}/evidence/{evidence.id}/replace",
        data={"file": FileStorage(io.BytesIO(PDF_BYTES), filename="new.pdf")},
    )
    assert r.status_code == 409 and "cannot be changed" in r.text
    r = client.post(
        f"/cases/{case.id}/criteria/E2/evidence/link", data={"evidence_id": evidence.id}
    )
    assert r.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 1
        assert db.session.scalar(select(func.count()).select_from(EvidenceLink)) == 1


def _finding(client, case_id, code, outcome, note="seen"):
    return client.post(
        f"/cases/{case_id}/criteria/{code}/finding", data={"outcome": outcome, "note": note}
    )


def test_a_major_nonconformity_is_corrected_by_the_sme_and_closed_by_the_verifier(app, client):
    with setup(app):
        world = World()
        case_id = world.assigned_case().id
    sign_in(client, world.verifier)
    assert _finding(client, case_id, "S1", "major_nc", "No injury log.").status_code == 302
    url = f"/cases/{case_id}/criteria/S1/nonconformity"
    # The SME corrects, with a new file; the submitted evidence is untouched.
    sign_in(client, world.sme_user)
    page = client.get(url)
    assert page.status_code == 200 and "Send correction" in page.text
    r = client.post(
        url,
        data={
            "body": "Injury log started in March.",
            "file": FileStorage(io.BytesIO(PDF_BYTES + b"%log\n"), filename="injury-log.pdf"),
        },
        follow_redirects=True,
    )
    assert "Correction sent to the verifier." in r.text and "injury-log.pdf" not in r.text
    # The SME cannot close it; only the verifier decides.
    r = client.post(url, data={"decision": "close"})
    assert r.status_code == 302  # a correction form without a body is refused with a message
    with app.app_context():
        assert (
            db.session.scalar(select(Finding.nc_status).where(Finding.criterion_code == "S1"))
            == "open"
        )
    sign_in(client, world.verifier)
    r = client.post(url, data={"decision": "keep_open"}, follow_redirects=True)
    assert "stays open" in r.text  # keeping it open needs a reason
    r = client.post(
        url, data={"decision": "keep_open", "body": "Log lacks Q1."}, follow_redirects=True
    )
    assert "Non-conformity kept open." in r.text
    r = client.post(url, data={"decision": "close", "body": "Q1 added."}, follow_redirects=True)
    assert "Non-conformity closed." in r.text
    with app.app_context():
        finding = db.session.scalar(select(Finding).where(Finding.criterion_code == "S1"))
        assert finding.nc_status == "closed" and finding.closed_by_id == world.verifier.id
        assert [s.kind for s in finding.thread] == ["correction", "kept_open", "closed"]
        correction = db.session.scalar(select(Correction).where(Correction.kind == "correction"))
        assert db.session.get(EvidenceFile, correction.evidence_id).criteria == ["S1"]
    # Once closed, nothing more can be added to the thread.
    sign_in(client, world.sme_user)
    assert client.post(url, data={"body": "More."}).status_code == 409
    # Another organisation's user cannot see the thread at all.
    sign_in(client, world.other_sme_user)
    assert client.get(url).status_code == 404


def test_the_opinion_must_agree_with_open_nonconformities(app, client):
    with setup(app):
        world = World()
        case = world.assigned_case()
        codes = [c.code for c in cases.methodology_of(case).criteria]
    sign_in(client, world.verifier)
    for code in codes:
        assert (
            _finding(client, case.id, code, "major_nc" if code == "G1" else "conforms").status_code
            == 302
        )
    conclusion = f"/cases/{case.id}/conclusion"
    r = client.post(
        conclusion,
        data={"assurance_level": "limited", "materiality_percent": "abc", "opinion": "unmodified"},
        follow_redirects=True,
    )
    assert "Give the materiality threshold as a percentage." in r.text
    r = client.post(
        conclusion,
        data={"assurance_level": "limited", "materiality_percent": "5", "opinion": "unmodified"},
        follow_redirects=True,
    )
    assert "major non-conformities are open: G1" in r.text  # shown beside the conclusion
    r = client.post(f"/cases/{case.id}/actions/send_to_technical_review")
    assert r.status_code == 409 and "major non-conformities are open: G1" in r.text
    with app.app_context():
        assert db.session.get(Case, case.id).state == "in_review"
    r = client.post(
        conclusion,
        data={
            "assurance_level": "reasonable",
            "materiality_percent": "5",
            "opinion": "modified",
            "basis": "The injury records for Q1 are missing.",
        },
    )
    assert r.status_code == 302
    assert client.post(f"/cases/{case.id}/actions/send_to_technical_review").status_code == 302
    with app.app_context():
        assert db.session.get(Case, case.id).state == "in_technical_review"


def test_the_reviewer_returns_the_case_with_a_reason(app, client):
    with setup(app):
        world = World()
        case_id = world.reviewed_case().id
    sign_in(client, world.verifier)
    assert client.post(f"/cases/{case_id}/return", data={"reason": "x"}).status_code == 403
    sign_in(client, world.reviewer)
    page = client.get(f"/cases/{case_id}")
    assert 'id="action-return"' in page.text
    r = client.post(f"/cases/{case_id}/return", data={"reason": ""})
    assert r.status_code == 200 and "This field is required." in r.text
    r = client.post(
        f"/cases/{case_id}/return", data={"reason": "Check E1 invoices."}, follow_redirects=True
    )
    assert "Returned to the verifier." in r.text
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == "in_review"
        assert case.events[-1].action == "return_to_verifier"
        assert case.events[-1].reason == "Check E1 invoices."
    # Not in technical review any more: a second return is refused and changes nothing.
    r = client.post(f"/cases/{case_id}/return", data={"reason": "again"})
    assert r.status_code == 409


def test_a_second_case_reuses_answers_sharing_a_reference(app, client):
    with setup(app):
        world = World()
        first = _open(world, "sme-esg-core", "2025 rating")
        m = cases.methodology_of(first)
        ghg = registry.get("ghg-inventory", "1.0.0")
        # Answer every item of the first case that shares a reference with the second.
        shared = {
            c.code: c
            for c in m.criteria
            if c.answer_type in ("yes_no", "yes_no_partial", "text")
            and any(
                set(c.references) & set(o.references)
                for o in ghg.criteria
                if o.answer_type == c.answer_type
            )
        }
        assert shared, "the shipped methodologies share references"
        values = {
            code: ("yes" if c.answer_type != "text" else "Described.", None)
            for code, c in shared.items()
        }
        cases.save_answers(first, world.sme_user, values)
        second = _open(world, "ghg-inventory", "2025 inventory")
        reused = [a for a in second.answers if a.reused_from_case_id == first.id]
        assert reused and all(a.reused_from_criterion in shared for a in reused)
        target = reused[0]
        second_id, code = second.id, target.criterion_code
        criterion = registry.get("ghg-inventory", "1.0.0").criterion(code)
    sign_in(client, world.sme_user)
    page = client.get(f"/cases/{second_id}")
    assert "reused" in page.text
    # Changing a reused answer clears the mark; it is the organisation's own answer now.
    new_value = "no" if criterion.answer_type != "text" else "Changed."
    client.post(f"/cases/{second_id}/answers", data={f"answer-{code}": new_value})
    with app.app_context():
        answer = db.session.scalar(
            select(Answer).where(Answer.case_id == second_id, Answer.criterion_code == code)
        )
        assert answer.value == new_value and answer.reused_from_case_id is None

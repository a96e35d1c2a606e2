"""Superseding a statement: the issuing body's administrator marks a case of the same
organisation as its correction; when that case's statement is issued (after technical
review, as any other), the old one becomes superseded and both link to each other."""

from __future__ import annotations

import html
import json
import subprocess

import pytest
from sqlalchemy import select

from tests.factories import World, setup, sign_in
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.cases.models import Case
from verification.extensions import db
from verification.statements import lifecycle
from verification.statements.issuance import request_issuance, run_issuance
from verification.statements.models import Statement, StatementCorrection
from verification.workflow.rules import Action

REASON = "Scope 2 was computed with the wrong grid factor; corrected figures verified."


@pytest.fixture
def correction(app):
    """An issued statement, and a second case of the same organisation in technical review."""
    with setup(app):
        world = World()
        old_case, old = world.issued_case()
        new_case = world.reviewed_case()
    return world, old_case, old, new_case


def _issue(app, world, case_id: int) -> None:
    """The reviewer approves ``case_id`` and the issuance task runs (inline here)."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        reviewer = db.session.merge(world.reviewer)
        cases.transition(case, Action.APPROVE, reviewer, perm.actor(reviewer, case))
        job = request_issuance(case, reviewer, enqueue_task=False)
        db.session.commit()
        run_issuance(job.id)
        db.session.commit()


def _statement(app, case_id: int) -> dict:
    with app.app_context():
        s = db.session.scalar(select(Statement).where(Statement.case_id == case_id))
        return {
            "id": s.id,
            "number": s.number,
            "status": s.status,
            "superseded_by_id": s.superseded_by_id,
            "supersedes_id": s.supersedes_id,
            "supersession_reason": s.supersession_reason,
            "data": json.loads(s.data_json),
        }


def _pdf_text(app, number: str, tmp_path) -> str:
    """The signed PDF's text, as pdftotext (poppler) reads it."""
    path = tmp_path / f"{number}.pdf"
    with app.test_client().get(f"/registry/{number}.pdf") as response:
        path.write_bytes(response.data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_a_corrected_statement_supersedes_the_old_one(app, correction, heard, tmp_path):
    world, old_case, old, new_case = correction
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    assert 'id="supersede-statement"' in admin.get(f"/registry/{old.number}").text
    form = admin.get(f"/statements/{old.number}/supersede").text
    assert f'value="{new_case.id}"' in form

    r = admin.post(
        f"/statements/{old.number}/supersede", data={"case": new_case.id, "reason": REASON}
    )
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{new_case.id}"
    page = html.unescape(admin.get(f"/cases/{new_case.id}").text)
    assert f"This case corrects statement {old.number}" in page and REASON in page
    old_page = admin.get(f"/cases/{old_case.id}").text
    assert f"A correction is under way in case {new_case.id}." in old_page
    # Until the correction is issued the old statement stays valid; one correction at a time.
    assert _statement(app, old_case.id)["status"] == "valid" and heard == []
    assert admin.get(f"/statements/{old.number}/supersede").status_code == 409
    assert 'id="supersede-statement"' not in admin.get(f"/registry/{old.number}").text

    _issue(app, world, new_case.id)
    before, after = _statement(app, old_case.id), _statement(app, new_case.id)
    assert before["status"] == "superseded" and before["supersession_reason"] == REASON
    assert before["superseded_by_id"] == after["id"] and after["supersedes_id"] == before["id"]
    assert after["status"] == "valid" and after["data"]["supersedes"] == old.number
    assert f"Supersedes {old.number}" in _pdf_text(app, after["number"], tmp_path)
    assert heard == [(after["number"], "issued"), (old.number, "superseded")]

    anyone = app.test_client()
    old_public = html.unescape(anyone.get(f"/registry/{old.number}").text)
    assert "superseded" in old_public and REASON in old_public
    assert f'href="/registry/{after["number"]}"' in old_public
    new_public = anyone.get(f"/registry/{after['number']}").text
    assert 'id="supersedes"' in new_public and f'href="/registry/{old.number}"' in new_public
    old_record = anyone.get(f"/api/v1/statements/{old.number}").get_json()
    assert old_record["status"] == "superseded"
    assert old_record["superseded_by"] == after["number"]
    assert old_record["supersession_reason"] == REASON
    new_record = anyone.get(f"/api/v1/statements/{after['number']}").get_json()
    assert (new_record["status"], new_record["supersedes"]) == ("valid", old.number)
    assert new_record["superseded_by"] is None
    assert anyone.get("/api/v1/statements?status=superseded").get_json()["total"] == 1


def test_only_a_case_of_the_same_organisation_and_body_corrects(app, correction, heard):
    world, old_case, old, new_case = correction
    with setup(app):
        stranger = World()  # another organisation, another body
        foreign = stranger.reviewed_case()
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    assert f'value="{foreign.id}"' not in admin.get(f"/statements/{old.number}/supersede").text
    r = admin.post(
        f"/statements/{old.number}/supersede", data={"case": foreign.id, "reason": REASON}
    )
    assert r.status_code == 200 and "Not a valid choice" in r.text
    r = admin.post(f"/statements/{old.number}/supersede", data={"case": new_case.id})
    assert r.status_code == 200 and "shown publicly in the registry" in r.text
    with app.app_context():
        assert db.session.scalar(select(StatementCorrection)) is None
        statement = db.session.get(Statement, old.id)
        with pytest.raises(lifecycle.LifecycleRefused, match="same organisation"):
            lifecycle.mark_correction(
                statement, db.session.get(Case, foreign.id), world.vb_admin, REASON
            )
    for who in (world.other_vb_admin, world.verifier, world.reviewer, world.admin):
        other = app.test_client()
        sign_in(other, who)
        assert other.get(f"/statements/{old.number}/supersede").status_code == 403
        r = other.post(
            f"/statements/{old.number}/supersede", data={"case": new_case.id, "reason": REASON}
        )
        assert r.status_code == 403
    assert heard == []


def test_a_correction_of_a_statement_revoked_meanwhile_links_without_superseding(
    app, correction, heard
):
    world, old_case, old, new_case = correction
    with app.app_context():
        statement = db.session.get(Statement, old.id)
        case = db.session.get(Case, new_case.id)
        lifecycle.mark_correction(statement, case, world.vb_admin, REASON)
        lifecycle.revoke(statement, world.vb_admin, "Withdrawn at once: forged invoices.")
        db.session.commit()
    heard.clear()
    _issue(app, world, new_case.id)
    before, after = _statement(app, old_case.id), _statement(app, new_case.id)
    assert before["status"] == "revoked" and before["supersession_reason"] is None
    assert before["superseded_by_id"] == after["id"] and after["supersedes_id"] == before["id"]
    assert heard == [(after["number"], "issued")]  # nothing was superseded

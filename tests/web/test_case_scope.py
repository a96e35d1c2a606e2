"""What a statement covers and who verified it: a case records its sites and organisational
boundary when it is opened (the next case starts from them), and the statement prints them
with the verification team, the lead verifier's accreditation and the non-conformities
corrected during the verification, in its data and on paper."""

from __future__ import annotations

import html
import json
import re
import subprocess
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from tests.factories import ANSWERS, World, setup, sign_in
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.cases.models import SITES_MAX, Case, CaseEvent
from verification.extensions import db
from verification.methodologies import registry
from verification.review.accreditation_models import CaseTeamMember
from verification.review.models import Finding
from verification.statements import keys_service
from verification.statements.issuance import request_issuance, run_issuance
from verification.statements.models import Statement
from verification.workflow.rules import Action


def _form(world, **extra) -> dict:
    return {
        "title": "FY2025",
        "methodology": "sme-esg-starter@1.0.0",
        "verification_body": world.vb.id,
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        **extra,
    }


def _cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def test_a_case_records_its_sites_and_boundary_and_the_next_starts_from_them(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.sme_user)
    sites = "  Shaoxing mill,  88 Keqiao Road \n\nNingbo warehouse\nShaoxing mill, 88 Keqiao Road\n"
    r = client.post("/cases/new", data=_form(world, sites=sites, boundary="equity_share"))
    assert r.status_code == 302, r.text
    case_id = int(re.search(r"/cases/(\d+)", r.headers["Location"]).group(1))
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.site_list == ["Shaoxing mill, 88 Keqiao Road", "Ningbo warehouse"]
        assert case.boundary == "equity_share"
    page = html.unescape(client.get(f"/cases/{case_id}").text)
    assert "Shaoxing mill, 88 Keqiao Road; Ningbo warehouse" in page and "Equity share" in page

    form = html.unescape(client.get("/cases/new").text)
    assert "Shaoxing mill, 88 Keqiao Road\nNingbo warehouse</textarea>" in form
    assert '<option selected value="equity_share">' in form


def test_an_unknown_boundary_or_too_many_sites_open_nothing(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.sme_user)
    r = client.post("/cases/new", data=_form(world, boundary="whatever we like"))
    assert r.status_code == 200 and "Not a valid choice" in r.text
    many = "\n".join(f"Site {n}" for n in range(SITES_MAX + 1))
    r = client.post("/cases/new", data=_form(world, sites=many))
    assert r.status_code == 200 and f"List at most {SITES_MAX} sites." in r.text
    r = client.post("/cases/new", data=_form(world, sites="x" * 201))
    assert "Each site may have at most 200 characters." in r.text
    assert _cases(app) == 0


def test_a_draft_needs_its_sites_and_boundary_before_it_is_submitted(app, client):
    with setup(app):
        world = World()
        case = cases.open_case(
            world.sme_user,
            registry.get("sme-esg-starter", "1.0.0"),
            world.vb,
            "Opened without them",
            date(2025, 1, 1),
            date(2025, 12, 31),
        )
        cases.save_answers(case, world.sme_user, ANSWERS)
        world.attach(case)
    sign_in(client, world.sme_user)
    r = client.post(f"/cases/{case.id}/actions/submit")
    assert r.status_code == 409
    assert "List the sites the case covers" in r.text and "State the organisational" in r.text
    page = client.get(f"/cases/{case.id}").text
    assert '<details class="meta" id="edit-scope" open>' in page

    refused = client.post(f"/cases/{case.id}/scope", data={"boundary": "as we like"})
    assert refused.status_code == 302
    assert "Not a valid choice" in client.get(f"/cases/{case.id}").text
    scope = {"sites": "Shaoxing mill", "boundary": "financial_control"}
    assert client.post(f"/cases/{case.id}/scope", data=scope).status_code == 302
    with app.app_context():
        stored = db.session.get(Case, case.id)
        assert (stored.sites, stored.boundary) == ("Shaoxing mill", "financial_control")
        trail = db.session.scalars(
            select(CaseEvent.reason).where(
                CaseEvent.case_id == case.id, CaseEvent.action == "scope_changed"
            )
        ).all()
        assert trail == ["1 sites; financial_control"]
    assert client.post(f"/cases/{case.id}/actions/submit").status_code == 302

    # Submitted: no longer changed, by anyone.
    r = client.post(f"/cases/{case.id}/scope", data={"sites": "Elsewhere"})
    assert r.status_code == 409
    verifier = app.test_client()
    sign_in(verifier, world.verifier)
    assert verifier.post(f"/cases/{case.id}/scope", data=scope).status_code == 403
    with app.app_context():
        assert db.session.get(Case, case.id).sites == "Shaoxing mill"


def test_the_statement_prints_sites_boundary_team_accreditation_and_corrections(app, tmp_path):
    with setup(app):
        world = World()
        keys_service.init_demo(world.vb)
        case = world.reviewed_case()
        case.sites, case.boundary = "Shaoxing mill\nNingbo warehouse", "operational_control"
        db.session.add(CaseTeamMember(case_id=case.id, user_id=world.other_verifier.id))
        # S1 was a major non-conformity, corrected and closed during the verification.
        s1 = db.session.scalar(
            select(Finding).where(Finding.case_id == case.id, Finding.criterion_code == "S1")
        )
        s1.outcome, s1.nc_status = "major_nc", "closed"
        s1.closed_at, s1.closed_by_id = datetime(2026, 3, 2, 9, tzinfo=UTC), world.verifier.id
        cases.transition(case, Action.APPROVE, world.reviewer, perm.actor(world.reviewer, case))
        job = request_issuance(case, world.reviewer, enqueue_task=False)
    with app.app_context():
        run_issuance(job.id)
        db.session.commit()
        statement = db.session.scalar(select(Statement).where(Statement.case_id == case.id))
        data = json.loads(statement.data_json)
        number = statement.number
    accreditation = world.accreditations[0]
    assert data["sites"] == ["Shaoxing mill", "Ningbo warehouse"]
    assert data["boundary"] == "operational_control"
    assert data["corrected_nonconformities"] == [
        {"code": "S1", "outcome": "major_nc", "closed_on": "2026-03-02"}
    ]
    assert data["open_nonconformities"] == []
    assert data["verifier"] == world.verifier.name
    assert data["team"] == [world.other_verifier.name]
    assert data["accreditations"] == [
        {
            "accreditation_body": accreditation.accreditation_body,
            "number": accreditation.number,
            "valid_from": accreditation.valid_from.isoformat(),
            "valid_to": accreditation.valid_to.isoformat(),
        }
    ]

    path = tmp_path / "statement.pdf"
    with app.test_client().get(f"/registry/{number}.pdf") as response:
        path.write_bytes(response.data)
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout.split()
    )
    assert "Shaoxing mill; Ningbo warehouse" in text
    assert "Operational control 运营控制权法" in text
    assert f"{world.verifier.name} (lead 组长), {world.other_verifier.name}" in text
    assert f"{accreditation.accreditation_body} {accreditation.number}" in text
    assert "S1 (Major non-conformity 严重不符合项, closed 已关闭 2026-03-02)" in text

    # The public registry page shows the same, and the totals the statement carries.
    page = html.unescape(app.test_client().get(f"/registry/{number}").text)
    assert "Shaoxing mill; Ningbo warehouse" in page and "Operational control" in page
    carbon = data["carbon"]
    assert float(carbon["total_location_t"]) > 0
    assert f"{carbon['total_location_t']} t CO2e location-based" in page
    assert f"{carbon['total_market_t']} t CO2e market-based" in page
    assert f"{data['score']['overall']} / 100" in page

"""The five steps of the journey through HTTP, as each user would take them."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from tests.factories import PASSWORD, World, setup, sign_in
from verification.cases.models import Case
from verification.evidence.models import EvidenceFile
from verification.extensions import db
from verification.statements import keys_service
from verification.statements.issuance import run_issuance
from verification.statements.models import IssuanceJob, Statement

CSV = b"month,kwh\n2025-01,1000\n2025-02,1100\n"


def _login(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def test_register_login_logout(client, app):
    r = client.post(
        "/register",
        data={
            "organisation": "Zhejiang Weaving Ltd",
            "country": "cn",
            "sector": "C",
            "name": "Wang Fang",
            "email": "Wang@Weaving.example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert r.status_code == 302, r.text
    client.post("/logout")
    assert _login(client, "wang@weaving.example.com", "wrong-password-x").status_code == 200
    r = _login(client, "wang@weaving.example.com")
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")


def test_registration_with_taken_email_leaves_no_organisation(client, app):
    with setup(app):
        world = World()
    r = client.post(
        "/register",
        data={
            "organisation": "Duplicate Ltd",
            "country": "CN",
            "sector": "C",
            "name": "X",
            "email": world.sme_user.email,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert "already exists" in r.text
    from verification.accounts.services import find_organisation

    with app.app_context():
        assert find_organisation("Duplicate Ltd") is None


def test_whole_journey_over_http(client, app):
    with setup(app):
        world = World()
        keys_service.init_demo(world.vb)

    # 1. The SME opens a case, answers, uploads evidence and submits.
    sign_in(client, world.sme_user)
    r = client.post(
        "/cases/new",
        data={
            "title": "FY2025",
            "methodology": "sme-esg-starter@1.0.0",
            "verification_body": world.vb.id,
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
        },
    )
    assert r.status_code == 302, r.text
    case_id = int(re.search(r"/cases/(\d+)", r.headers["Location"]).group(1))
    r = client.post(f"/cases/{case_id}/actions/submit")
    assert r.status_code == 409 and "Mandatory criteria not answered" in r.text
    assert "List the sites the case covers" in r.text
    assert "State the organisational boundary" in r.text
    scope = {"sites": "Shaoxing mill\nNingbo warehouse", "boundary": "operational_control"}
    assert client.post(f"/cases/{case_id}/scope", data=scope).status_code == 302
    answers = {
        "answer-E1": "12,000",
        "unit-E1": "kWh",
        "answer-E2": "yes",
        "answer-S1": "yes",
        "answer-S2": "40",
        "answer-G1": "yes",
    }
    assert client.post(f"/cases/{case_id}/answers", data=answers).status_code == 302
    r = client.post(
        f"/cases/{case_id}/criteria/E1/evidence",
        data={"file": (io.BytesIO(CSV), "meter.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert client.post(f"/cases/{case_id}/actions/submit").status_code == 302
    page = client.get(f"/cases/{case_id}").text
    assert "submitted" in page and "12000 kWh" in page

    # 2. The verification body's admin assigns a verifier and a different reviewer.
    sign_in(client, world.vb_admin)
    assert "FY2025" in client.get("/cases/").text
    r = client.post(
        f"/cases/{case_id}/assign",
        data={"verifier": world.verifier.id, "reviewer": world.verifier.id},
    )
    assert r.status_code == 200
    assert "Not a valid choice" in r.text  # only the body's reviewers are offered
    r = client.post(
        f"/cases/{case_id}/assign",
        data={"verifier": world.verifier.id, "reviewer": world.reviewer.id},
    )
    assert r.status_code == 302

    # 3. The verifier downloads the evidence, records findings, sends to technical review.
    sign_in(client, world.verifier)
    with app.app_context():
        evidence = db.session.scalar(select(EvidenceFile).where(EvidenceFile.case_id == case_id))
    with client.get(f"/evidence/{evidence.id}") as r:
        assert r.status_code == 200 and r.data == CSV
        assert "attachment" in r.headers["Content-Disposition"]
    r = client.post(f"/cases/{case_id}/actions/send_to_technical_review")
    assert r.status_code == 409
    for code in ("E1", "E2", "E3", "S1", "S2", "G1", "G2"):
        outcome = "not_applicable" if code == "E3" else "conforms"
        r = client.post(
            f"/cases/{case_id}/criteria/{code}/finding", data={"outcome": outcome, "note": "seen"}
        )
        assert r.status_code == 302, r.text
    # Without a conclusion the case cannot leave review; the refusal says so.
    r = client.post(f"/cases/{case_id}/actions/send_to_technical_review")
    assert r.status_code == 409 and "Draft the conclusion first" in r.text
    r = client.post(
        f"/cases/{case_id}/site-visits",
        data={"visited_on": "2026-01-15", "site": "Plant 1, Dongguan", "mode": "physical"},
    )
    assert r.status_code == 302
    r = client.post(
        f"/cases/{case_id}/conclusion",
        data={"assurance_level": "limited", "materiality_percent": "5", "opinion": "unmodified"},
    )
    assert r.status_code == 302, r.text
    assert client.post(f"/cases/{case_id}/actions/send_to_technical_review").status_code == 302

    # 4. The verifier may not approve; the reviewer approves and a job is queued.
    assert client.post(f"/cases/{case_id}/actions/approve").status_code == 403
    sign_in(client, world.reviewer)
    r = client.post(f"/cases/{case_id}/actions/approve")
    assert r.status_code == 302
    progress = client.get(f"/cases/{case_id}/issuance.json").get_json()
    assert progress["status"] in ("queued", "rendering", "signing", "done")
    with app.app_context():
        job = db.session.scalar(select(IssuanceJob).where(IssuanceJob.case_id == case_id))
        if job.status != "done":
            run_issuance(job.id)  # tests/integration runs it through the real worker
            db.session.commit()

    # 5. The SME downloads the PDF; anyone finds it in the registry and verifies it.
    with app.app_context():
        statement = db.session.scalar(select(Statement).where(Statement.case_id == case_id))
        assert db.session.get(Case, case_id).state == "issued"
        db.session.expunge(statement)
    sign_in(client, world.sme_user)
    progress = client.get(f"/cases/{case_id}/issuance.json").get_json()
    assert progress["status"] == "done" and progress["number"] == statement.number
    anonymous = app.test_client()
    assert statement.number in anonymous.get("/registry?q=" + world.sme.name[:5]).text
    page = anonymous.get(f"/registry/{statement.number}").text
    assert "valid" in page and statement.pdf_sha256 in page
    with anonymous.get(f"/registry/{statement.number}.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    r = anonymous.post(
        "/verify",
        data={"file": (io.BytesIO(pdf.data), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert "All checks passed" in r.text
    api = anonymous.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(pdf.data), "x.pdf")},
        content_type="multipart/form-data",
    ).get_json()
    assert api["ok"] is True and api["statement_number"] == statement.number
    assert set(api["checks"]) == {"signature_intact", "signer_trusted", "registered", "status"}
    info = anonymous.get(f"/api/v1/statements/{statement.number}").get_json()
    assert info["status"] == "valid" and info["pdf_sha256"] == statement.pdf_sha256

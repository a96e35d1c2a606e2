"""Statements issued by the real Celery worker process, checked by pyHanko and poppler."""

from __future__ import annotations

import hashlib
import io
import time

import pytest
from sqlalchemy import func, select

from tests.factories import World, setup, sign_in
from tests.pdftools import detach, flip_byte_in_first_stream, nss_db_trusting, pdfsig
from verification.extensions import db
from verification.signing.inspect import inspect_pdf
from verification.statements import keys_service
from verification.statements.models import IssuanceJob, Statement, TrustAnchor

pytestmark = pytest.mark.worker


def wait_for_job(app, case_id: int, timeout: float = 90) -> IssuanceJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.scalar(select(IssuanceJob).where(IssuanceJob.case_id == case_id))
            if job is not None and job.status in ("done", "failed"):
                db.session.expunge(job)
                return job
        time.sleep(0.2)
    raise AssertionError(f"issuance of case {case_id} did not finish in {timeout} s")


def test_approval_issues_a_statement_through_the_worker(app, client, worker, tmp_path):
    with setup(app):
        world = World()
        keys_service.init_demo(world.vb)
        case = world.reviewed_case()
    sign_in(client, world.reviewer)
    assert client.post(f"/cases/{case.id}/actions/approve").status_code == 302
    job = wait_for_job(app, case.id)
    assert (job.status, job.error) == ("done", None)
    assert job.number.startswith("VS-")

    progress = client.get(f"/cases/{case.id}/issuance.json").get_json()
    assert progress == {
        "case_state": "issued",
        "case_state_name": "issued",
        "status": "done",
        "status_name": "done",
        "error": None,
        "number": job.number,
        "pdf_url": f"/registry/{job.number}.pdf",
    }
    anonymous = app.test_client()
    with anonymous.get(f"/registry/{job.number}.pdf") as r:
        pdf = r.data
    with app.app_context():
        statement = db.session.scalar(select(Statement).where(Statement.case_id == case.id))
        anchor = db.session.scalar(select(TrustAnchor))
    assert hashlib.sha256(pdf).hexdigest() == statement.pdf_sha256

    # poppler trusts the chain the platform publishes at /trust.
    assert anchor.fingerprint in anonymous.get("/trust").text
    with anonymous.get(f"/trust/{anchor.fingerprint}.pem") as r:
        (tmp_path / "ca.pem").write_bytes(r.data)
    nss = nss_db_trusting(tmp_path / "ca.pem", tmp_path / "nss")
    lines = pdfsig(pdf, nss, tmp_path / "statement.pdf")
    assert "Signature Validation: Signature is Valid." in lines, lines
    assert "Certificate Validation: Certificate is Trusted." in lines, lines
    assert "Total document signed" in lines

    # The embedded data is the registered data.
    embedded = detach(tmp_path / "statement.pdf", "statement.json", tmp_path / "statement.json")
    assert hashlib.sha256(embedded).hexdigest() == statement.data_sha256
    assert embedded.decode().count(job.number) >= 2  # number and registry URL

    # One changed byte: both pdfsig and pyHanko say the signature is broken.
    tampered = flip_byte_in_first_stream(pdf)
    lines = pdfsig(tampered, nss, tmp_path / "tampered.pdf")
    assert "Signature Validation: Signature is Valid." not in lines
    assert any(line.startswith("Signature Validation:") for line in lines), lines
    with app.app_context():
        check = inspect_pdf(tampered, keys_service.trust_roots())
    assert check.signed and not check.intact
    report = anonymous.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(tampered), "tampered.pdf")},
        content_type="multipart/form-data",
    ).get_json()
    assert report["ok"] is False
    assert report["checks"]["signature_intact"]["ok"] is False
    assert report["checks"]["registered"]["ok"] is False
    assert report["statement_number"] == job.number  # the file says what it claims to be


def test_duplicate_deliveries_issue_one_statement(app, worker):
    """Three deliveries of the same message and a retry: one statement, one number."""
    from verification.statements.tasks import issue_statement

    with setup(app):
        world = World()
        case, job = world.approved_case()
    for _ in range(3):
        issue_statement.delay(job.id)
    done = wait_for_job(app, case.id)
    assert done.status == "done"
    issue_statement.delay(job.id)
    time.sleep(1.5)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Statement)) == 1
        statement = db.session.scalar(select(Statement))
        assert statement.number == done.number
        assert db.session.get(IssuanceJob, job.id).status == "done"


def test_mail_is_delivered_by_the_worker(app, client, worker):
    """Without a mail server the worker marks the message logged (it would be sent by SMTP)."""
    from verification.mail.models import OutboundEmail

    with setup(app):
        world = World()
    sign_in(client, world.sme_user)
    client.post("/team", data={"email": "new.member@example.com", "role": "sme_member"})
    deadline = time.monotonic() + 30
    status = None
    while time.monotonic() < deadline:
        with app.app_context():
            status = db.session.scalar(
                select(OutboundEmail.status).where(OutboundEmail.to == "new.member@example.com")
            )
        if status == "logged":
            break
        time.sleep(0.2)
    assert status == "logged"


def test_two_runs_of_one_job_at_once_make_one_statement(app):
    """The same job run twice concurrently (a duplicate delivery): one number, one statement,
    and the run that loses the race ends quietly as done."""
    from concurrent.futures import ThreadPoolExecutor

    from verification.statements.issuance import run_issuance

    with setup(app):
        world = World()
        case, job = world.approved_case()

    def run() -> None:
        with app.app_context():
            run_issuance(job.id)
            db.session.commit()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(run), pool.submit(run)]:
            future.result()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Statement)) == 1
        assert db.session.get(IssuanceJob, job.id).status == "done"
        assert db.session.scalar(select(Statement.number)) == f"VS-{time.gmtime().tm_year}-000001"

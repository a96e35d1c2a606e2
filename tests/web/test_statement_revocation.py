"""Revoking a statement: only the issuing body's administrator, with a public reason and a
recent password and code; then the registry page, /verify, the API and the case page all
say so, with the reason and the date, and the PDF stays downloadable."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.factories import Clock, World, setup, sign_in
from verification.audit.models import AuditEvent
from verification.cases.models import CaseEvent
from verification.extensions import db
from verification.statements.models import Statement
from verification.timeutil import utcnow

REASON = "The organisation's electricity invoices for Q3 were found to be forged."


@pytest.fixture
def issued(app):
    with setup(app):
        world = World()
        case, statement = world.issued_case()
    return world, case, statement


def _pdf(app, statement) -> bytes:
    with app.app_context():
        return app.extensions["file_store"].path(statement.pdf_sha256).read_bytes()


def _reload(app, statement_id: int) -> Statement:
    with app.app_context():
        row = db.session.get(Statement, statement_id)
        db.session.expunge(row)
        return row


def test_the_issuing_admin_revokes_and_everyone_sees_it(app, issued, heard):
    world, case, statement = issued
    number = statement.number
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    # The buttons are offered on the case page and the registry page.
    assert 'id="revoke-statement"' in admin.get(f"/cases/{case.id}").text
    assert 'id="revoke-statement"' in admin.get(f"/registry/{number}").text
    form = admin.get(f"/statements/{number}/revoke")
    assert form.status_code == 200 and 'name="reason"' in form.text

    r = admin.post(f"/statements/{number}/revoke", data={"reason": f"  {REASON}  "})
    assert r.status_code == 302 and r.headers["Location"] == f"/registry/{number}"
    assert heard == [(number, "revoked")]
    revoked = _reload(app, statement.id)
    assert (revoked.status, revoked.revocation_reason) == ("revoked", REASON)
    assert revoked.revoked_by_id == world.vb_admin.id
    assert revoked.revoked_at.date() == utcnow().date()
    day = revoked.revoked_at.date().isoformat()
    with app.app_context():
        logged = db.session.scalar(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.action == "statement_revoked"
            )
        )
        assert logged.actor_id == world.vb_admin.id and REASON in logged.reason
        audited = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "statement", AuditEvent.action == "update"
            )
        ).all()
        assert [
            (json.loads(e.before)["status"], json.loads(e.after)["status"]) for e in audited
        ] == [("valid", "revoked")]
        assert audited[0].actor_label == world.vb_admin.email

    anyone = app.test_client()
    page = html.unescape(anyone.get(f"/registry/{number}").text)
    assert re.search(r'id="statement-status">\s*revoked<', page)
    assert REASON in page and day in page
    assert 'id="revoke-statement"' not in admin.get(f"/registry/{number}").text
    listing = anyone.get("/registry?status=revoked").text
    assert number in listing
    assert number not in anyone.get("/registry?status=valid").text

    record = anyone.get(f"/api/v1/statements/{number}").get_json()
    assert record["status"] == "revoked" and record["revocation_reason"] == REASON
    assert record["revoked_at"].startswith(day)

    pdf = _pdf(app, statement)
    report = anyone.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(pdf), "statement.pdf")},
        content_type="multipart/form-data",
    ).get_json()
    assert report["ok"] is False  # an intact, registered, but revoked statement
    assert report["checks"]["signature_intact"]["ok"] is True
    assert report["checks"]["registered"]["ok"] is True
    assert report["checks"]["status"]["ok"] is False
    assert REASON in report["checks"]["status"]["message"]
    assert report["statement"]["status"] == "revoked"
    checked = anyone.post(
        "/verify",
        data={"file": (io.BytesIO(pdf), "statement.pdf")},
        content_type="multipart/form-data",
    ).text
    assert f"Statement {number} was revoked on {day}. Reason: {REASON}" in html.unescape(checked)

    # The PDF stays downloadable; the case page says revoked, with the reason.
    with anyone.get(f"/registry/{number}.pdf") as download:
        assert download.status_code == 200 and download.data == pdf
    sme = app.test_client()
    sign_in(sme, world.sme_user)
    case_page = html.unescape(sme.get(f"/cases/{case.id}").text)
    assert "status-revoked" in case_page and REASON in case_page

    # Once revoked, it cannot be revoked again (nor superseded).
    assert admin.post(f"/statements/{number}/revoke", data={"reason": "again"}).status_code == 409
    assert admin.get(f"/statements/{number}/supersede").status_code == 409
    assert heard == [(number, "revoked")]


@pytest.mark.parametrize(
    "who, expected",
    [
        ("other_vb_admin", 403),
        ("verifier", 403),
        ("reviewer", 403),
        ("sme_user", 403),
        ("lender", 403),
        ("admin", 403),
        (None, 302),
    ],
)
def test_nobody_else_may_revoke(app, issued, heard, who, expected):
    world, case, statement = issued
    client = app.test_client()
    if who:
        sign_in(client, getattr(world, who))
    r = client.post(f"/statements/{statement.number}/revoke", data={"reason": REASON})
    assert r.status_code == expected
    if who is None:
        assert r.headers["Location"].startswith("/login")
    assert _reload(app, statement.id).status == "valid" and heard == []
    page = client.get(f"/registry/{statement.number}").text
    assert 'id="revoke-statement"' not in page


def test_a_reason_is_required(app, issued, heard):
    world, case, statement = issued
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    for reason in ("", "   \n "):
        r = admin.post(f"/statements/{statement.number}/revoke", data={"reason": reason})
        assert r.status_code == 200 and "shown publicly in the registry" in r.text
    r = admin.post(f"/statements/{statement.number}/revoke", data={"reason": "x" * 2001})
    assert r.status_code == 200 and "2000" in r.text
    assert _reload(app, statement.id).status == "valid" and heard == []


def test_revoking_needs_a_recent_password_and_code(app, issued, heard, monkeypatch):
    world, case, statement = issued
    clock = Clock(monkeypatch)
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    clock.advance(app.config["REAUTH_MAX_AGE_SECONDS"] + 1)
    form_url = f"/statements/{statement.number}/revoke"

    r = admin.post(form_url, data={"reason": REASON})
    assert r.status_code == 303 and r.headers["Location"] == f"/reauth?next={form_url}"
    assert "is public and final: confirm it is you first" in admin.get(r.headers["Location"]).text
    assert _reload(app, statement.id).status == "valid" and heard == []
    assert admin.get(form_url).status_code == 302  # the form itself asks first

    r = admin.post(
        f"/reauth?next={form_url}",
        data={"password": "correct-horse-battery", "code": clock.code(world.vb_admin.totp_secret)},
    )
    assert r.status_code == 302 and r.headers["Location"] == form_url
    assert admin.post(form_url, data={"reason": REASON}).status_code == 302
    assert _reload(app, statement.id).status == "revoked"


def test_an_expired_statement_cannot_be_revoked(app, issued, heard):
    world, case, statement = issued
    with app.app_context():
        db.session.execute(
            text("UPDATE statement SET valid_until = :d WHERE id = :i"),
            {"d": utcnow().date() - timedelta(days=1), "i": statement.id},
        )
        db.session.commit()
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    r = admin.post(f"/statements/{statement.number}/revoke", data={"reason": REASON})
    assert r.status_code == 409 and "is expired: only a valid statement" in r.text
    assert _reload(app, statement.id).status == "valid" and heard == []

"""The lender portal: the watchlist pages, alerts on statement events, the portfolio summary
(figures worked out by hand) and its CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import World, org, setup, sign_in, user
from verification.accounts.models import OrgKind, Role
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.extensions import db
from verification.lender.alerts import ALERT_KINDS
from verification.lender.models import Watch
from verification.mail.models import OutboundEmail
from verification.notifications.models import Notification
from verification.statements import events, lifecycle
from verification.statements.issuance import request_issuance, run_issuance
from verification.statements.models import Statement
from verification.workflow.rules import Action


@pytest.fixture
def issued(app):
    """A world with one issued statement; a second analyst of the same lender, and a lender
    that watches nothing."""
    with setup(app):
        world = World()
        _case, statement = world.issued_case()
        world.colleague = user(world.lender.organisation, Role.LENDER_ANALYST)
        world.outsider = user(org(OrgKind.LENDER), Role.LENDER_ANALYST)
        world.unissued_name = world.other_sme_user.organisation.name  # no statement
    return world, statement


def _watch(app, analyst, organisation_id, note=""):
    client = app.test_client()
    sign_in(client, analyst)
    return client.post("/lender/watchlist", data={"organisation_id": organisation_id, "note": note})


def _watches(app):
    with app.app_context():
        return [
            (w.lender_id, w.organisation_id, w.added_by_id, w.note)
            for w in db.session.scalars(select(Watch).order_by(Watch.id))
        ]


def test_the_watchlist_is_shared_by_the_lenders_analysts(app, issued):
    world, statement = issued
    client = app.test_client()
    sign_in(client, world.lender)
    page = client.get("/lender/?q=" + world.sme.name[:5].lower())
    assert page.status_code == 200 and world.sme.name in page.text
    # an organisation without a statement is not found, and cannot be added
    assert world.unissued_name not in client.get("/lender/?q=sme").text
    refused = _watch(app, world.lender, world.other_sme_user.organisation_id)
    assert refused.status_code == 302 and _watches(app) == []

    r = _watch(app, world.lender, world.sme.id, note="  Loan\n2026-114 ")
    assert r.status_code == 302
    assert _watches(app) == [
        (world.lender.organisation_id, world.sme.id, world.lender.id, "Loan 2026-114")
    ]
    # the colleague sees it (with who added it) and cannot add it twice
    colleague = app.test_client()
    sign_in(colleague, world.colleague)
    listed = colleague.get("/lender/").text
    assert statement.number in listed and world.lender.name in listed
    again = colleague.post(
        "/lender/watchlist", data={"organisation_id": world.sme.id}, follow_redirects=True
    )
    assert "already on your watchlist" in again.text and len(_watches(app)) == 1
    # another lender's list is its own
    stranger = app.test_client()
    sign_in(stranger, world.outsider)
    assert statement.number not in stranger.get("/lender/").text
    assert stranger.post(f"/lender/watchlist/{world.sme.id}/remove").status_code == 404
    assert len(_watches(app)) == 1

    assert colleague.post(f"/lender/watchlist/{world.sme.id}/remove").status_code == 302
    assert _watches(app) == []
    assert colleague.post(f"/lender/watchlist/{world.sme.id}/remove").status_code == 404
    assert colleague.post(f"/lender/watchlist/{2**40}/remove").status_code == 404


def _alerts(app):
    with app.app_context():
        return sorted(
            (n.user_id, n.kind, n.link)
            for n in db.session.scalars(
                select(Notification).where(Notification.kind.in_(ALERT_KINDS))
            )
        )


def _alert_mail(app):
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(OutboundEmail.to).where(OutboundEmail.subject.startswith("Watchlist:"))
            )
        )


def _reissue(app, world, corrects=None):
    """Another statement of the world's SME (a correction of ``corrects`` if given)."""
    with setup(app):
        case = world.reviewed_case()
        if corrects is not None:
            lifecycle.mark_correction(corrects, case, world.vb_admin, "Corrected figures.")
        cases.transition(case, Action.APPROVE, world.reviewer, perm.actor(world.reviewer, case))
        job = request_issuance(case, world.reviewer, enqueue_task=False)
    with app.app_context():
        run_issuance(job.id)
        db.session.commit()
        return db.session.scalar(select(Statement).where(Statement.case_id == case.id))


def test_watching_lenders_are_told_when_a_statement_is_issued(app, issued):
    world, first = issued
    assert _watch(app, world.lender, world.sme.id).status_code == 302
    with setup(app):
        inactive = user(world.lender.organisation, Role.LENDER_ANALYST)
        inactive.active = False
    assert _alerts(app) == []  # the first statement came before the watch

    second = _reissue(app, world)
    link = f"/registry/{second.number}"
    watchers = sorted([world.lender.id, world.colleague.id])
    assert _alerts(app) == [(u, "lender_statement_issued", link) for u in watchers]
    assert _alert_mail(app) == sorted([world.lender.email, world.colleague.email])
    with app.app_context():
        body = db.session.scalar(
            select(OutboundEmail.body).where(OutboundEmail.to == world.lender.email)
        )
    assert second.number in body and world.sme.name in body and link in body

    client = app.test_client()
    sign_in(client, world.lender)
    page = client.get("/lender/alerts").text
    assert f"{world.sme.name}, on your watchlist, has a new statement: {second.number}." in page
    assert client.get("/notifications").text.count(second.number) >= 1  # the bell's list too
    stranger = app.test_client()
    sign_in(stranger, world.outsider)
    assert second.number not in stranger.get("/lender/alerts").text


def test_revocation_supersession_and_expiry_alert_the_watchers(app, issued):
    world, first = issued
    _watch(app, world.lender, world.sme.id)
    second = _reissue(app, world, corrects=first)  # issued, and supersedes the first
    kinds = [(k, link) for _u, k, link in _alerts(app) if _u == world.lender.id]
    assert sorted(kinds) == [
        ("lender_statement_issued", f"/registry/{second.number}"),
        ("lender_statement_superseded", f"/registry/{first.number}"),
    ]
    with setup(app):
        lifecycle.revoke(db.session.get(Statement, second.id), world.vb_admin, "Fraud found.")
    with setup(app):
        third = world.issued_case()[1]
    with setup(app):
        assert lifecycle.mark_expired(third.valid_until + timedelta(days=1)) == [third.number]
    mine = [(k, link) for u, k, link in _alerts(app) if u == world.lender.id]
    assert ("lender_statement_revoked", f"/registry/{second.number}") in mine
    assert ("lender_statement_expired", f"/registry/{third.number}") in mine
    assert len(mine) == 5  # issued x2, superseded, revoked, expired: each once
    assert len(_alert_mail(app)) == 10  # to both analysts
    # only watchers: the outsider was told nothing
    assert all(u in (world.lender.id, world.colleague.id) for u, _k, _l in _alerts(app))


def test_an_event_is_told_in_its_transaction(app, issued):
    world, statement = issued
    _watch(app, world.lender, world.sme.id)
    count = select(func.count()).select_from(Notification).where(Notification.kind.in_(ALERT_KINDS))
    with app.app_context():
        events.emit(db.session.get(Statement, statement.id), "revoked")
        assert db.session.scalar(count) == 2  # written with the change...
        db.session.rollback()  # ...which was refused: nobody is told
        assert db.session.scalar(count) == 0
    assert _alert_mail(app) == []
    with app.app_context():
        events.emit(db.session.get(Statement, statement.id), "revoked")
        db.session.commit()
        assert db.session.scalar(count) == 2
    assert len(_alert_mail(app)) == 2


# --- the portfolio ---------------------------------------------------------------------

FIGURES = {
    # name: grade, overall, location t, market t, data quality
    "Alpha": ("A", "82.5", "100.000", "90.000", "2.00"),
    "Beta": ("B", "61.0", "300.000", "280.500", "4.00"),
    "Gamma": ("A", "90.0", "1000.000", "1000.000", "1.00"),  # revoked below
    "=Delta": ("C", "40.0", "50.000", "50.000", None),  # expired; no data quality
}


@pytest.fixture
def portfolio(app):
    """Four watched organisations with a statement each, their figures set by hand."""
    with setup(app):
        lender = None
        made = {}
        for name, (grade, overall, loc, market, dq) in FIGURES.items():
            world = World()
            world.sme.name = f"{name} Textiles"
            _case, statement = world.issued_case()
            data = json.loads(statement.data_json)
            data["score"].update(grade=grade, overall=overall)
            data["carbon"].update(total_location_t=loc, total_market_t=market, data_quality=dq)
            statement.data_json = json.dumps(data)
            made[name] = statement
            lender = lender or world.lender
    with setup(app):
        gamma = db.session.get(Statement, made["Gamma"].id)
        lifecycle.revoke(gamma, gamma.verification_body.users[0], "Withdrawn by the body.")
        delta = db.session.get(Statement, made["=Delta"].id)
        delta.valid_until = delta.issued_at.date() - timedelta(days=1)  # past: reads expired
    for statement in made.values():
        assert _watch(app, lender, statement.organisation_id).status_code == 302
    return lender, made


def test_the_portfolio_summary_as_worked_by_hand(app, portfolio):
    lender, made = portfolio
    client = app.test_client()
    sign_in(client, lender)
    page = client.get("/lender/portfolio").text
    # statuses: every latest statement
    assert '<td id="status-valid">2</td>' in page
    assert '<td id="status-revoked">1</td>' in page
    assert '<td id="status-expired">1</td>' in page
    # figures: Alpha, Beta and (expired) Delta; revoked Gamma is left out
    assert '<td id="emissions-location">450.000</td>' in page  # 100 + 300 + 50
    assert '<td id="emissions-market">420.500</td>' in page  # 90 + 280.5 + 50
    # (2 x 100 + 4 x 300) / (100 + 300): Delta has no data quality
    assert '<td id="data-quality">3.50</td>' in page
    grades = page.split('id="grades"')[1].split("</table>")[0]
    assert "<td>A</td><td>1</td>" in grades and "<td>B</td><td>1</td>" in grades
    assert "<td>C</td><td>1</td>" in grades


def test_the_portfolio_csv(app, portfolio):
    lender, made = portfolio
    client = app.test_client()
    sign_in(client, lender)
    r = client.get("/lender/portfolio.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["organisation"] for row in rows] == [
        "'=Delta Textiles",  # a formula-like name is neutralised
        "Alpha Textiles",
        "Beta Textiles",
        "Gamma Textiles",
    ]
    by_number = {row["statement_number"]: row for row in rows}
    beta = by_number[made["Beta"].number]
    assert (beta["status"], beta["grade"], beta["overall"]) == ("valid", "B", "61.0")
    assert (beta["emissions_location_t"], beta["emissions_market_t"]) == ("300.000", "280.500")
    assert beta["data_quality"] == "4.00"
    assert by_number[made["Gamma"].number]["status"] == "revoked"
    delta = by_number[made["=Delta"].number]
    assert (delta["status"], delta["data_quality"]) == ("expired", "")

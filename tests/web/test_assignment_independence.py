"""Assignment through HTTP: accreditation scope, conflicts of interest and the case team are
checked, each refusal says why and changes nothing; the roster, declarations and workload
pages of the verification body."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.factories import World, accredit, setup, sign_in, user
from verification.accounts.models import Role
from verification.cases.models import Case, CaseEvent
from verification.extensions import db
from verification.review import accreditation_services as roster
from verification.review.accreditation_models import (
    Accreditation,
    CaseTeamMember,
    ConflictDeclaration,
)

TODAY = date.today()


def page_text(response) -> str:
    """The page's words: tags removed, entities decoded, white space collapsed."""
    return page_text_of(response.get_data(as_text=True))


def case_row(app, case_id: int) -> tuple:
    with app.app_context():
        case = db.session.get(Case, case_id)
        return (
            case.state,
            case.verifier_id,
            case.reviewer_id,
            case.due_on,
            db.session.scalar(select(func.count()).where(CaseTeamMember.case_id == case_id)),
            db.session.scalar(select(func.count()).where(CaseEvent.case_id == case_id)),
        )


@pytest.fixture
def world(app):
    with setup(app):
        w = World()
        w.case = w.submitted_case()
    return w


def post_assign(client, case_id, **data):
    return client.post(f"/cases/{case_id}/assign", data=data)


# Each scenario changes the facts, then names who to assign and the reason to expect.
def _methodology(w):
    v = user(w.vb, Role.VERIFIER)
    accredit(v, w.vb_admin, codes=["ghg-inventory"])
    return {
        "verifier": v.id
    }, f"{v.name} holds no accreditation for the methodology sme-esg-starter."


def _sector(w):
    v = user(w.vb, Role.VERIFIER)
    accredit(v, w.vb_admin, sectors=["A", "D"])
    return {"verifier": v.id}, f"{v.name} holds no accreditation for the sector C - Manufacturing."


def _expired(w):
    v = user(w.vb, Role.VERIFIER)
    accredit(v, w.vb_admin, valid_to=TODAY - timedelta(days=1))
    return {"verifier": v.id}, (
        f"The accreditation of {v.name} for sme-esg-starter in sector C - Manufacturing is "
        f"not in force on {TODAY.isoformat()}"
    )


def _period(w):
    v = user(w.vb, Role.VERIFIER)
    accredit(v, w.vb_admin, valid_from=date(2025, 6, 1))
    return {"verifier": v.id}, "is not in force on 2025-01-01"


def _declared(w):
    roster.declare_conflict(
        w.verifier, w.verifier, w.sme, "former employee", date(2018, 1, 1), TODAY - timedelta(400)
    )
    return {"verifier": w.verifier.id}, (
        f"{w.verifier.name} has a declared relationship with {w.sme.name} within the last "
        "three years: former employee"
    )


def _consultant(w):
    w.case.consultant_email = w.verifier.email.upper()
    return {"verifier": w.verifier.id}, (
        f"{w.verifier.name} is named as the consultant who helped prepare this submission."
    )


def _earlier_consultant(w):
    earlier = w.open_case("Last year's case")
    earlier.consultant_email = w.other_verifier.email
    return {"verifier": w.verifier.id, "team": [w.other_verifier.id]}, (
        f"{w.other_verifier.name} is named as the consultant who helped prepare a case of "
        f"{w.sme.name} opened on {TODAY.isoformat()}."
    )


def _reviewer_conflict(w):
    roster.declare_conflict(w.vb_admin, w.reviewer, w.sme, "shareholder", date(2024, 1, 1), None)
    return {"verifier": w.verifier.id}, (
        f"{w.reviewer.name} has a declared relationship with {w.sme.name} within the last three "
        "years: shareholder, from 2024-01-01 to today (ongoing)."
    )


def _unaccredited_team_member(w):
    v = user(w.vb, Role.VERIFIER)
    return {"verifier": w.verifier.id, "team": [v.id]}, (
        f"{v.name} holds no accreditation for the methodology sme-esg-starter."
    )


def _lead_in_team(w):
    return {"verifier": w.verifier.id, "team": [w.verifier.id]}, (
        f"{w.verifier.name} is the lead verifier; leave them out of the other team members."
    )


def _past_due(w):
    day = TODAY - timedelta(days=1)
    return {"verifier": w.verifier.id, "due_on": day.isoformat()}, (
        f"The due date {day.isoformat()} is in the past."
    )


def _no_sector(w):
    w.case.sector = None
    return {"verifier": w.verifier.id}, "The case has no sector recorded"


SCENARIOS = {
    "methodology not covered": _methodology,
    "sector not covered": _sector,
    "expired accreditation": _expired,
    "period not covered": _period,
    "declared conflict": _declared,
    "consultant on this case": _consultant,
    "consultant on an earlier case": _earlier_consultant,
    "reviewer's declared conflict": _reviewer_conflict,
    "team member not accredited": _unaccredited_team_member,
    "lead listed in the team": _lead_in_team,
    "due date in the past": _past_due,
    "case without sector": _no_sector,
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_refused_assignment_says_why_and_changes_nothing(app, client, world, scenario):
    with setup(app):
        db.session.add(world.case)
        chosen, reason = SCENARIOS[scenario](world)
    before = case_row(app, world.case.id)
    sign_in(client, world.vb_admin)
    r = post_assign(client, world.case.id, reviewer=world.reviewer.id, **chosen)
    assert r.status_code == 200
    text = page_text(r)
    assert 'class="flash error"' in r.text and reason in text, text
    assert "Team assigned" not in text
    assert case_row(app, world.case.id) == before


def test_assign_page_shows_who_is_eligible_and_why_not(app, client, world):
    with setup(app):
        stranger = user(world.vb, Role.VERIFIER)
        roster.declare_conflict(
            world.vb_admin, world.other_verifier, world.sme, "family member", date(2020, 1, 1), None
        )
    sign_in(client, world.vb_admin)
    r = client.get(f"/cases/{world.case.id}/assign")
    assert r.status_code == 200
    rows = {
        int(m.group(1)): unescape(m.group(2))
        for m in re.finditer(r'<tr id="candidate-(\d+)"(.*?)</tr>', r.text, re.S)
    }
    assert 'class="eligible"' in rows[world.verifier.id]
    assert 'class="eligible"' in rows[world.reviewer.id]
    assert 'class="ineligible"' in rows[stranger.id]
    assert "holds no accreditation for the methodology sme-esg-starter" in rows[stranger.id]
    assert 'class="ineligible"' in rows[world.other_verifier.id]
    assert "family member" in rows[world.other_verifier.id]
    assert "C - Manufacturing" in page_text(r)  # the case's sector is shown


def test_reviewer_cannot_be_put_on_the_team(app, client, world):
    before = case_row(app, world.case.id)
    sign_in(client, world.vb_admin)
    r = post_assign(
        client,
        world.case.id,
        verifier=world.verifier.id,
        team=[world.reviewer.id],
        reviewer=world.reviewer.id,
    )
    text = page_text(r)
    assert r.status_code == 200 and f"'{world.reviewer.id}' is not a valid choice" in text
    assert case_row(app, world.case.id) == before


def test_allowed_assignment_stores_team_and_due_date(app, client, world):
    due = TODAY + timedelta(days=30)
    sign_in(client, world.vb_admin)
    r = post_assign(
        client,
        world.case.id,
        verifier=world.verifier.id,
        team=[world.other_verifier.id],
        reviewer=world.reviewer.id,
        due_on=due.isoformat(),
    )
    assert r.status_code == 302, page_text(r)
    state, lead, reviewer, due_on, members, _events = case_row(app, world.case.id)
    assert (state, lead, reviewer, due_on, members) == (
        "assigned",
        world.verifier.id,
        world.reviewer.id,
        due,
        1,
    )
    with app.app_context():
        assert roster.team_ids(db.session.get(Case, world.case.id)) == [world.other_verifier.id]


def test_the_case_pins_the_sector_and_the_consultant_email(app, client, world):
    sign_in(client, world.sme_user)
    r = client.post(
        "/cases/new",
        data={
            "title": "FY2025 with an adviser",
            "methodology": "sme-esg-starter@1.0.0",
            "verification_body": world.vb.id,
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "consultant_email": " Adviser@Example.COM ",
        },
    )
    assert r.status_code == 302, page_text(r)
    case_id = int(re.search(r"/cases/(\d+)", r.headers["Location"]).group(1))
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.sector, case.consultant_email) == ("C", "adviser@example.com")
    r = client.post(
        "/cases/new",
        data={
            "title": "Bad adviser",
            "methodology": "sme-esg-starter@1.0.0",
            "verification_body": world.vb.id,
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "consultant_email": "not an address",
        },
    )
    assert r.status_code == 200 and "Invalid email address" in page_text(r)


# --- the roster ----------------------------------------------------------------------------


def accreditation_rows(app) -> list[tuple]:
    with app.app_context():
        return [
            (a.user_id, a.code_set, a.sector_set, a.valid_from, a.valid_to, a.number)
            for a in db.session.scalars(select(Accreditation).order_by(Accreditation.id))
        ]


def test_roster_add_end_and_remove(app, client, world):
    with setup(app):
        newcomer = user(world.vb, Role.VERIFIER)
    sign_in(client, world.vb_admin)
    page = page_text(client.get("/vb/roster"))
    assert newcomer.name in page and "No accreditation recorded." in page
    before = accreditation_rows(app)
    r = client.post(
        "/vb/roster",
        data={
            "person": newcomer.id,
            "methodology_codes": ["sme-esg-starter", "ghg-inventory"],
            "sectors": ["C", "F"],
            "valid_from": "2025-01-01",
            "valid_to": "2024-12-31",
            "accreditation_body": "UKAS",
            "number": "UKAS 0001",
        },
    )
    assert r.status_code == 200 and "The accreditation ends before it starts." in page_text(r)
    assert accreditation_rows(app) == before
    r = client.post(
        "/vb/roster",
        data={
            "person": newcomer.id,
            "methodology_codes": ["sme-esg-starter", "ghg-inventory"],
            "sectors": ["C", "F"],
            "valid_from": "2025-01-01",
            "valid_to": "2029-12-31",
            "accreditation_body": "UKAS",
            "number": "UKAS 0001",
        },
    )
    assert r.status_code == 302
    added = accreditation_rows(app)[-1]
    assert added == (
        newcomer.id,
        frozenset({"sme-esg-starter", "ghg-inventory"}),
        frozenset({"C", "F"}),
        date(2025, 1, 1),
        date(2029, 12, 31),
        "UKAS 0001",
    )
    with app.app_context():
        new_id = db.session.scalar(select(func.max(Accreditation.id)))
        stored = db.session.get(Accreditation, new_id)
        assert stored.methodology_codes == '["ghg-inventory", "sme-esg-starter"]'
        assert stored.sectors == '["C", "F"]'
    page = page_text(client.get("/vb/roster"))
    assert "ghg-inventory, sme-esg-starter" in page and "UKAS UKAS 0001" in page

    # Another body's admin can neither end nor remove it.
    other = app.test_client()
    sign_in(other, world.other_vb_admin)
    assert other.post(f"/vb/roster/{new_id}/end").status_code == 404
    assert other.post(f"/vb/roster/{new_id}/remove").status_code == 404
    assert newcomer.name not in page_text(other.get("/vb/roster"))

    assert client.post(f"/vb/roster/{new_id}/end").status_code == 302
    assert accreditation_rows(app)[-1][4] == TODAY - timedelta(days=1)
    r = client.post(f"/vb/roster/{new_id}/end", follow_redirects=True)
    assert "This accreditation has already ended." in page_text(r)
    assert client.post(f"/vb/roster/{new_id}/remove").status_code == 302
    assert accreditation_rows(app) == before


def test_roster_refuses_people_of_other_bodies_and_unknown_codes(app, client, world):
    before = accreditation_rows(app)
    sign_in(client, world.vb_admin)
    data = {
        "methodology_codes": ["sme-esg-starter"],
        "sectors": ["C"],
        "valid_from": "2025-01-01",
        "valid_to": "2029-12-31",
        "accreditation_body": "CNAS",
        "number": "X-1",
    }
    for bad in (
        {"person": world.sme_user.id},
        {"person": world.verifier.id, "methodology_codes": ["no-such-scheme"]},
        {"person": world.verifier.id, "sectors": ["Z"]},
        {"person": world.verifier.id, "sectors": []},
    ):
        r = client.post("/vb/roster", data={**data, **bad})
        text = page_text(r)
        assert r.status_code == 200, bad
        assert "valid choice" in text or "This field is required" in text, (bad, text)
    assert accreditation_rows(app) == before


# --- declarations --------------------------------------------------------------------------


def test_a_verifier_declares_a_relationship_and_is_then_refused(app, client, world):
    sign_in(client, world.verifier)
    r = client.post(
        "/vb/conflicts",
        data={
            "person": world.verifier.id,
            "organisation": world.sme.id,
            "relationship": "consultant",
            "started_on": "2024-02-01",
            "ended_on": "2025-01-31",
        },
    )
    assert r.status_code == 302
    r = client.post(
        "/vb/conflicts",
        data={
            "person": world.other_verifier.id,  # not theirs to declare
            "organisation": world.sme.id,
            "relationship": "consultant",
            "started_on": "2024-02-01",
        },
    )
    assert r.status_code == 200 and "Not a valid choice" in page_text(r)
    with app.app_context():
        rows = db.session.scalars(select(ConflictDeclaration)).all()
        assert [(d.user_id, d.declared_by_id, d.relationship) for d in rows] == [
            (world.verifier.id, world.verifier.id, "consultant")
        ]
    page = page_text(client.get("/vb/conflicts"))
    assert f"{world.sme.name} consultant 2024-02-01 2025-01-31" in page

    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    assert world.sme.name in page_text(admin.get("/vb/conflicts"))  # sees the staff's
    r = post_assign(admin, world.case.id, verifier=world.verifier.id, reviewer=world.reviewer.id)
    assert r.status_code == 200
    assert (
        f"{world.verifier.name} has a declared relationship with {world.sme.name} within the "
        "last three years: consultant, from 2024-02-01 to 2025-01-31." in page_text(r)
    )


def test_a_vb_admin_declares_for_staff_and_bad_periods_are_refused(app, client, world):
    sign_in(client, world.vb_admin)
    data = {
        "person": world.reviewer.id,
        "organisation": world.sme.id,
        "relationship": "family member",
        "started_on": "2024-02-01",
        "ended_on": "2023-01-31",
    }
    r = client.post("/vb/conflicts", data=data)
    assert r.status_code == 200 and "The relationship ends before it starts." in page_text(r)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConflictDeclaration)) == 0
    assert client.post("/vb/conflicts", data={**data, "ended_on": ""}).status_code == 302
    with app.app_context():
        (d,) = db.session.scalars(select(ConflictDeclaration)).all()
        assert (d.user_id, d.declared_by_id, d.ended_on) == (
            world.reviewer.id,
            world.vb_admin.id,
            None,
        )
    other = app.test_client()
    sign_in(other, world.other_vb_admin)
    assert "Nothing declared." in page_text(other.get("/vb/conflicts"))


# --- workload ------------------------------------------------------------------------------


def test_workload_shows_open_cases_due_dates_and_overdue(app, client, world):
    from verification.cases import permissions as perm
    from verification.review import services as review

    with setup(app):
        db.session.add(world.case)
        review.assign(
            world.case,
            world.vb_admin,
            perm.actor(world.vb_admin, world.case),
            world.verifier.id,
            world.reviewer.id,
            team=[world.other_verifier.id],
            due_on=TODAY + timedelta(days=10),
        )
        late = world.submitted_case()
        review.assign(
            late,
            world.vb_admin,
            perm.actor(world.vb_admin, late),
            world.other_verifier.id,
            world.reviewer.id,
            due_on=TODAY - timedelta(days=5),
            on=TODAY - timedelta(days=20),  # assigned three weeks ago, due five days ago
        )
        waiting = world.submitted_case()
    sign_in(client, world.vb_admin)
    r = client.get("/vb/workload")
    assert r.status_code == 200
    sections = {
        int(m.group(1)): page_text_of(m.group(2))
        for m in re.finditer(r'<section class="card" id="load-(\d+)">(.*?)</section>', r.text, re.S)
    }
    lead = sections[world.verifier.id]
    assert "1 open cases" in lead and "none overdue" in lead
    assert "lead verifier" in lead and (TODAY + timedelta(days=10)).isoformat() in lead
    other = sections[world.other_verifier.id]
    assert "2 open cases" in other and "1 overdue" in other
    assert "team member" in other and "lead verifier" in other
    assert (TODAY - timedelta(days=5)).isoformat() + " overdue" in other
    reviewer = sections[world.reviewer.id]
    assert "2 open cases" in reviewer and "technical reviewer" in reviewer
    assert f"/cases/{waiting.id}/assign" in r.text  # waiting for a team
    outsider = app.test_client()
    sign_in(outsider, world.other_vb_admin)
    assert world.verifier.name not in page_text(outsider.get("/vb/workload"))


def page_text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- sectors -------------------------------------------------------------------------------


def test_sectors_are_nace_sections_on_both_organisation_forms(app, client, world):
    from verification.accounts.models import Organisation

    form = {
        "organisation": "Hill Farm Co-operative",
        "country": "cn",
        "name": "Zhao Lei",
        "email": "zhao@hillfarm.example.com",
        "password": "correct-horse-battery",
        "confirm": "correct-horse-battery",
    }
    for bad in ({"sector": "textiles"}, {}):
        r = app.test_client().post("/register", data={**form, **bad})
        assert r.status_code == 200, bad
    page = page_text(app.test_client().get("/register"))
    assert "A - Agriculture, forestry and fishing" in page
    assert "U - Activities of extraterritorial organisations and bodies" in page
    assert app.test_client().post("/register", data={**form, "sector": "A"}).status_code == 302

    sign_in(client, world.admin)
    r = client.post(
        "/admin/organisations/new",
        data={
            "kind": "verification_body",
            "name": "Coastal Assurance",
            "country": "cn",
            "sector": "M",
            "admin_email": "admin@coastal.example.com",
        },
    )
    assert r.status_code == 302
    r = client.post(
        "/admin/organisations/new",
        data={
            "kind": "lender",
            "name": "Bad Sector Bank",
            "country": "cn",
            "sector": "Z",
            "admin_email": "admin@badsector.example.com",
        },
    )
    assert r.status_code == 200 and "Not a valid choice" in page_text(r)
    with app.app_context():
        sectors = dict(db.session.execute(select(Organisation.name, Organisation.sector)).all())
    assert sectors["Hill Farm Co-operative"] == "A"
    assert sectors["Coastal Assurance"] == "M"
    assert "Bad Sector Bank" not in sectors


def test_the_migration_maps_the_old_sector_names(make_app, tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    migrated = make_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite'}"})
    with migrated.app_context():
        upgrade(revision="0007_audit_chain")
        for n, sector in enumerate(["textiles", "steel", "food", "services", "other", None]):
            db.session.execute(
                text(
                    "INSERT INTO organisation (kind, name, country, sector, created_at) "
                    "VALUES ('sme', :name, 'CN', :sector, '2025-01-01 00:00:00')"
                ),
                {"name": f"org {n}", "sector": sector},
            )
        db.session.commit()
        upgrade(revision="0008_accreditations")
        found = db.session.execute(text("SELECT sector FROM organisation ORDER BY name")).all()
        db.session.remove()
    assert [row[0] for row in found] == ["C", "C", None, None, None, None]

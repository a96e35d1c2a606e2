"""An organisation's country and sector, changed on its page (/organisations/<id>) by its
own admin or a platform admin, and by ``flask orgs set-sector``: who may, what is refused
(and leaves nothing stored), and what cases opened before and after the change pin."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import World, org, setup, sign_in
from verification.accounts.models import Organisation, OrgKind, User
from verification.accounts.services import AccountError, create_organisation, update_organisation
from verification.audit.models import AuditEvent
from verification.cases import services as cases
from verification.cases.models import Case
from verification.extensions import db
from verification.methodologies import registry


@pytest.fixture
def world(app):
    with setup(app):
        world = World()
        world.lender_org_id = world.lender.organisation_id
        world.other_sme_id = world.other_sme_user.organisation_id
        world.before = world.open_case("Opened before the change")
    return world


def _recorded(app, organisation_id: int) -> tuple[str | None, str | None]:
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        return organisation.country, organisation.sector


def _client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def test_the_sme_admin_changes_country_and_sector_from_the_team_page(app, world):
    client = _client(app, world.sme_user)
    team = client.get("/team")
    assert f'href="/organisations/{world.sme.id}"' in team.text
    page = client.get(f"/organisations/{world.sme.id}")
    assert page.status_code == 200
    assert world.sme.name in page.text and "C - Manufacturing" in page.text
    assert "keep the sector they pinned" in page.text
    assert 'value="CN"' in page.text  # the form starts from what is recorded

    saved = client.post(
        f"/organisations/{world.sme.id}",
        data={"country": "de", "sector": "J"},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "are saved" in saved.text
    assert "J - Information and communication" in saved.text
    assert _recorded(app, world.sme.id) == ("DE", "J")
    # The change is in the audit trail, with who made it and the values before and after.
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "organisation", AuditEvent.action == "update")
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert event is not None and event.actor_id == world.sme_user.id
        assert json.loads(event.before) == {"country": "CN", "sector": "C"}
        assert json.loads(event.after) == {"country": "DE", "sector": "J"}


def test_cases_already_opened_keep_their_sector_and_new_ones_pin_the_new_one(app, world):
    r = _client(app, world.sme_user).post(
        f"/organisations/{world.sme.id}", data={"country": "CN", "sector": "F"}
    )
    assert r.status_code == 302
    with app.app_context():
        sme_admin = db.session.get(User, world.sme_user.id)
        after = cases.open_case(
            sme_admin,
            registry.get("sme-esg-starter", "1.0.0"),
            db.session.get(Organisation, world.vb.id),
            "Opened after the change",
            date(2025, 1, 1),
            date(2025, 12, 31),
        )
        db.session.commit()
        pinned = {c.title: c.sector for c in db.session.scalars(select(Case))}
    assert after is not None
    assert pinned == {"Opened before the change": "C", "Opened after the change": "F"}


def test_the_vb_admin_may_record_no_sector_for_the_body(app, world):
    client = _client(app, world.vb_admin)
    assert _recorded(app, world.vb.id) == ("CN", None)
    r = client.post(f"/organisations/{world.vb.id}", data={"country": "CN", "sector": "M"})
    assert r.status_code == 302 and _recorded(app, world.vb.id) == ("CN", "M")
    r = client.post(f"/organisations/{world.vb.id}", data={"country": "CN", "sector": ""})
    assert r.status_code == 302 and _recorded(app, world.vb.id) == ("CN", None)


@pytest.mark.parametrize("who", ["sme_member", "verifier", "reviewer", "lender"])
def test_members_who_are_not_admins_are_refused(app, world, who):
    user = getattr(world, who)
    own = user.organisation_id
    client = _client(app, user)
    assert client.get(f"/organisations/{own}").status_code == 403
    before = _recorded(app, own)
    r = client.post(f"/organisations/{own}", data={"country": "FR", "sector": "A"})
    assert r.status_code == 403 and _recorded(app, own) == before


@pytest.mark.parametrize("who", ["other_sme_user", "vb_admin", "other_vb_admin"])
def test_another_organisations_admin_gets_404_and_changes_nothing(app, world, who):
    client = _client(app, getattr(world, who))
    assert client.get(f"/organisations/{world.sme.id}").status_code == 404
    r = client.post(f"/organisations/{world.sme.id}", data={"country": "FR", "sector": "A"})
    assert r.status_code == 404 and _recorded(app, world.sme.id) == ("CN", "C")


def test_anonymous_is_sent_to_sign_in(app, world):
    r = app.test_client().post(
        f"/organisations/{world.sme.id}", data={"country": "FR", "sector": "A"}
    )
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _recorded(app, world.sme.id) == ("CN", "C")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"country": "CN", "sector": "Z"}, "Not a valid choice"),
        ({"country": "CN", "sector": "textiles"}, "Not a valid choice"),
        ({"country": "DEU", "sector": "J"}, "Field must be exactly 2 characters long."),
        ({"country": "", "sector": "J"}, "This field is required."),
        ({"country": "1!", "sector": "J"}, "The country must be a two-letter ISO code"),
        ({"country": "é1", "sector": "J"}, "The country must be a two-letter ISO code"),
    ],
)
def test_bad_input_is_refused_on_the_form_and_nothing_is_stored(app, world, data, message):
    r = _client(app, world.sme_user).post(f"/organisations/{world.sme.id}", data=data)
    assert r.status_code == 200
    assert message in r.text and "are saved" not in r.text
    assert _recorded(app, world.sme.id) == ("CN", "C")


def test_the_service_refuses_a_bad_sector_or_country_and_changes_nothing(app, world):
    with app.app_context():
        sme = db.session.get(Organisation, world.sme.id)
        with pytest.raises(AccountError, match="not a NACE Rev. 2 section"):
            update_organisation(sme, "DE", "Z")
        with pytest.raises(AccountError, match="two-letter ISO code"):
            update_organisation(sme, "D3", "J")
        assert (sme.country, sme.sector) == ("CN", "C")
        update_organisation(sme, " de ", "J")
        assert (sme.country, sme.sector) == ("DE", "J")
        db.session.rollback()


def test_the_platform_admin_changes_any_organisation(app, world):
    client = _client(app, world.admin)
    index = client.get("/admin/")
    for organisation_id in (world.sme.id, world.lender_org_id, world.other_sme_id):
        assert f'href="/organisations/{organisation_id}"' in index.text
    page = client.get(f"/organisations/{world.lender_org_id}")
    assert page.status_code == 200 and 'id="organisation-recorded">Lender ·' in page.text
    assert 'href="/admin/"' in page.text  # back to the administration page
    r = client.post(f"/organisations/{world.lender_org_id}", data={"country": "gb", "sector": "K"})
    assert r.status_code == 302 and _recorded(app, world.lender_org_id) == ("GB", "K")
    r = client.post(f"/organisations/{world.sme.id}", data={"country": "CN", "sector": "Z"})
    assert "Not a valid choice" in r.text and _recorded(app, world.sme.id) == ("CN", "C")
    assert client.get("/organisations/987654").status_code == 404


def test_set_sector_goes_through_the_service_and_keeps_the_country(app, world):
    with setup(app):
        no_country = org(OrgKind.SME, name="Old Mill Ltd")
        no_country.country = None  # as `flask orgs create` without --country leaves it
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["orgs", "set-sector", world.sme.name, " j "])
    assert ok.exit_code == 0 and "J - Information and communication" in ok.output
    assert _recorded(app, world.sme.id) == ("CN", "J")
    ok = runner.invoke(args=["orgs", "set-sector", "Old Mill Ltd", "C"])
    assert ok.exit_code == 0, ok.output
    assert _recorded(app, no_country.id) == (None, "C")
    bad = runner.invoke(args=["orgs", "set-sector", world.sme.name, "Z"])
    assert bad.exit_code == 1 and "Z is not a NACE Rev. 2 section" in bad.output
    assert _recorded(app, world.sme.id) == ("CN", "J")


def test_organisations_are_created_with_a_checked_country(app):
    """Registration, the admin's new-organisation page and `flask orgs create` share the
    page's rule: two letters, stored upper-case; anything else is refused."""
    with setup(app):
        assert create_organisation(OrgKind.SME, "Lowercase Co", country="cn").country == "CN"
        assert create_organisation(OrgKind.SME, "No Country Co", country=" ").country is None
        for bad in ("C1", "CHN", "中国"):
            with pytest.raises(AccountError, match="two-letter ISO code"):
                create_organisation(OrgKind.SME, f"Bad {bad}", country=bad)

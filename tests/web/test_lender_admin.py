"""A lender's own administrator: invited first when a platform admin creates the lender,
keeps the lender's team and details, and uses the lender portal, alerts and API like its
analysts. Two-factor authentication is required of it, as of every other admin."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.factories import World, setup, sign_in, user
from verification.accounts import api_tokens, twofactor
from verification.accounts.models import Organisation, Role, User
from verification.extensions import db
from verification.lender import alerts
from verification.mail.models import OutboundEmail

PASSWORD = "amber-lantern-quietly-89"


def _invitation(app, email: str) -> str:
    with app.app_context():
        body = db.session.scalar(
            select(OutboundEmail.body)
            .where(OutboundEmail.to == email)
            .order_by(OutboundEmail.id.desc())
        )
    assert body is not None, f"no mail to {email}"
    link = re.search(r"https?://\S+", body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _accept(app, email: str, name: str) -> User:
    r = app.test_client().post(
        _invitation(app, email), data={"name": name, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert r.status_code == 302, r.text
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(person)
        return person


@pytest.fixture
def bank_admin(app):
    """A lender created by a platform admin; its first user accepted the invitation."""
    with setup(app):
        world = World()
    admin = app.test_client()
    sign_in(admin, world.admin)
    r = admin.post(
        "/admin/organisations/new",
        data={
            "kind": "lender",
            "name": "Harbour Bank",
            "country": "cn",
            "admin_email": "head.risk@harbour.example.com",
        },
    )
    assert r.status_code == 302
    return world, _accept(app, "head.risk@harbour.example.com", "Ines Duarte")


def test_the_first_user_of_a_new_lender_is_its_admin_and_must_use_two_factor(app, bank_admin):
    world, head = bank_admin
    with app.app_context():
        bank = db.session.scalar(select(Organisation).where(Organisation.name == "Harbour Bank"))
        assert (head.role, head.organisation_id) == ("lender_admin", bank.id)
        assert twofactor.is_required(head)
        analyst = db.session.get(User, world.lender.id)
        assert not twofactor.is_required(analyst)


def test_the_lender_admin_keeps_the_team_and_details(app, bank_admin):
    world, head = bank_admin
    client = app.test_client()
    sign_in(client, head)
    # Two-factor first: every page sends the admin to set it up until it is on.
    r = client.get("/team")
    assert r.status_code == 302 and r.headers["Location"].startswith("/account/two-factor/setup")
    with setup(app):
        twofactor.enable_with_secret(db.session.get(User, head.id), twofactor.new_secret())
    team = client.get("/team").text
    assert 'value="lender_analyst"' in team and 'value="lender_admin"' in team
    assert 'value="verifier"' not in team
    refused = client.post("/team", data={"email": "v@harbour.example.com", "role": "verifier"})
    assert "Not a valid choice" in refused.text
    r = client.post(
        "/team", data={"email": "analyst@harbour.example.com", "role": "lender_analyst"}
    )
    assert r.status_code == 302
    analyst = _accept(app, "analyst@harbour.example.com", "Kai Lund")
    assert (analyst.role, analyst.organisation_id) == ("lender_analyst", head.organisation_id)
    colleague = app.test_client()
    sign_in(colleague, analyst)
    assert colleague.get("/team").status_code == 403  # an analyst keeps no team

    # Its people, and no one else's.
    assert client.post(f"/team/{analyst.id}/deactivate").status_code == 302
    with app.app_context():
        assert db.session.get(User, analyst.id).active is False
    assert client.post(f"/team/{world.lender.id}/deactivate").status_code == 404
    with app.app_context():
        assert db.session.get(User, world.lender.id).active is True

    # The lender's country, on the organisation page; another lender's page is not found.
    page = client.post(f"/organisations/{head.organisation_id}", data={"country": "sg"})
    assert page.status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, head.organisation_id).country == "SG"
    assert client.get(f"/organisations/{world.lender.organisation_id}").status_code == 404


def test_the_lender_admin_watches_is_alerted_and_uses_the_api(app):
    with setup(app):
        world = World()
        world.issued_case()
        head = user(world.lender.organisation, Role.LENDER_ADMIN)
        secret = api_tokens.create(head, "risk", ["watchlist"])[1]
    client = app.test_client()
    sign_in(client, head)
    assert client.get("/dashboard").headers["Location"] == "/lender/"
    r = client.post("/lender/watchlist", data={"organisation_id": world.sme.id})
    assert r.status_code == 302
    with app.app_context():
        assert [u.id for u in alerts.watchers(world.sme.id)] == sorted([world.lender.id, head.id])
    api = app.test_client().get("/api/v1/watchlist", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert [e["organisation"]["id"] for e in api.get_json()["watchlist"]] == [world.sme.id]


def test_a_platform_admin_invites_into_an_existing_lender(app):
    """Lenders created before their admin role existed get one this way (or by the CLI)."""
    with setup(app):
        world = World()
    bank = world.lender.organisation_id
    admin = app.test_client()
    sign_in(admin, world.admin)
    page = admin.get(f"/organisations/{bank}").text
    assert 'id="invite-someone"' in page and 'value="lender_admin"' in page
    assert 'value="verifier"' not in page  # only the roles a lender holds
    refused = admin.post(
        f"/organisations/{bank}/invite",
        data={"invite-email": "v@bank.example.com", "invite-role": "verifier"},
    )
    assert refused.status_code == 200 and "Not a valid choice" in refused.text
    r = admin.post(
        f"/organisations/{bank}/invite",
        data={"invite-email": "chief@bank.example.com", "invite-role": "lender_admin"},
    )
    assert r.status_code == 302
    head = _accept(app, "chief@bank.example.com", "Ada Wong")
    assert (head.role, head.organisation_id) == ("lender_admin", bank)
    # An organisation's own admin invites from its team page, not here.
    body_admin = app.test_client()
    sign_in(body_admin, world.vb_admin)
    own = body_admin.get(f"/organisations/{world.vb.id}")
    assert own.status_code == 200 and 'id="invite-someone"' not in own.text
    assert body_admin.post(f"/organisations/{world.vb.id}/invite").status_code == 403

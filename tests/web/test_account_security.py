"""Invitations, password reset, deactivation, throttling, password rules and rehashing,
through HTTP as people meet them, including the refused paths."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.factories import PASSWORD, World, setup, sign_in
from verification.accounts.models import LoginAttempt, OneTimeToken, Organisation, User
from verification.extensions import db
from verification.mail.models import OutboundEmail
from verification.timeutil import utcnow

NEW_PASSWORD = "amber-lantern-quietly-89"


def _last_link(app, email: str) -> str:
    with app.app_context():
        message = db.session.scalar(
            select(OutboundEmail).where(OutboundEmail.to == email).order_by(OutboundEmail.id.desc())
        )
    assert message is not None, f"no mail to {email}"
    return re.search(r"https?://\S+", message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[-1].split("/", 1)[1]


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_sme_admin_invites_a_colleague_once(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.sme_user)
    r = client.post("/team", data={"email": "Colleague@Example.com", "role": "sme_member"})
    assert r.status_code == 302
    r = client.post("/team", data={"email": "v@example.com", "role": "verifier"})
    assert "Not a valid choice" in r.text  # an SME cannot invite a verifier
    link = _path(_last_link(app, "colleague@example.com"))
    anonymous = app.test_client()
    r = anonymous.post(
        link, data={"name": "Zhao Min", "password": "password123", "confirm": "password123"}
    )
    assert "most commonly used" in r.text
    r = anonymous.post(
        link, data={"name": "Zhao Min", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert r.status_code == 302
    with app.app_context():
        colleague = db.session.scalar(select(User).where(User.email == "colleague@example.com"))
        assert (colleague.role, colleague.organisation_id) == ("sme_member", world.sme.id)
    again = anonymous.get(link)
    assert again.status_code == 410 and "already been used" in again.text
    assert _login(anonymous, "colleague@example.com", NEW_PASSWORD).status_code == 302


def test_expired_and_unknown_invitation_links_are_refused(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.vb_admin)
    client.post("/team", data={"email": "new.verifier@example.com", "role": "verifier"})
    link = _path(_last_link(app, "new.verifier@example.com"))
    with app.app_context():
        db.session.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    r = app.test_client().get(link)
    assert r.status_code == 410 and "expired" in r.text
    r = app.test_client().get("/invite/not-a-real-token")
    assert r.status_code == 410 and "not valid" in r.text


def test_platform_admin_creates_a_lender_and_invites_its_first_user(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.admin)
    r = client.post(
        "/admin/organisations/new",
        data={
            "kind": "lender",
            "name": "Harbour Bank",
            "country": "cn",
            "admin_email": "analyst@harbour.example.com",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        bank = db.session.scalar(select(Organisation).where(Organisation.name == "Harbour Bank"))
        assert bank.kind == "lender"
    assert "/invite/" in _last_link(app, "analyst@harbour.example.com")


def test_password_reset_ends_old_sessions_and_links_work_once(app):
    with setup(app):
        world = World()
    old_session = app.test_client()
    assert _login(old_session, world.sme_member.email, PASSWORD).status_code == 302
    assert old_session.get("/cases/").status_code == 200

    anonymous = app.test_client()
    r = anonymous.post("/forgot", data={"email": "nobody@example.com"}, follow_redirects=True)
    same_answer = "a link to reset its password is on its way"
    assert same_answer in r.text
    r = anonymous.post("/forgot", data={"email": world.sme_member.email}, follow_redirects=True)
    assert same_answer in r.text
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboundEmail)
                .where(OutboundEmail.to == "nobody@example.com")
            )
            == 0
        )
    link = _path(_last_link(app, world.sme_member.email))
    r = anonymous.post(link, data={"password": "qwertyuiop12", "confirm": "qwertyuiop12"})
    assert "most commonly used" in r.text or "too easy" in r.text
    r = anonymous.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert old_session.get("/cases/").status_code == 302  # signed out by the reset
    assert _login(anonymous, world.sme_member.email, PASSWORD).status_code == 200  # old: refused
    assert _login(anonymous, world.sme_member.email, NEW_PASSWORD).status_code == 302
    assert (
        app.test_client()
        .post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        .status_code
        == 410
    )


def test_deactivated_user_is_signed_out_at_once(app, client):
    with setup(app):
        world = World()
    victim = app.test_client()
    sign_in(victim, world.verifier)
    assert victim.get("/cases/").status_code == 200
    sign_in(client, world.vb_admin)
    assert client.post(f"/team/{world.verifier.id}/deactivate").status_code == 302
    assert victim.get("/cases/").status_code == 302
    assert _login(app.test_client(), world.verifier.email, PASSWORD).status_code == 200
    sign_in(client, world.other_vb_admin)  # another body's admin cannot touch them
    assert client.post(f"/team/{world.verifier.id}/reactivate").status_code == 404


def test_login_throttling_same_answer_for_unknown_accounts(app):
    with setup(app):
        world = World()
    client = app.test_client()
    for _ in range(5):
        r = _login(client, world.sme_user.email, "wrong-password-000")
        assert "Unknown email or wrong password" in r.text
    r = _login(client, world.sme_user.email, PASSWORD)  # even the right password now waits
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text
    for _ in range(5):
        _login(client, "ghost@example.com", "wrong-password-000")
    ghost = _login(client, "ghost@example.com", "wrong-password-000")
    assert ghost.status_code == 429 and "Too many failed sign-ins" in ghost.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 10


def test_changed_argon2_parameters_rehash_on_login(app, make_app):
    with setup(app):
        world = World()
    with app.app_context():
        before = db.session.get(User, world.lender.id).password_hash
    stronger = make_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 2})
    assert _login(stronger.test_client(), world.lender.email, PASSWORD).status_code == 302
    with app.app_context():
        after = db.session.get(User, world.lender.id).password_hash
    assert "t=1" in before and "t=2" in after

"""Personal API tokens: made once, scoped, revocable, and dead with their user's account."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.factories import World, setup, sign_in
from verification.accounts.models import ApiToken
from verification.extensions import db


def _make_token(client, scopes=("account:read",)) -> str:
    r = client.post("/account/api-tokens/", data={"name": "risk script", "scopes": list(scopes)})
    assert r.status_code == 200
    return re.search(r'id="new-token">(vt_[^<]+)<', r.text).group(1)


def _me(app, secret):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})


def test_a_token_works_until_revoked_and_is_stored_hashed(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.lender)
    secret = _make_token(client)
    r = _me(app, secret)
    assert r.status_code == 200 and r.get_json()["email"] == world.lender.email
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert secret not in (token.token_hash, token.prefix) and token.last_used_at is not None
    assert _me(app, secret + "x").status_code == 401
    assert app.test_client().get("/api/v1/me").status_code == 401
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 302
    assert _me(app, secret).status_code == 401


def test_a_token_without_the_scope_is_refused(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.lender)
    secret = _make_token(client, scopes=("statements:read",))
    r = _me(app, secret)
    assert r.status_code == 403 and "account:read" in r.get_json()["error"]


def test_a_deactivated_users_token_stops_at_once(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.lender)
    secret = _make_token(client)
    assert _me(app, secret).status_code == 200
    admin = app.test_client()
    sign_in(admin, world.admin)
    assert admin.post(f"/team/{world.lender.id}/deactivate").status_code == 302
    assert _me(app, secret).status_code == 401
    admin.post(f"/team/{world.lender.id}/reactivate")
    # reactivation does not revive what deactivation ended: a new token is needed
    assert _me(app, secret).status_code == 401


def test_only_the_owner_revokes_and_only_lenders_and_admins_hold_tokens(app, client):
    with setup(app):
        world = World()
    sign_in(client, world.lender)
    _make_token(client)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    other = app.test_client()
    sign_in(other, world.admin)
    assert other.post(f"/account/api-tokens/{token_id}/revoke").status_code == 404
    sme = app.test_client()
    sign_in(sme, world.sme_user)
    assert sme.get("/account/api-tokens/").status_code == 403

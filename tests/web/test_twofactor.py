"""Two-factor authentication and re-authentication, through HTTP as a user meets them.

The clock two-factor authentication reads is stopped (``Clock``), so a code is the one an
authenticator app shows at that moment and "ten minutes later" is one call.
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, Clock, World, setup, sign_in, user
from verification.accounts import twofactor
from verification.accounts.models import OrgKind, Role, User
from verification.accounts.services import create_user
from verification.cases.models import Case
from verification.extensions import db
from verification.statements import keys_service

SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
RECOVERY = re.compile(r"<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code></li>")


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def _wrong(clock, secret) -> str:
    """Six digits that are not a code for ``secret`` anywhere in the drift window."""
    return next(
        c for c in ("000000", "111111") if not twofactor.matching_steps(secret, c, clock.now)
    )


def _login(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def _code(client, code):
    return client.post("/login/two-factor", data={"code": code})


def _reload(app, user_id: int) -> User:
    with app.app_context():
        found = db.session.get(User, user_id)
        db.session.expunge(found)
        return found


def _enrol(client, clock) -> tuple[str, list[str]]:
    """Set up 2FA through the pages as a user with a phone would; (secret, recovery codes)."""
    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "<svg" in page.text  # the QR code, inline
    secret = SECRET.search(page.text).group(1).replace(" ", "")
    r = client.post("/account/two-factor/setup", data={"code": clock.code(secret)})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store", r.text
    codes = RECOVERY.findall(r.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def test_enrolment_with_a_real_code_then_sign_in_asks_for_it(client, app, clock):
    with setup(app):
        world = World()
    assert _login(client, world.sme_member.email).status_code == 302
    assert "Off:" in client.get("/account/two-factor").text  # optional for an SME

    page = client.get("/account/two-factor/setup").text
    secret = SECRET.search(page).group(1).replace(" ", "")
    assert client.get("/account/two-factor/setup").text.count(secret[:4]) >= 1  # kept
    wrong = client.post("/account/two-factor/setup", data={"code": _wrong(clock, secret)})
    assert wrong.status_code == 200 and "does not match" in wrong.text
    assert twofactor.is_enabled(_reload(app, world.sme_member.id)) is False

    r = client.post("/account/two-factor/setup", data={"code": clock.code(secret)})
    assert len(RECOVERY.findall(r.text)) == 10
    stored = _reload(app, world.sme_member.id)
    assert twofactor.is_enabled(stored) and stored.totp_secret == secret
    with app.app_context():
        hashes = db.session.scalars(
            select(twofactor.RecoveryCode.code_hash).where(
                twofactor.RecoveryCode.user_id == stored.id
            )
        ).all()
    plain = RECOVERY.findall(r.text)
    assert sorted(hashes) == sorted(twofactor.hash_recovery_code(c) for c in plain)
    assert "On:" in client.get("/account/two-factor").text

    client.post("/logout")
    r = _login(client, world.sme_member.email)
    assert r.status_code == 302 and r.headers["Location"].endswith("/login/two-factor")
    assert client.get("/cases/").status_code == 302  # not signed in yet
    clock.advance(30)
    r = _code(client, clock.code(secret))
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    assert client.get("/cases/").status_code == 200
    with client.session_transaction() as session:
        assert session[twofactor.SECOND_FACTOR_AT] == int(clock.now)


def test_wrong_and_replayed_codes_are_refused(client, app, clock, caplog):
    with setup(app):
        world = World()
    secret = world.reviewer.totp_secret
    _login(client, world.reviewer.email)
    with caplog.at_level(logging.WARNING, logger="verification.accounts.twofactor"):
        r = _code(client, _wrong(clock, secret))
    assert r.status_code == 200 and "not valid, or it has been used already" in r.text
    assert f"refused at sign-in for user {world.reviewer.id}" in caplog.text
    assert client.get("/cases/").status_code == 302

    code = clock.code(secret)
    assert _code(client, code).status_code == 302
    assert client.get("/cases/").status_code == 200
    client.post("/logout")

    # The same code again, still inside its 30 seconds (and its drift window): refused.
    _login(client, world.reviewer.email)
    r = _code(client, code)
    assert r.status_code == 200 and "used already" in r.text
    # ... as is the previous step's code, once a later one was accepted.
    assert "used already" in _code(client, twofactor.code_at(secret, clock.now - 30)).text
    clock.advance(30)
    assert _code(client, clock.code(secret)).status_code == 302


def test_guessing_codes_is_throttled_like_guessing_passwords(client, app, clock):
    with setup(app):
        world = World()
    secret = world.reviewer.totp_secret
    _login(client, world.reviewer.email)
    for _attempt in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        assert _code(client, _wrong(clock, secret)).status_code == 200
    r = _code(client, clock.code(secret))  # even the right code, for now
    assert r.status_code == 429 and "Too many failed attempts" in r.text
    assert client.get("/cases/").status_code == 302
    # A correct password does not start over: sign-in itself is held.
    assert _login(client, world.reviewer.email).status_code == 429


def test_a_recovery_code_works_once(client, app, clock):
    with setup(app):
        world = World()
    sign_in(client, world.sme_member)
    _secret, codes = _enrol(client, clock)
    client.post("/logout")

    _login(client, world.sme_member.email)
    r = _code(client, codes[3].lower().replace("-", " "))  # as typed, in any case
    assert r.status_code == 302
    assert "9 remain" in client.get("/cases/", follow_redirects=True).text
    client.post("/logout")

    _login(client, world.sme_member.email)
    r = _code(client, codes[3])
    assert r.status_code == 200 and "used already" in r.text
    assert _code(client, codes[4]).status_code == 302


def test_required_role_without_two_factor_is_kept_on_enrolment(client, app, clock):
    with setup(app):
        world = World()
        case = world.reviewed_case()
        newcomer = create_user(world.vb, Role.VERIFIER, "new@vb.example.com", "New", PASSWORD)
    assert not twofactor.is_enabled(newcomer)

    r = _login(client, newcomer.email)  # the password is enough to sign in ...
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    r = client.get("/dashboard")  # ... and then everything leads to the enrolment page
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/account/two-factor/setup?next=/dashboard")
    assert (
        client.get(f"/cases/{case.id}").headers["Location"].startswith("/account/two-factor/setup")
    )
    assert client.get("/account/two-factor").status_code == 302
    assert client.get("/reauth").status_code == 302
    r = client.post(f"/cases/{case.id}/actions/withdraw")
    assert r.status_code == 303 and "/account/two-factor/setup" in r.headers["Location"]
    page = client.get("/account/two-factor/setup?next=/cases/")
    assert "Your role needs two-factor authentication" in page.text
    assert client.get("/registry").status_code == 200  # public pages stay open

    secret = SECRET.search(page.text).group(1).replace(" ", "")
    r = client.post("/account/two-factor/setup?next=/cases/", data={"code": clock.code(secret)})
    assert 'href="/cases/"' in r.text  # continue where they were going
    assert client.get("/cases/").status_code == 200

    # Sign out: the next sign-in asks for the code.
    assert client.post("/logout").status_code == 302
    assert _login(client, newcomer.email).headers["Location"].endswith("/login/two-factor")


def test_a_session_that_never_passed_the_second_factor_is_ended(client, app, clock):
    with setup(app):
        world = World()
    with client.session_transaction() as session:  # e.g. started before 2FA was turned on
        session["_user_id"] = world.verifier.get_id()
        session["_fresh"] = True
    r = client.get("/cases/")
    assert r.status_code == 303 and r.headers["Location"].endswith("/login")
    assert client.get("/cases/").status_code == 302  # signed out


def test_the_code_step_expires(client, app, clock):
    with setup(app):
        world = World()
    _login(client, world.reviewer.email)
    clock.advance(twofactor.PENDING_MAX_AGE_SECONDS + 1)
    r = _code(client, clock.code(world.reviewer.totp_secret))
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert client.get("/cases/").status_code == 302


def test_approving_needs_a_recent_password_and_code(client, app, clock):
    with setup(app):
        world = World()
        keys_service.init_demo(world.vb)
        case = world.reviewed_case()
    secret = world.reviewer.totp_secret
    _login(client, world.reviewer.email)
    _code(client, clock.code(secret))
    clock.advance(app.config["REAUTH_MAX_AGE_SECONDS"] + 1)  # ten minutes and a second later

    r = client.post(f"/cases/{case.id}/actions/approve")
    assert r.status_code == 303
    assert r.headers["Location"] == f"/reauth?next=/cases/{case.id}"
    page = client.get(r.headers["Location"]).text
    assert "confirm it is you first" in page
    assert 'name="password"' in page and 'name="code"' in page
    with app.app_context():
        assert db.session.get(Case, case.id).state == "in_technical_review"

    # A right password alone, or a wrong password with a right code, is not enough.
    r = client.post(f"/reauth?next=/cases/{case.id}", data={"password": PASSWORD, "code": "1"})
    assert r.status_code == 200 and "password or the code is not right" in r.text
    r = client.post(
        f"/reauth?next=/cases/{case.id}",
        data={"password": "not-the-password", "code": clock.code(secret)},
    )
    assert "password or the code is not right" in r.text
    r = client.post(
        f"/reauth?next=/cases/{case.id}", data={"password": PASSWORD, "code": clock.code(secret)}
    )
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case.id}"

    r = client.post(f"/cases/{case.id}/actions/approve")
    assert r.status_code == 302 and r.headers["Location"] == f"/cases/{case.id}"
    with app.app_context():
        assert db.session.get(Case, case.id).state == "approved"


def test_reauth_without_two_factor_asks_only_for_the_password(client, app, clock):
    with setup(app):
        world = World()
    _login(client, world.sme_member.email)
    page = client.get("/reauth?next=https://evil.example.com/").text
    assert 'name="password"' in page and 'name="code"' not in page
    r = client.post("/reauth?next=https://evil.example.com/", data={"password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard"  # stays on the site


def test_turning_off_and_new_recovery_codes_need_a_current_code(client, app, clock):
    with setup(app):
        world = World()
    sign_in(client, world.reviewer)
    secret = world.reviewer.totp_secret

    r = client.post(
        "/account/two-factor/recovery-codes", data={"codes-code": _wrong(clock, secret)}
    )
    assert r.status_code == 302
    r = client.post("/account/two-factor/recovery-codes", data={"codes-code": clock.code(secret)})
    codes = RECOVERY.findall(r.text)
    assert len(codes) == 10 and r.headers["Cache-Control"] == "no-store"

    r = client.post("/account/two-factor/disable", data={"disable-code": _wrong(clock, secret)})
    assert "not valid" in client.get(r.headers["Location"]).text
    assert twofactor.is_enabled(_reload(app, world.reviewer.id))
    r = client.post("/account/two-factor/disable", data={"disable-code": codes[0]})
    assert r.status_code == 302
    assert not twofactor.is_enabled(_reload(app, world.reviewer.id))
    # A reviewer must have it: straight back to enrolment.
    assert client.get("/cases/").headers["Location"].startswith("/account/two-factor/setup")


def test_required_roles_come_from_configuration(app, make_app, clock):
    with pytest.raises(ValueError, match="unknown roles"):
        make_app({"TWO_FACTOR_REQUIRED_ROLES": ["verifer"]})
    relaxed = make_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False, "TWO_FACTOR_REQUIRED_ROLES": []}
    )
    with setup(app):
        world = World()
        newcomer = user(world.vb, Role.VERIFIER)
    assert twofactor.is_enabled(newcomer)  # the factory follows the app's configuration
    with setup(relaxed):
        optional = user(world.vb, Role.VERIFIER)
    assert not twofactor.is_enabled(optional)
    client = relaxed.test_client()
    _login(client, optional.email)
    assert client.get("/cases/").status_code == 200


def test_demo_totp_prints_the_current_code(app, clock):
    from verification.accounts.services import create_organisation
    from verification.demo.seed import TOTP_SECRET

    with setup(app):
        body = create_organisation(OrgKind.VERIFICATION_BODY, "Demo-ish body")
        demo = create_user(body, Role.REVIEWER, "r@demo.test", "R", PASSWORD)
        twofactor.enable_with_secret(demo, TOTP_SECRET)
        other = user(body, Role.REVIEWER)
    runner = app.test_cli_runner()
    r = runner.invoke(args=["demo", "totp", "r@demo.test"])
    assert r.exit_code == 0 and r.output.strip() == clock.code(TOTP_SECRET)
    r = runner.invoke(args=["demo", "totp", other.email])  # a real secret is never printed
    assert r.exit_code != 0 and "not a demo user" in r.output


def test_codes_and_drift_window():
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    at = 1_800_000_015.0
    step = int(at) // 30
    for offset in (-1, 0, 1):
        code = twofactor.code_at(secret, at + 30 * offset)
        assert step + offset in twofactor.matching_steps(secret, code, at)
    assert twofactor.matching_steps(secret, twofactor.code_at(secret, at + 60), at) == []
    code = twofactor.new_recovery_code()
    assert twofactor.looks_like_recovery_code(code) and len(code) * 5 == 80  # bits
    assert twofactor.hash_recovery_code(code) == twofactor.hash_recovery_code(
        twofactor.grouped(code.lower(), sep="-")
    )


def test_an_operator_resets_two_factor_for_a_lost_phone(client, app, clock):
    with setup(app):
        world = World()
    sign_in(client, world.reviewer)
    r = client.post(
        "/account/two-factor/recovery-codes",
        data={"codes-code": clock.code(world.reviewer.totp_secret)},
    )
    assert len(RECOVERY.findall(r.text)) == 10
    r = app.test_cli_runner().invoke(args=["users", "reset-two-factor", world.reviewer.email])
    assert r.exit_code == 0 and "sessions are ended" in r.output, r.output
    assert not twofactor.is_enabled(_reload(app, world.reviewer.id))
    with app.app_context():
        assert twofactor.remaining_recovery_codes(world.reviewer) == 0
    assert client.get("/cases/").headers["Location"].startswith("/login")
    _login(client, world.reviewer.email)  # the password alone, then straight to enrolment
    assert client.get("/cases/").headers["Location"].startswith("/account/two-factor/setup")


@pytest.mark.parametrize(
    "typed", ["ß,C÷Ú", "１２３４５６", "12345", "1234567", "١٢٣٤٥٦", "12-34-5x"]
)
def test_codes_that_are_not_codes_are_refused_not_an_error(client, app, typed):
    with setup(app):
        world = World()
    sign_in(client, world.sme_member)
    client.get("/account/two-factor/setup")
    r = client.post("/account/two-factor/setup", data={"code": typed})
    assert r.status_code == 200 and "does not match" in r.text
    assert twofactor.matching_steps("JBSWY3DPEHPK3PXP", typed, 1_800_000_000.0) == []

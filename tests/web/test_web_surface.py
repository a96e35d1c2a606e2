"""The web surface (verification/security.py): headers, cookies, session expiry, input limits.

Through HTTP as a browser or a script would meet them, refused paths included.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import PASSWORD, World, setup, sign_in
from verification import security

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _headers_ok(response) -> None:
    h = response.headers
    assert h["Content-Security-Policy"] == EXPECTED_CSP
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"


def test_every_kind_of_response_carries_the_headers(app, client):
    answers = [
        client.get("/"),  # a page
        client.get("/static/site.css"),  # a static file
        client.get("/api/v1/openapi.json"),  # JSON
        client.get("/no-such-page"),  # an error page
        client.post("/api/v1/verify"),  # a JSON error
        client.get("/cases/"),  # a redirect to the login page
    ]
    assert [r.status_code for r in answers] == [200, 200, 200, 404, 400, 302]
    for response in answers:
        _headers_ok(response)
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP
        response.close()


def _hsts(app, **request) -> str | None:
    return app.test_client().get("/", **request).headers.get("Strict-Transport-Security")


def test_hsts_only_over_https_and_through_a_trusted_proxy_only(make_app):
    plain = make_app()
    assert _hsts(plain, base_url="https://platform.example") == "max-age=31536000"
    # A forwarded scheme counts only when the proxy is trusted (PROXY_FIX).
    forwarded = {"X-Forwarded-Proto": "https"}
    assert _hsts(plain, headers=forwarded) is None
    proxied = make_app({"PROXY_FIX": {"x_for": 1, "x_proto": 1}})
    assert _hsts(proxied, headers=forwarded) == "max-age=31536000"
    assert _hsts(make_app({"HSTS_MAX_AGE": 0}), base_url="https://platform.example") is None


def test_templates_and_static_files_hold_the_csp():
    """No inline script, event handler, style attribute or javascript: URL anywhere."""
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\bstyle\s*=|<style\b|javascript:", re.I
    )
    found = []
    for path in sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/**/*")]):
        # The statement PDF is rendered by WeasyPrint from files, never served as a page.
        if path.is_dir() or path.name == "statement.html" or path.suffix == ".css":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if inline.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def _sign_in_by_form(client, user) -> object:
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


@pytest.mark.parametrize(
    ("base_url", "overrides", "secure"),
    [
        ("http://127.0.0.1:5000", {}, False),  # `make run` on a laptop
        ("https://platform.example", {}, True),
        ("https://platform.example", {"SESSION_COOKIE_SECURE": False}, False),
    ],
)
def test_session_cookie_flags(make_app, base_url, overrides, secure):
    made = make_app({"PUBLIC_BASE_URL": base_url, "WTF_CSRF_ENABLED": False, **overrides})
    assert made.config["SESSION_COOKIE_SECURE"] is secure
    assert made.config["REMEMBER_COOKIE_SECURE"] is (secure if not overrides else True)
    with setup(made):
        sme = World().sme_member  # signs in with a password alone
    response = _sign_in_by_form(made.test_client(), sme)
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower()
    assert ("secure" in attributes) is secure
    assert "expires" not in attributes  # gone with the browser; the server ends it anyway


def test_settings_come_from_the_environment_as_json(make_app, monkeypatch):
    monkeypatch.setenv("VERIFICATION_SESSION_IDLE_TIMEOUT", "600")
    monkeypatch.setenv("VERIFICATION_PERMANENT_SESSION_LIFETIME", "3600")
    monkeypatch.setenv("VERIFICATION_SESSION_COOKIE_SECURE", "true")
    made = make_app()
    assert made.config["SESSION_IDLE_TIMEOUT"] == 600
    assert made.permanent_session_lifetime.total_seconds() == 3600
    assert made.config["SESSION_COOKIE_SECURE"] is True
    assert made.config["REMEMBER_COOKIE_DURATION"] == 3600


@pytest.fixture
def clock(monkeypatch):
    """The session clock, moved by hand."""
    now = {"t": 1_800_000_000}
    monkeypatch.setattr(security, "_now", lambda: now["t"])
    return now


def test_an_idle_session_ends_with_a_message(app, client, clock):
    with setup(app):
        sme = World().sme_member  # signs in with a password alone
    assert _sign_in_by_form(client, sme).status_code == 302
    assert client.get("/cases/").status_code == 200
    clock["t"] += 29 * 60
    assert client.get("/cases/").status_code == 200  # activity keeps it alive...
    clock["t"] += 29 * 60
    assert client.get("/cases/").status_code == 200  # ...29 minutes after the last request
    clock["t"] += 31 * 60
    response = client.get("/cases/?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/cases/?page%3D2"
    page = client.get(response.headers["Location"])
    assert "You were signed out after 30 minutes without activity" in page.get_data(as_text=True)
    assert client.get("/cases/").status_code == 302  # signed out for good
    clock["t"] += 60
    assert _sign_in_by_form(client, sme).status_code == 302  # and can sign in again
    assert client.get("/cases/").status_code == 200


def test_a_session_ends_after_its_lifetime_however_busy(app, client, clock):
    with setup(app):
        sme = World().sme_member  # signs in with a password alone
    sign_in(client, sme)  # a session made without the sign-in form starts at its first request
    for _ in range(8 * 3):
        assert client.get("/cases/").status_code == 200
        clock["t"] += 20 * 60
    clock["t"] += 60  # 8 hours and a minute after the first request
    response = client.post("/logout")  # any request, a POST too
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "You were signed out: a session lasts 8 hours" in page


def test_an_expired_session_on_the_api_is_simply_anonymous(app, client, clock):
    with setup(app):
        sme = World().sme_member  # signs in with a password alone
    sign_in(client, sme)
    assert client.get("/cases/").status_code == 200
    clock["t"] += 3600
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/cases/").status_code == 302


def test_oversized_and_malformed_input_is_refused_before_any_view(app, client):
    big_form = "email=" + "x" * (app.config["BODY_MAX_BYTES"] + 1)
    response = client.post(
        "/login", data=big_form, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    big_json = "[" * 3_000_000
    response = client.post("/api/v1/carbon/calc", data=big_json, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["status"] == 413

    long_field = {"email": "é" * (app.config["FORM_FIELD_MAX_CHARS"] + 1), "password": "x"}
    for multipart in (False, True):
        kind = {"content_type": "multipart/form-data"} if multipart else {}
        response = client.post("/login", data=long_field, **kind)
        assert response.status_code == 413
        assert "A field of the form is longer than the platform accepts" in response.get_data(
            as_text=True
        )

    # NUL: PostgreSQL cannot compare or store it, so it never reaches a query.
    assert client.get("/registry?q=a%00b").status_code == 400
    assert client.get("/api/v1/statements/VS-2026-%00").get_json()["status"] == 400
    nul = {"email": "a\x00@example.com", "password": "x"}
    assert client.post("/login", data=nul).status_code == 400
    assert client.get("/registry?q=plain").status_code == 200


def test_a_view_setting_a_header_of_the_list_keeps_its_own(app):
    from flask import Response

    response = Response("x", headers={"X-Frame-Options": "SAMEORIGIN"})
    with app.test_request_context("/"):
        security.add_headers(response)
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_request_without_cookies_gets_none(app, client):
    """The API is read by scripts without cookies: none is set for them, its answers do
    not vary by cookie, and a signed-in person's session still is kept."""
    for path in ("/api/v1/openapi.json", "/api/v1/statements/VS-2026-000001"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
        assert "Cookie" not in response.headers.get("Vary", ""), path
    with setup(app):
        person = World().sme_user
    sign_in(client, person)
    assert client.get("/cases/").status_code == 200


def test_error_answers_keep_their_own_headers(app, client):
    response = client.post("/registry")  # GET only
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    _headers_ok(response)

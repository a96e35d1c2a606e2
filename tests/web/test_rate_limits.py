"""Rate limits: off in tests unless turned on; then 429 as JSON for the API and as a page for
people, per address; counts shared through Redis when configured; never a 500."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import TEST_BROKER


def _address() -> dict:
    """A client address of its own (counts in Redis outlive a test run by a minute)."""
    return {"REMOTE_ADDR": f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:8]}"}


def test_limits_are_off_in_tests_and_on_otherwise(app, client, make_app):
    assert app.config["RATELIMIT_ENABLED"] is False
    answers = {client.get("/api/v1/organisations").status_code for _ in range(320)}
    assert answers == {200}  # past the default 300 per minute
    assert make_app().config["RATELIMIT_ENABLED"] is True


def test_over_the_limit_the_api_answers_429_in_json(app, make_app):
    limited = make_app({"RATELIMIT_PUBLIC": "3 per minute"})
    client = limited.test_client()
    env = _address()
    for _ in range(3):
        assert client.get("/api/v1/organisations", environ_base=env).status_code == 200
    r = client.get("/api/v1/organisations", environ_base=env)
    assert r.status_code == 429 and r.mimetype == "application/json"
    assert r.get_json() == {
        "error": "Too many requests; wait a moment and try again.",
        "status": 429,
    }
    assert 0 < int(r.headers["Retry-After"]) <= 60
    # counted per route and per address
    assert client.get("/api/v1/openapi.json", environ_base=env).status_code == 200
    assert client.get("/api/v1/organisations", environ_base=_address()).status_code == 200


def test_over_the_limit_people_get_a_page(app, make_app):
    limited = make_app({"RATELIMIT_PUBLIC": "2 per minute"})
    client = limited.test_client()
    env = _address()
    assert [client.get("/registry", environ_base=env).status_code for _ in range(2)] == [200, 200]
    r = client.get("/registry", environ_base=env)
    assert r.status_code == 429 and r.mimetype == "text/html"
    assert "<h1>429</h1>" in r.text and "Too many requests; wait a moment" in r.text
    assert "Retry-After" in r.headers
    # pages that are not public are not counted
    assert client.get("/login", environ_base=env).status_code == 200


def test_sign_in_and_pdf_checks_have_limits_of_their_own(app, make_app):
    limited = make_app(
        {
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_LOGIN": "2 per minute",
            "RATELIMIT_UPLOAD": "2 per minute",
        }
    )
    client = limited.test_client()
    env = _address()
    form = {"email": "nobody@example.com", "password": "x" * 12}
    assert [client.post("/login", data=form, environ_base=env).status_code for _ in range(2)] == [
        200,
        200,
    ]
    r = client.post("/login", data=form, environ_base=env)
    assert r.status_code == 429 and "Too many requests" in r.text
    assert client.get("/login", environ_base=env).status_code == 200  # only sign-ins count
    for _ in range(2):
        assert client.post("/api/v1/verify", environ_base=env).status_code == 400  # no file
    assert client.post("/api/v1/verify", environ_base=env).status_code == 429
    assert client.post("/verify", environ_base=env).status_code == 200  # a route of its own
    assert client.get("/api/v1/openapi.json", environ_base=env).status_code == 200


@pytest.mark.skipif(
    not (TEST_BROKER or "").startswith("redis://"), reason="needs VERIFICATION_TEST_BROKER_URL"
)
def test_counts_are_shared_through_redis(app, make_app):
    """Two processes (here two apps) on one Redis count together, as gunicorn workers do."""
    shared = {"RATELIMIT_STORAGE_URI": TEST_BROKER, "RATELIMIT_PUBLIC": "3 per minute"}
    one, two = make_app(shared).test_client(), make_app(shared).test_client()
    env = _address()
    assert one.get("/registry", environ_base=env).status_code == 200
    assert two.get("/registry", environ_base=env).status_code == 200
    assert one.get("/registry", environ_base=env).status_code == 200
    assert two.get("/registry", environ_base=env).status_code == 429


def test_unreachable_storage_lets_requests_through(app, make_app, caplog):
    broken = make_app({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"}).test_client()
    assert broken.get("/api/v1/organisations", environ_base=_address()).status_code == 200
    assert "request let through" in caplog.text


@pytest.mark.parametrize("setting", ["RATELIMIT_PUBLIC", "RATELIMIT_UPLOAD", "RATELIMIT_LOGIN"])
def test_a_malformed_limit_stops_the_app_with_its_name(app, make_app, setting):
    """Found at start-up even with the limits off (as in tests), not on the first request."""
    with pytest.raises(ValueError, match=setting):
        make_app({setting: "lots per minute", "RATELIMIT_ENABLED": False})

"""The lender part of API v1: organisation search, lookup by PDF hash, the watchlist and the
portfolio, with their honest status codes; schemathesis again, this time with a token."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import World, org, setup, user
from verification.accounts import api_tokens
from verification.accounts.models import OrgKind, Role
from verification.extensions import db
from verification.registry.openapi import SPEC
from verification.statements import lifecycle
from verification.statements.models import Statement

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(app):
    """An issued statement, tokens of a lender analyst (with and without the scope) and of
    a platform admin (with it), and a second lender."""
    with setup(app):
        world = World()
        _case, world.statement = world.issued_case()
        world.unissued_id = world.other_sme_user.organisation_id
        world.token = api_tokens.create(world.lender, "risk", ["watchlist"])[1]
        world.narrow = api_tokens.create(world.lender, "me", ["account:read"])[1]
        world.admin_token = api_tokens.create(world.admin, "ops", ["watchlist"])[1]
        world.other = user(org(OrgKind.LENDER), Role.LENDER_ANALYST)
        world.other_token = api_tokens.create(world.other, "risk", ["watchlist"])[1]
    return world


def _auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_organisation_search_shows_only_organisations_with_statements(app, world):
    client = app.test_client()
    r = client.get("/api/v1/organisations", query_string={"q": world.sme.name.upper()})
    assert r.status_code == 200
    (found,) = r.get_json()["organisations"]
    assert found["id"] == world.sme.id and found["statements"] == 1
    assert found["latest_statement"]["number"] == world.statement.number
    assert set(found) == {"id", "name", "country", "sector", "statements", "latest_statement"}
    everyone = client.get("/api/v1/organisations").get_json()["organisations"]
    assert [o["id"] for o in everyone] == [world.sme.id]  # not the SME without a statement
    # the text is matched as it is: % and _ are not wildcards
    for q in ("%", "_", "sme%"):
        assert client.get("/api/v1/organisations", query_string={"q": q}).json == {
            "organisations": []
        }


def test_lookup_by_pdf_hash(app, world):
    client = app.test_client()
    digest = world.statement.pdf_sha256
    r = client.get(f"/api/v1/verify/{digest.upper()}")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["sha256"], body["registered"], body["status"]) == (digest, True, "valid")
    assert body["statement"]["number"] == world.statement.number
    assert client.get(f"/api/v1/verify/{'0' * 64}").status_code == 404
    bad = client.get("/api/v1/verify/not-a-hash")
    assert bad.status_code == 400 and bad.get_json()["status"] == 400
    with setup(app):
        statement = db.session.get(Statement, world.statement.id)
        lifecycle.revoke(statement, world.vb_admin, "Withdrawn.")
    assert client.get(f"/api/v1/verify/{digest}").get_json()["status"] == "revoked"


def test_tokens_scopes_and_roles(app, world):
    client = app.test_client()
    for method, path in (
        ("GET", "/api/v1/watchlist"),
        ("POST", "/api/v1/watchlist"),
        ("DELETE", f"/api/v1/watchlist/{world.sme.id}"),
        ("GET", "/api/v1/portfolio"),
    ):
        assert client.open(path, method=method).status_code == 401
        assert client.open(path, method=method, headers=_auth("vt_nope")).status_code == 401
        narrow = client.open(path, method=method, headers=_auth(world.narrow))
        assert narrow.status_code == 403 and "watchlist" in narrow.get_json()["error"]
        admin = client.open(path, method=method, headers=_auth(world.admin_token))
        assert admin.status_code == 403 and "people of a lender" in admin.get_json()["error"]


def test_the_watchlist_through_the_api(app, world):
    client = app.test_client()
    auth = _auth(world.token)
    assert client.get("/api/v1/watchlist", headers=auth).json == {"watchlist": []}

    r = client.post(
        "/api/v1/watchlist", json={"organisation_id": world.sme.id, "note": "Loan 7"}, headers=auth
    )
    assert r.status_code == 201
    entry = r.get_json()
    assert entry["organisation"]["id"] == world.sme.id and entry["note"] == "Loan 7"
    assert entry["added_by"] == world.lender.name
    assert entry["latest_statement"]["number"] == world.statement.number

    again = client.post("/api/v1/watchlist", json={"organisation_id": world.sme.id}, headers=auth)
    assert again.status_code == 409
    for missing in (world.unissued_id, 999_999, 2**31 - 1):
        r = client.post("/api/v1/watchlist", json={"organisation_id": missing}, headers=auth)
        assert r.status_code == 404, missing
    for body in (
        None,
        [],
        {},
        {"organisation_id": "1"},
        {"organisation_id": True},
        {"organisation_id": 1.0},
        {"organisation_id": 0},
        {"organisation_id": 2**31},
        {"organisation_id": 10**40},
        {"organisation_id": world.sme.id, "note": 5},
        {"organisation_id": world.sme.id, "note": "x" * 501},
        {"organisation_id": world.sme.id, "colour": "red"},
    ):
        r = client.post("/api/v1/watchlist", json=body, headers=auth)
        assert r.status_code == 422 and r.get_json()["status"] == 422, body
    not_json = client.post("/api/v1/watchlist", data="organisation_id=1", headers=auth)
    assert not_json.status_code == 422

    listed = client.get("/api/v1/watchlist", headers=auth).get_json()["watchlist"]
    assert [e["organisation"]["id"] for e in listed] == [world.sme.id]
    # another lender's list is its own
    other = _auth(world.other_token)
    assert client.get("/api/v1/watchlist", headers=other).json == {"watchlist": []}
    assert client.delete(f"/api/v1/watchlist/{world.sme.id}", headers=other).status_code == 404

    summary = client.get("/api/v1/portfolio", headers=auth).get_json()
    assert summary["organisations"] == 1 and summary["statuses"]["valid"] == 1

    r = client.delete(f"/api/v1/watchlist/{world.sme.id}", headers=auth)
    assert r.status_code == 204 and r.data == b""
    assert client.delete(f"/api/v1/watchlist/{world.sme.id}", headers=auth).status_code == 404
    assert client.delete(f"/api/v1/watchlist/{10**30}", headers=auth).status_code == 404
    assert client.get("/api/v1/watchlist", headers=auth).json == {"watchlist": []}


def test_a_revoked_token_stops_at_once(app, world):
    client = app.test_client()
    assert client.get("/api/v1/watchlist", headers=_auth(world.token)).status_code == 200
    with setup(app):
        token = api_tokens.tokens_of(world.lender)
        for t in token:
            api_tokens.revoke(world.lender, t.id)
    assert client.get("/api/v1/watchlist", headers=_auth(world.token)).status_code == 401


def test_the_documented_answers_with_a_real_entry(app, world):
    """201, 409, 200 with an entry, the portfolio and 204, each checked against the document."""
    schema = schemathesis.openapi.from_dict(SPEC)
    auth = _auth(world.token)
    watch = schema["/api/v1/watchlist"]["POST"]
    body = {"organisation_id": world.sme.id, "note": "Loan 7"}
    for expected in (201, 409):
        case = watch.Case(body=body, media_type="application/json")
        assert case.call_and_validate(app=app, headers=auth, checks=CHECKS).status_code == expected
    for path in ("/api/v1/watchlist", "/api/v1/portfolio"):
        response = (
            schema[path]["GET"].Case().call_and_validate(app=app, headers=auth, checks=CHECKS)
        )
        assert response.status_code == 200
    hashed = schema["/api/v1/verify/{sha256}"]["GET"].Case(
        path_parameters={"sha256": world.statement.pdf_sha256}
    )
    assert hashed.call_and_validate(app=app, checks=CHECKS).status_code == 200
    found = schema["/api/v1/organisations"]["GET"].Case(query={"q": world.sme.name})
    assert (
        len(json.loads(found.call_and_validate(app=app, checks=CHECKS).text)["organisations"]) == 1
    )
    unwatch = schema["/api/v1/watchlist/{organisation_id}"]["DELETE"].Case(
        path_parameters={"organisation_id": world.sme.id}
    )
    assert unwatch.call_and_validate(app=app, headers=auth, checks=CHECKS).status_code == 204


token_schema = schemathesis.openapi.from_dict(SPEC).include(path_regex="watchlist|portfolio")


@token_schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_the_token_endpoints_answer_as_documented_with_a_token(case, app, world):
    """schemathesis with a working token: the bodies it makes up reach the validation."""
    case.call_and_validate(app=app, headers=_auth(world.token), checks=CHECKS)

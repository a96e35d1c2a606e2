"""The registry search, on /registry and GET /api/v1/statements: organisation or number
(any case, a part of either), methodology code, status as computed today, pages."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import World, org, setup
from verification.accounts.models import OrgKind
from verification.extensions import db
from verification.statements.models import Statement
from verification.timeutil import utcnow


def _copy(world: World, model: Statement, n: int, **changes) -> Statement:
    """Another registered statement like ``model`` (its own case, number and file hash)."""
    fields = {c.key: getattr(model, c.key) for c in Statement.__table__.columns if c.key != "id"}
    fields.update(
        case_id=world.open_case(f"Case {n}").id,
        number=f"VS-2025-{n:06d}",
        pdf_sha256=hashlib.sha256(f"pdf {n}".encode()).hexdigest(),
        issued_at=model.issued_at - timedelta(days=n),
    )
    fields.update(changes)
    row = Statement(**fields)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def registry(app):
    """Five statements: Lotus Textiles (valid, revoked, expired; two methodologies),
    Harbour_Steel 100% (valid) and the factories' SME (the issued one, valid)."""
    today = utcnow().date()
    with setup(app):
        world = World()
        _case, issued = world.issued_case()
        lotus = org(OrgKind.SME, "Lotus Textiles Co.")
        harbour = org(OrgKind.SME, "Harbour_Steel 100%")
        made = {
            "issued": issued.number,
            "lotus_valid": _copy(world, issued, 1, organisation_id=lotus.id).number,
            "lotus_revoked": _copy(
                world, issued, 2, organisation_id=lotus.id, status="revoked"
            ).number,
            "lotus_expired": _copy(
                world,
                issued,
                3,
                organisation_id=lotus.id,
                methodology_code="ghg-inventory",
                valid_until=today - timedelta(days=1),
            ).number,
            "harbour": _copy(world, issued, 4, organisation_id=harbour.id).number,
        }
    return made


def _numbers(client, query: str) -> list[str]:
    body = client.get(f"/api/v1/statements?{query}")
    assert body.status_code == 200, body.text
    return [s["number"] for s in body.get_json()["statements"]]


def test_the_api_filters_combine(client, registry):
    r = registry
    assert _numbers(client, "") == [
        r["issued"],
        r["lotus_valid"],
        r["lotus_revoked"],
        r["lotus_expired"],
        r["harbour"],
    ]  # newest first
    assert _numbers(client, "organisation=lotus") == [
        r["lotus_valid"],
        r["lotus_revoked"],
        r["lotus_expired"],
    ]
    assert _numbers(client, "organisation=LOTUS%20textiles&status=valid") == [r["lotus_valid"]]
    assert _numbers(client, "organisation=lotus&status=expired") == [r["lotus_expired"]]
    assert _numbers(client, "status=revoked") == [r["lotus_revoked"]]
    assert _numbers(client, "methodology=ghg-inventory") == [r["lotus_expired"]]
    assert _numbers(client, "methodology=ghg") == []  # a code, exactly
    assert _numbers(client, "number=vs-2025-00000") == [
        r["lotus_valid"],
        r["lotus_revoked"],
        r["lotus_expired"],
        r["harbour"],
    ]
    assert _numbers(client, f"number={r['issued'][3:]}") == [r["issued"]]
    # LIKE wildcards are taken literally.
    assert _numbers(client, "organisation=%25") == [r["harbour"]]
    assert _numbers(client, "organisation=_") == [r["harbour"]]
    assert _numbers(client, "organisation=nobody") == []


def test_the_api_pages(client, registry):
    first = client.get("/api/v1/statements?per_page=2").get_json()
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (5, 1, 2, 3)
    third = client.get("/api/v1/statements?per_page=2&page=3").get_json()
    assert [s["number"] for s in third["statements"]] == [registry["harbour"]]
    beyond = client.get("/api/v1/statements?per_page=2&page=9").get_json()
    assert beyond["statements"] == [] and beyond["total"] == 5
    record = first["statements"][0]
    assert record["page_url"].endswith(f"/registry/{record['number']}")
    assert record["revoked_at"] is None and record["supersedes"] is None


@pytest.mark.parametrize(
    "query",
    [
        "status=withdrawn",
        "page=0",
        "page=-1",
        "page=x",
        "page=%C2%B2",  # a superscript two: a digit to str.isdigit, not to int()
        "page=100001",
        "per_page=101",
        "per_page=0",
        "organisation=" + "a" * 201,
    ],
)
def test_the_api_refuses_what_it_cannot_answer(client, query):
    r = client.get(f"/api/v1/statements?{query}")
    assert r.status_code == 400 and r.get_json()["status"] == 400


def test_the_registry_page_searches_and_pages(client, registry, app):
    r = registry
    page = client.get("/registry?q=LOTUS").text
    assert all(r[k] in page for k in ("lotus_valid", "lotus_revoked", "lotus_expired"))
    assert r["harbour"] not in page and "3 statements" in page
    page = client.get(f"/registry?q={r['harbour'][-6:]}").text
    assert r["harbour"] in page and r["lotus_valid"] not in page
    page = client.get("/registry?q=lotus&status=expired").text
    assert r["lotus_expired"] in page and r["lotus_valid"] not in page
    page = client.get("/registry?methodology=ghg-inventory").text
    assert r["lotus_expired"] in page and r["issued"] not in page
    assert '<option value="ghg-inventory" selected>' in page
    # Unknown filters are ignored, odd pages are the first.
    page = client.get("/registry?status=bogus&methodology=nope&page=zz").text
    assert "5 statements" in page
    assert client.get("/registry?q=nobody-at-all").text.count("No statement matches.") == 1

    with setup(app):
        world = World()
        model = db.session.scalar(select(Statement).where(Statement.number == r["issued"]))
        for n in range(10, 31):
            _copy(world, model, n)
    first = client.get("/registry").text
    assert "26 statements" in first and "Page 1 of 2" in first and 'id="next-page"' in first
    second = client.get("/registry?page=2").text
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    assert "VS-2025-000030" in second and "VS-2025-000030" not in first

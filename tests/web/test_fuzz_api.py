"""schemathesis against the app's own OpenAPI document, through the WSGI app (no server).

The document is loaded from ``verification/registry/openapi.py`` when the tests are
collected (schemathesis' lazy ``from_fixture`` loader does not run under pytest 9: it sets
``Function._nodeid``, which pytest 9 no longer has), and a test checks that
``/api/v1/openapi.json`` serves exactly that document and describes every /api/ route.

Every operation gets generated requests, valid and invalid
(schemathesis' examples, coverage and fuzzing phases); each answer must not be a server
error, must use a status code and content type the document lists for the operation, and
its body must match the document's schema for that status. Bounded (``max_examples`` per
operation) and deterministic (derandomized, no example database).

The registry holds one issued statement, so the lookup and the upload of a real statement
are checked against the document too, not only the 404 and "not a PDF" answers.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.writer import PdfFileWriter
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import World, setup
from verification.extensions import db
from verification.registry.openapi import SPEC

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 25
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def statement(app):
    with setup(app):
        _case, statement = World().issued_case()
    return statement


schema = schemathesis.openapi.from_dict(SPEC)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
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
def test_api_answers_as_documented(case, app, statement):
    case.call_and_validate(app=app, checks=CHECKS)


def test_a_real_statement_is_answered_as_documented(app, statement):
    lookup = schema["/api/v1/statements/{number}"]["GET"]
    response = lookup.Case(path_parameters={"number": statement.number}).call_and_validate(
        app=app, checks=CHECKS
    )
    assert response.status_code == 200
    assert response.json()["number"] == statement.number

    with app.app_context():
        pdf = app.extensions["file_store"].path(statement.pdf_sha256).read_bytes()
        db.session.rollback()
    upload = schema["/api/v1/verify"]["POST"]
    response = upload.Case(body={"file": pdf}, media_type="multipart/form-data").call_and_validate(
        app=app, checks=CHECKS
    )
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is True
    assert report["statement"]["number"] == statement.number


def _pdf_claiming(number) -> bytes:
    """An unsigned PDF whose embedded statement.json claims ``number``."""
    writer = PdfFileWriter()
    data = json.dumps({"number": number}).encode()
    embedded = embed.EmbeddedFileObject.from_file_data(
        writer, data=data, mime_type="application/json"
    )
    embed.embed_file(
        writer, embed.FileSpec(file_spec_string="statement.json", embedded_data=embedded)
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("number", [5, {"a": 1}, "VS-2026-\x00", "x" * 10_000, "VS-2026-999999"])
def test_a_file_claiming_any_number_is_answered_as_documented(app, number):
    """What a file claims is only believed when it is a statement number (it was echoed as
    it came, and a NUL in it reached PostgreSQL)."""
    upload = schema["/api/v1/verify"]["POST"]
    body = {"file": _pdf_claiming(number)}
    response = upload.Case(body=body, media_type="multipart/form-data").call_and_validate(
        app=app, checks=CHECKS
    )
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is False
    assert report["statement_number"] == (number if number == "VS-2026-999999" else None)
    assert report["checks"]["registered"]["ok"] is False


def test_the_carbon_worked_example_is_answered_as_documented(app):
    blocks = re.findall(r"```json\n(.*?)```", (ROOT / "docs" / "carbon.md").read_text(), re.S)
    document = json.loads(next(b for b in blocks if '"carbon-input/1"' in b))
    calc = schema["/api/v1/carbon/calc"]["POST"]
    response = calc.Case(body=document, media_type="application/json").call_and_validate(
        app=app, checks=CHECKS
    )
    assert response.status_code == 200
    assert response.json()["totals"]["location_kg"] == "93936.1"


def test_the_document_describes_the_api(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == SPEC
    assert SPEC["openapi"].startswith("3.1")
    routes = {
        rule.rule.replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert routes == set(SPEC["paths"]), "every /api/ route is described, and only those"

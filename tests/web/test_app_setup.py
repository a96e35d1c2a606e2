"""The app's set-up: migrations, configuration, CSRF, methodology validation at start."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from verification import create_app
from verification.extensions import db
from verification.methodologies.model import MethodologyError


def test_migrations_have_one_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_match_the_migrated_schema(app):
    """A model change without its migration fails here (on SQLite and on PostgreSQL)."""
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_configuration_layers(monkeypatch, tmp_path, settings, app):
    (tmp_path / "config.py").write_text(
        "PUBLIC_BASE_URL = 'https://from-instance-file.example'\nSTATEMENT_VALIDITY_DAYS = 30\n"
    )
    monkeypatch.setenv("VERIFICATION_STATEMENT_VALIDITY_DAYS", "90")
    layered = create_app({"DATABASE_URL": settings["DATABASE_URL"]}, tmp_path)  # never connects
    app.extensions["celery"].set_default()  # the session's app sends the tasks again
    assert layered.config["PUBLIC_BASE_URL"] == "https://from-instance-file.example"
    assert layered.config["STATEMENT_VALIDITY_DAYS"] == 90  # environment beats the instance file
    assert layered.config["SQLALCHEMY_DATABASE_URI"] == settings["DATABASE_URL"]
    assert (tmp_path / "secret_key").exists()  # generated once, kept in the instance folder


def test_a_broken_methodology_stops_the_start(tmp_path, make_app):
    (tmp_path / "bad.yaml").write_text("code: x\nversion: 1\ntitle: t\npillars: {}\ncriteria: []\n")
    with pytest.raises(MethodologyError, match="bad.yaml: code: .x. is not a valid code"):
        make_app({"METHODOLOGY_DIR": str(tmp_path)})


def test_forms_refuse_a_post_without_csrf_token(app, make_app):
    protected = make_app({"TESTING": True})
    client = protected.test_client()
    r = client.post("/login", data={"email": "a@example.com", "password": "x" * 12})
    assert r.status_code == 400 and "Reload the page" in r.text
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post(
        "/login", data={"email": "a@example.com", "password": "x" * 12, "csrf_token": token}
    )
    assert r.status_code == 200 and "Unknown email or wrong password" in r.text


def test_unknown_pages_and_api_errors_are_friendly(client, app):
    r = client.get("/registry/VS-1999-000001")
    assert r.status_code == 404 and "not yours to see" in r.text
    r = client.get("/api/v1/statements/VS-1999-000001")
    assert r.status_code == 404 and r.get_json()["status"] == 404

"""The flask sub-commands, through Click's runner against the real database."""

from __future__ import annotations

from sqlalchemy import func, select

from verification.accounts.models import User
from verification.cases.models import Case
from verification.extensions import db
from verification.statements.models import SigningCredential, Statement, TrustAnchor


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_organisations_and_users(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["orgs", "create", "--kind", "verification_body", "--name", "Cert Co"])
    assert r.exit_code == 0, r.output
    for role, email in (("verifier", "v@cert.example.com"), ("reviewer", "r@cert.example.com")):
        r = runner.invoke(
            args=[
                "users",
                "create",
                "--org",
                "Cert Co",
                "--role",
                role,
                "--email",
                email,
                "--name",
                role.title(),
                "--password",
                "long-enough-pw",
            ],
        )
        assert r.exit_code == 0, r.output
    r = runner.invoke(
        args=[
            "users",
            "create",
            "--org",
            "Cert Co",
            "--role",
            "lender_analyst",
            "--email",
            "x@cert.example.com",
            "--name",
            "X",
            "--password",
            "long-enough-pw",
        ],
    )
    assert r.exit_code != 0 and "cannot have a lender_analyst user" in r.output
    r = runner.invoke(
        args=[
            "users",
            "create",
            "--org",
            "Nobody",
            "--role",
            "verifier",
            "--email",
            "y@cert.example.com",
            "--name",
            "Y",
            "--password",
            "long-enough-pw",
        ],
    )
    assert r.exit_code != 0 and "No organisation named" in r.output
    assert _count(app, User) == 2

    r = runner.invoke(args=["keys", "init-demo"])
    assert r.exit_code == 0 and "DEMO" in r.output
    runner.invoke(args=["keys", "init-demo"])  # idempotent
    assert (_count(app, TrustAnchor), _count(app, SigningCredential)) == (1, 1)


def test_demo_seed_is_idempotent_and_issues_one_statement(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "sme@demo.test" in first.output and "demo-password-1" in first.output
    assert "lender-admin@demo.test" in first.output
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert (_count(app, User), _count(app, Case), _count(app, Statement)) == (7, 1, 1)
    with app.app_context():
        assert db.session.scalar(select(Case.state)) == "issued"


def test_set_an_organisations_sector(app):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["orgs", "create", "--kind", "sme", "--name", "Old Mill Ltd"])
    assert made.exit_code == 0, made.output
    bad = runner.invoke(args=["orgs", "set-sector", "Old Mill Ltd", "Z"])
    assert bad.exit_code == 1 and "not a NACE Rev. 2 section" in bad.output
    missing = runner.invoke(args=["orgs", "set-sector", "No Such Ltd", "C"])
    assert missing.exit_code == 1 and "no organisation named" in missing.output
    ok = runner.invoke(args=["orgs", "set-sector", "old mill ltd", "c"])
    assert ok.exit_code == 0 and "C - Manufacturing" in ok.output
    with app.app_context():
        from verification.accounts.services import find_organisation

        assert find_organisation("Old Mill Ltd").sector == "C"

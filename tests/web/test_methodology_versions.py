"""Methodologies as versioned data: published versions are frozen, cases keep the text they
were opened on, the CLI lists and validates, and a case runs on each shipped methodology."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import World, setup
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.extensions import db
from verification.methodologies import registry
from verification.methodologies.models import MethodologyRelease
from verification.methodologies.registry import DATA_DIR
from verification.review import services as review
from verification.statements.models import Statement
from verification.workflow.rules import Action

SHIPPED = ("sme-esg-core", "ghg-inventory", "product-footprint", "cbam-installation")


def _open(world, code, version="1.0.0"):
    return world.open_case(f"{code} case", code, version)


def test_a_published_version_is_frozen_and_cases_keep_their_text(app, make_app, tmp_path):
    with setup(app):
        world = World()
        case = _open(world, "sme-esg-core")
        release = db.session.scalar(
            select(MethodologyRelease).where(MethodologyRelease.code == "sme-esg-core")
        )
        assert release.content_hash == case.methodology_hash
        first_question = cases.methodology_of(case).criteria[0].question
        case_id = case.id
    # Someone edits the published file in place.
    edited = tmp_path / "methodologies"
    shutil.copytree(DATA_DIR, edited)
    path = edited / "sme-esg-core-1.0.0.yaml"
    path.write_text(path.read_text().replace(first_question, "An edited question?", 1))
    other = make_app({"METHODOLOGY_DIR": str(edited)})
    with other.app_context():
        world_user = db.session.merge(world.sme_user)
        vb = db.session.merge(world.vb)
        with pytest.raises(cases.CaseError, match="A published version is never edited"):
            cases.open_case(
                world_user,
                registry.get("sme-esg-core", "1.0.0"),
                vb,
                "New",
                date(2025, 1, 1),
                date(2025, 12, 31),
            )
        db.session.rollback()
        # The case opened before reads the text it was opened on, not the edited file.
        from verification.cases.models import Case

        pinned = cases.methodology_of(db.session.get(Case, case_id))
        assert pinned.criteria[0].question == first_question
        assert pinned.content_hash == release.content_hash


def test_cli_lists_and_validates(app, tmp_path):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["methodology", "list"])
    assert listing.exit_code == 0
    for code in SHIPPED:
        assert f"{code} 1.0.0" in listing.output
    assert "not yet published" in listing.output
    files = [str(p) for p in sorted(DATA_DIR.glob("*.yaml"))]
    ok = runner.invoke(args=["methodology", "validate", *files])
    assert ok.exit_code == 0 and ok.output.count(": valid (") == len(files)
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (DATA_DIR / "sme-esg-core-1.0.0.yaml")
        .read_text()
        .replace("answer: choice", "answer: multiple", 1)
    )
    bad = runner.invoke(args=["methodology", "validate", str(broken)])
    assert bad.exit_code == 1
    assert "broken.yaml: criteria[" in bad.output and "].answer: must be one of" in bad.output
    published = runner.invoke(args=["methodology", "publish"])
    assert published.exit_code == 0
    assert "published" in runner.invoke(args=["methodology", "list"]).output


def _answer_everything(world, case):
    """A positive answer to every item and evidence wherever it is asked for."""
    m = cases.methodology_of(case)
    given = {}
    for c in m.criteria:
        if c.answer_type in ("yes_no", "yes_no_partial"):
            given[c.code] = ("yes", None)
        elif c.answer_type == "choice":
            given[c.code] = (max(c.options, key=lambda o: o.points).value, None)
        elif c.answer_type == "number":
            given[c.code] = ("100", c.units[0] if c.units else None)
        elif c.answer_type == "text":
            given[c.code] = ("Described in the attached procedure.", None)
    cases.save_answers(case, world.sme_user, given)
    for c in m.criteria:
        if c.evidence_required:
            world.attach(case, c.code, name=f"{c.code}.pdf")


@pytest.mark.parametrize("code", SHIPPED)
def test_a_case_runs_on_each_shipped_methodology(app, code):
    with setup(app):
        world = World()
        from verification.statements import keys_service
        from verification.statements.issuance import request_issuance, run_issuance

        keys_service.init_demo(world.vb)
        case = _open(world, code)
        _answer_everything(world, case)
        cases.transition(case, Action.SUBMIT, world.sme_user, perm.actor(world.sme_user, case))
        review.assign(
            case,
            world.vb_admin,
            perm.actor(world.vb_admin, case),
            world.verifier.id,
            world.reviewer.id,
        )
        for c in cases.methodology_of(case).criteria:
            review.record_finding(
                case, world.verifier, perm.actor(world.verifier, case), c.code, "conforms", ""
            )
        world.conclude(case, "unmodified", "reasonable", "5")
        cases.transition(
            case, Action.SEND_TO_TECHNICAL_REVIEW, world.verifier, perm.actor(world.verifier, case)
        )
        cases.transition(case, Action.APPROVE, world.reviewer, perm.actor(world.reviewer, case))
        job = request_issuance(case, world.reviewer, enqueue_task=False)
        db.session.commit()
        run_issuance(job.id)
        db.session.commit()
        statement = db.session.scalar(select(Statement).where(Statement.case_id == case.id))
        assert statement is not None and case.state == "issued"
        data = statement.data if hasattr(statement, "data") else None
        assert statement.number.startswith("VS-")
        score = cases.scorecard(case)
        assert (
            score.overall is not None and score.overall == 100
        )  # everything answered and conforming
    del data

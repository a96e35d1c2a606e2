"""`flask score verify` recomputes every stored scorecard and names any that was edited."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from tests.factories import World, setup
from verification.extensions import db
from verification.scoring.canonical import sha256
from verification.scoring.models import StoredScorecard


def _verify(app):
    return app.test_cli_runner().invoke(args=["score", "verify"])


def _issued(app):
    with setup(app):
        World().issued_case()
    with app.app_context():
        return db.session.scalar(select(StoredScorecard))


def test_issuance_stores_a_scorecard_that_recomputes(app):
    row = _issued(app)
    assert row.statement_number.startswith("VS-") and row.engine_version == "esg-2"
    assert sha256(json.loads(row.inputs)) == row.input_hash
    result = _verify(app)
    assert result.exit_code == 0 and "all 1 scorecards recompute identically" in result.output


def _edit(app, sql, **params):
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()


def test_an_edited_output_is_named(app):
    row = _issued(app)
    edited = row.output.replace(f'"overall":"{row.overall}"', '"overall":"99.9"')
    assert edited != row.output
    _edit(app, "UPDATE scorecard SET output = :o WHERE id = :i", o=edited, i=row.id)
    result = _verify(app)
    assert result.exit_code == 1
    assert (
        f"scorecard {row.id} (case {row.case_id}): its stored output does not match"
        in result.output
    )


def test_a_consistent_forgery_is_caught_by_recomputing(app):
    """Inputs edited and their hash updated to match: only recomputing shows it."""
    row = _issued(app)
    inputs = json.loads(row.inputs)
    inputs["criteria"][0]["finding"] = "major_nc"  # the forger lowers one criterion
    _edit(
        app,
        "UPDATE scorecard SET inputs = :n, input_hash = :h WHERE id = :i",
        n=json.dumps(inputs, sort_keys=True, separators=(",", ":")),
        h=sha256(inputs),
        i=row.id,
    )
    result = _verify(app)
    assert result.exit_code == 1
    assert "recomputing gives output" in result.output and f"scorecard {row.id}" in result.output
    assert "1 of 1 scorecards differ" in result.output

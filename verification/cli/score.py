"""``flask score verify``: recompute every stored scorecard and name any that differ."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group(help="Scorecards: recompute and compare.")
def score() -> None:
    pass


@score.command("verify")
@with_appcontext
def verify() -> None:
    """Recompute every stored scorecard from its stored inputs with the engine version it
    names; print each one whose inputs, output or recomputed output do not match (exit 1)."""
    from sqlalchemy import func, select

    from ..extensions import db
    from ..scoring.models import StoredScorecard
    from ..scoring.services import verify_all

    total = db.session.scalar(select(func.count()).select_from(StoredScorecard))
    bad = set()
    for problem in verify_all():
        bad.add(problem.scorecard_id)
        click.echo(f"scorecard {problem.scorecard_id} (case {problem.case_id}): {problem.what}")
    if bad:
        click.echo(f"{len(bad)} of {total} scorecards differ", err=True)
        raise SystemExit(1)
    click.echo(f"all {total} scorecards recompute identically")

"""``flask audit verify`` and ``flask audit show --case ID``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import services, values

audit = AppGroup("audit", help="The hash-chained audit trail.")


@audit.command("verify")
def verify() -> None:
    """Walk the whole chain and name every edited, inserted or deleted event.

    Exit code 0 when intact, 1 when not."""
    report = services.verify_chain()
    if report.intact:
        click.echo(f"audit chain intact: {report.events} events")
        if report.head is not None:
            click.echo(f"head: event {report.head.seq}, hash {report.head.last_hash}")
        return
    for problem in report.problems:
        click.echo(f"- {problem}")
    click.echo(
        f"audit chain NOT intact: {len(report.problems)} problem(s) in {report.events} events"
    )
    raise SystemExit(1)


def _changes(event) -> str:
    before, after = values.loads(event["before"]), values.loads(event["after"])
    parts = []
    for name in sorted(before.keys() | after.keys()):
        if event["action"] == "update":
            parts.append(f"{name}: {before.get(name)!r} -> {after.get(name)!r}")
        else:
            parts.append(f"{name}={(after or before).get(name)!r}")
    return ", ".join(parts)


@audit.command("show")
@click.option("--case", "case_id", type=int, required=True, help="The case's id.")
def show(case_id: int) -> None:
    """Print a case's audit events, oldest first."""
    count = 0
    for event in services.case_events(case_id):
        count += 1
        click.echo(
            f"{event['seq']:>8}  {event['at']:%Y-%m-%d %H:%M:%S}  {event['actor_label']}  "
            f"{event['action']} {event['object_type']} {event['object_id']}  {_changes(event)}"
        )
    if not count:
        click.echo(f"No audit events for case {case_id}.")

"""``flask methodology list | validate FILE | publish``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..methodologies import registry, releases
from ..methodologies.model import MethodologyError, load_file


@click.group(help="Methodologies: list what is loaded, validate a file, publish versions.")
def methodology() -> None:
    pass


@methodology.command("list")
@with_appcontext
def list_methodologies() -> None:
    """Each loaded methodology with its criteria count, hash and publication state."""
    for m in registry.all_methodologies():
        release = releases.release_of(m.code, m.version)
        if release is None:
            state = "not yet published"
        elif release.content_hash == m.content_hash:
            state = f"published {release.published_at:%Y-%m-%d}"
        else:
            state = f"CHANGED since publication (published {release.content_hash[:12]})"
        frameworks = sorted({f for c in m.criteria for f in c.frameworks})
        click.echo(
            f"{m.code} {m.version}  {len(m.criteria)} criteria  sha256:{m.content_hash[:12]}  "
            f"{state}\n    {m.title}\n    frameworks: {', '.join(frameworks)}"
        )


@methodology.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check files against the schema; print each problem with the path inside the file."""
    failed = 0
    for path in files:
        try:
            m = load_file(path)
        except FileNotFoundError:
            click.echo(f"{path}: no such file", err=True)
            failed += 1
        except MethodologyError as exc:
            click.echo(str(exc), err=True)
            failed += 1
        else:
            click.echo(f"{path.name}: valid ({m.code} {m.version}, {len(m.criteria)} criteria)")
    if failed:
        raise SystemExit(1)


@methodology.command("publish")
@with_appcontext
def publish() -> None:
    """Freeze every loaded version not yet published; refuse any whose file has changed."""
    from ..extensions import db

    problems = 0
    for m in registry.all_methodologies():
        try:
            releases.publish(m, registry.raw_file(m.code, m.version))
        except releases.ReleaseConflict as exc:
            click.echo(str(exc), err=True)
            problems += 1
        else:
            click.echo(f"{m.code} {m.version}: published (sha256:{m.content_hash[:12]})")
    db.session.commit()
    if problems:
        raise SystemExit(1)

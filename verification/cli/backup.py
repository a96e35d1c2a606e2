"""``flask backup`` and ``flask restore``: one archive of the database, files and keys."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import backup as service
from ..extensions import db


def _instance() -> service.Instance:
    return service.Instance(
        engine=db.engine,
        metadata=db.metadata,
        storage_dir=Path(current_app.config["STORAGE_DIR"]),
        keys_dir=Path(current_app.config["KEYS_DIR"]),
    )


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Archive to write (default: <instance>/backups/backup-<UTC time>.tar.gz).",
)
@with_appcontext
def backup(output: Path | None):
    """Write the database, evidence/statement files and signing keys (still encrypted)
    to one .tar.gz with a manifest of SHA-256 hashes. Never overwrites a file."""
    output = output or service.default_output(Path(current_app.instance_path))
    started = time.monotonic()
    try:
        result = service.create_backup(_instance(), output)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = result.manifest
    rows = sum(t["rows"] for t in manifest["database"]["tables"])
    files = manifest["files"]
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(
        f"Backup written to {result.path} ({_size(result.size)}, "
        f"{time.monotonic() - started:.1f} s): {rows} rows in "
        f"{len(manifest['database']['tables'])} tables at revision "
        f"{manifest['database']['revision']}, {files['objects']} stored files, "
        f"{files['keys']} key files."
    )
    click.echo("It holds password hashes and personal data: keep it as safe as the database.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(archive: Path, yes: bool):
    """Restore ARCHIVE into this empty instance (schema at the backup's revision, no rows,
    no stored files, no keys). The whole archive is checked first; nothing is changed if
    it is damaged, altered or does not fit."""
    instance = _instance()
    started = time.monotonic()
    try:
        manifest = service.verify_archive(archive)
        service.check_target(instance, manifest)
    except service.BackupError as exc:
        raise click.ClickException(f"{exc}\nNothing was changed.") from None
    tables = manifest["database"]["tables"]
    click.echo(
        f"{archive} checked: every member matches the manifest "
        f"(written {manifest['created_at']}, revision {manifest['database']['revision']}, "
        f"{sum(t['rows'] for t in tables)} rows, {manifest['files']['objects']} stored files, "
        f"{manifest['files']['keys']} key files)."
    )
    url = instance.engine.url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(
            f"Restore into {url}, {instance.storage_dir} and {instance.keys_dir}?", abort=True
        )
    try:
        result = service.restore_backup(instance, archive, manifest)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Restored {result.rows} rows and {result.files} files ({_size(result.bytes)}) "
        f"in {time.monotonic() - started:.1f} s."
    )

"""``flask keys``: demo keys, PKCS#12 import, rotation and the list of credentials."""

import os
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..accounts.models import Organisation, OrgKind
from ..extensions import db
from ..statements import keys_service


@click.group(help="Signing keys and trusted certificates.")
def keys():
    pass


def _bodies(org_name: str | None) -> list[Organisation]:
    query = select(Organisation).where(Organisation.kind == str(OrgKind.VERIFICATION_BODY))
    if org_name:
        query = query.where(Organisation.name == org_name)
    bodies = list(db.session.scalars(query))
    if not bodies:
        if org_name:
            raise click.ClickException(f"No verification body named {org_name!r}.")
        raise click.ClickException(
            "No verification body found; create one with `flask orgs create`."
        )
    return bodies


def _describe(credential) -> str:
    state = "active" if credential.active else "inactive"
    if credential.rotated_at is not None:
        state += f", rotated out {credential.rotated_at:%Y-%m-%d %H:%M} UTC"
    return (
        f"sha256:{credential.fingerprint} {credential.source} ({state}), "
        f"valid until {credential.not_after:%Y-%m-%d}: {credential.subject}"
    )


@keys.command("init-demo")
@click.option("--org", "org_name", default=None, help="One verification body (default: all).")
@with_appcontext
def init_demo(org_name):
    """A demo CA and a DEMO signing certificate for each body without an active key."""
    for body in _bodies(org_name):
        credential = keys_service.init_demo(body)
        click.echo(f"{body.name}: {credential.subject} sha256:{credential.fingerprint}")
    db.session.commit()
    click.echo(
        f"DEMO keys are in {keys_service.keys_dir() / keys_service.DEMO_DIR}; not for production."
    )


@keys.command("import-p12")
@click.option("--org", "org_name", required=True, help="The verification body.")
@click.option(
    "--password-env",
    "password_env",
    default=None,
    metavar="VAR",
    help="Read the PKCS#12 password from this environment variable (default: ask).",
)
@click.option(
    "--root",
    "root_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM file with the CA's root (and intermediate) certificates, if the file lacks them.",
)
@click.option(
    "--activate", is_flag=True, help="Sign with it from now on, even if the body has a key."
)
@click.argument("p12_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_p12(org_name, password_env, root_files, activate, p12_file):
    """Import a signing key and certificate (with its chain) from a PKCS#12 file."""
    body = _bodies(org_name)[0]
    if password_env:
        if password_env not in os.environ:
            raise click.ClickException(f"The environment variable {password_env} is not set.")
        password = os.environ[password_env]
    else:
        password = click.prompt("PKCS#12 password", hide_input=True, default="", show_default=False)
    try:
        credential = keys_service.import_pkcs12(
            body,
            p12_file.read_bytes(),
            password.encode(),
            roots=tuple(path.read_bytes() for path in root_files),
            activate=activate,
        )
    except keys_service.KeyRefused as exc:
        db.session.rollback()
        raise click.ClickException(f"Not imported: {exc}.") from exc
    db.session.commit()
    click.echo(f"{body.name}: imported {_describe(credential)}")
    if not credential.active:
        click.echo(
            f"Not yet in use; switch to it with "
            f"`flask keys rotate --org {body.name!r} --to {credential.fingerprint}`."
        )


@keys.command("rotate")
@click.option("--org", "org_name", required=True, help="The verification body.")
@click.option(
    "--to",
    "fingerprint",
    default=None,
    help="Activate this stored credential (SHA-256 fingerprint); default: a new demo key.",
)
@with_appcontext
def rotate(org_name, fingerprint):
    """Switch a body to a new signing key; the old one stays for its statements."""
    body = _bodies(org_name)[0]
    try:
        previous, current = keys_service.rotate(body, to_fingerprint=fingerprint)
    except keys_service.KeyRefused as exc:
        db.session.rollback()
        raise click.ClickException(f"Not rotated: {exc}.") from exc
    db.session.commit()
    if previous is not None:
        click.echo(f"{body.name}: retired {_describe(previous)}")
    click.echo(f"{body.name}: signing with {_describe(current)}")


@keys.command("list")
@click.option("--org", "org_name", default=None, help="One verification body (default: all).")
@with_appcontext
def list_keys(org_name):
    """Every signing credential of each body, active or not."""
    for body in _bodies(org_name):
        click.echo(body.name)
        stored = keys_service.credentials(body)
        for credential in stored:
            click.echo(f"  {_describe(credential)}")
        if not stored:
            click.echo("  no signing key; run `flask keys init-demo` or `flask keys import-p12`")

"""``flask keys init-demo``: a demo CA and signing certificates, clearly labelled DEMO."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..accounts.models import Organisation, OrgKind
from ..extensions import db
from ..statements import keys_service


@click.group(help="Signing keys and trusted certificates.")
def keys():
    pass


@keys.command("init-demo")
@click.option("--org", "org_name", default=None, help="One verification body (default: all).")
@with_appcontext
def init_demo(org_name):
    query = select(Organisation).where(Organisation.kind == str(OrgKind.VERIFICATION_BODY))
    if org_name:
        query = query.where(Organisation.name == org_name)
    bodies = db.session.scalars(query).all()
    if not bodies:
        raise click.ClickException(
            "No verification body found; create one with `flask orgs create`."
        )
    for body in bodies:
        credential = keys_service.init_demo(body)
        click.echo(f"{body.name}: {credential.subject} sha256:{credential.fingerprint}")
    db.session.commit()
    click.echo(
        f"DEMO keys are in {keys_service.keys_dir() / keys_service.DEMO_DIR}; not for production."
    )

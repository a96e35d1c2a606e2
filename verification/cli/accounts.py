"""``flask orgs create``, ``flask orgs set-sector`` and ``flask users create``."""

import click
from flask.cli import with_appcontext

from ..accounts.models import OrgKind, Role
from ..accounts.services import (
    AccountError,
    create_organisation,
    create_user,
    find_organisation,
    update_organisation,
)
from ..extensions import db


@click.group(help="Organisations: SMEs, verification bodies, lenders.")
def orgs():
    pass


@orgs.command("create")
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]), required=True)
@click.option("--name", required=True)
@click.option("--country", default=None)
@click.option("--sector", default=None)
@with_appcontext
def create_org(kind, name, country, sector):
    try:
        org = create_organisation(OrgKind(kind), name, country=country, sector=sector)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"organisation {org.id}: {org.name} ({org.kind})")


@orgs.command("set-sector")
@click.argument("name")
@click.argument("sector")
@with_appcontext
def set_sector(name, sector):
    """Record an organisation's NACE Rev. 2 section (A-U); new cases pin it."""
    from ..sectors import label

    org = find_organisation(name)
    if org is None:
        raise click.ClickException(f"no organisation named {name!r}")
    code = sector.strip().upper()
    try:  # the service of the organisation page; the country is kept as it is
        update_organisation(org, org.country, code)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"{org.name}: sector {label(code)} (cases opened from now on pin it)")


@click.group(help="People: verifiers, reviewers, lender users, admins.")
def users():
    pass


@users.command("create")
@click.option("--org", "org_name", required=True, help="Name of an existing organisation.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
@with_appcontext
def create_user_command(org_name, role, email, name, password):
    org = find_organisation(org_name)
    if org is None:
        raise click.ClickException(
            f"No organisation named {org_name!r}; create it with `flask orgs create`."
        )
    try:
        user = create_user(org, Role(role), email, name, password)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {user.id}: {user.email} ({user.role}) in {org.name}")

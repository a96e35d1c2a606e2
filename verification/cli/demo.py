"""``flask demo seed``: demo organisations, users, keys and one issued statement."""

import click
from flask.cli import with_appcontext


@click.group(help="Demo data for a first look at the product.")
def demo():
    pass


@demo.command("seed")
@with_appcontext
def seed_command():
    from ..demo.seed import seed

    logins = seed()
    click.echo(f"Demo logins (password for all: {logins[0][2]}):")
    for role, email, _password in logins:
        click.echo(f"  {role:<16} {email}")

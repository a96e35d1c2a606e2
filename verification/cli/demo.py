"""``flask demo seed``: demo organisations, users, keys and one issued statement;
``flask demo totp EMAIL``: the current two-factor code of a demo user."""

import click
from flask.cli import with_appcontext


@click.group(help="Demo data for a first look at the product.")
def demo():
    pass


@demo.command("seed")
@with_appcontext
def seed_command():
    from ..demo.seed import TOTP_SECRET, seed

    logins = seed()
    click.echo(f"Demo logins (password for all: {logins[0][2]}):")
    for role, email, _password, secret in logins:
        two_factor = "two-factor: DEMO TOTP secret" if secret else ""
        click.echo(f"  {role:<16} {email:<22} {two_factor}".rstrip())
    click.echo(
        f"DEMO TOTP secret (add it to an authenticator app): {TOTP_SECRET}\n"
        "  or print the current code with: flask demo totp EMAIL"
    )


@demo.command("totp")
@click.argument("email")
@with_appcontext
def totp_command(email):
    """Print the current code of a demo user who has the DEMO TOTP secret."""
    from ..accounts import twofactor
    from ..accounts.services import find_user
    from ..demo.seed import TOTP_SECRET

    user = find_user(email)
    if user is None or not twofactor.is_enabled(user) or user.totp_secret != TOTP_SECRET:
        raise click.ClickException(
            f"{email} is not a demo user with the DEMO TOTP secret (see `flask demo seed`)."
        )
    click.echo(twofactor.code_at(TOTP_SECRET, twofactor.now()))

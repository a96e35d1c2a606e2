"""``flask users reset-two-factor EMAIL``: for a user who lost their phone and their
recovery codes. Whoever runs it has checked who is asking; the platform cannot."""

import click
from flask.cli import with_appcontext

from .accounts import users


@users.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor(email):
    """Turn off a user's two-factor authentication and end their sessions; a role that
    requires it sets it up again at the next sign-in."""
    from ..accounts import twofactor
    from ..accounts.services import find_user
    from ..extensions import db

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the email address {email}.")
    twofactor.reset(user)
    user.end_sessions()
    db.session.commit()
    required = " (their role requires it: they set it up at the next sign-in)"
    click.echo(
        f"Two-factor authentication reset for {user.email}"
        f"{required if twofactor.is_required(user) else ''}; their sessions are ended."
    )

"""What happens after a correct password: the one place a session is started."""

from __future__ import annotations

from flask import redirect, session, url_for
from flask_login import login_user

from . import twofactor


def complete_login(user, next_url: str):
    """Start the user's session and go on; with two-factor authentication on, the session
    only starts once the code is right too (twofactor_views.challenge)."""
    if twofactor.is_enabled(user):
        twofactor.begin_pending(session, user, next_url)
        return redirect(url_for("twofactor.challenge"))
    login_user(user)
    twofactor.record_sign_in(session, second_factor=False)
    return redirect(next_url)

"""Password reset by an emailed, expiring, single-use link."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _

from ..mail import services as mail
from .models import TokenPurpose, User
from .policy import password_problem
from .services import AccountError, find_user, hash_password
from .tokens import consume, find, issue


def request_reset(email: str) -> None:
    """Send a link if the account exists and is active; say nothing either way."""
    user = find_user(email)
    if user is None or not user.active:
        return
    minutes = int(current_app.config["PASSWORD_RESET_TTL_MINUTES"])
    secret = issue(
        TokenPurpose.PASSWORD_RESET, user.email, timedelta(minutes=minutes), user_id=user.id
    )
    link = url_for("team.reset", secret=secret, _external=True)
    mail.queue(
        user.email,
        _("Reset your password"),
        _(
            "Someone asked to reset the password of your account.\n\n"
            "Open this link within %(minutes)d minutes to choose a new one:\n%(link)s\n\n"
            "If it was not you, ignore this message: your password stays as it is.",
            minutes=minutes,
            link=link,
        ),
    )


def reset(secret: str, password: str) -> User:
    """Set the new password and end every session. Raises ``TokenRefused``/``AccountError``."""
    from ..extensions import db

    token = find(TokenPurpose.PASSWORD_RESET, secret, for_update=True)
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        raise AccountError(_("This account is not active."))
    problem = password_problem(password, user_inputs=(user.email, user.name))
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.end_sessions()
    consume(token)
    return user

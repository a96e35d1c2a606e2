"""What happens after a correct password: the one place a session is started."""

from __future__ import annotations

from flask import redirect
from flask_login import login_user


def complete_login(user, next_url: str):
    """Start the user's session and go on. (Two-factor authentication plugs in here.)"""
    login_user(user)
    return redirect(next_url)

"""Flask-Login wiring."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..extensions import db, login_manager


def setup_login(app: Flask) -> None:
    from .models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to continue.")

    @login_manager.user_loader
    def load_user(session_id: str):
        # "<id>:<security stamp>": a reset password or a deactivation changes the stamp,
        # and every session made before it stops here.
        user_id, _sep, stamp = session_id.partition(":")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active or stamp != user.security_stamp:
            return None
        return user

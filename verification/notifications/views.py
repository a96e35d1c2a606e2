"""The bell's page: a signed-in user's notifications, and marking them read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..access import signed_in
from . import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global()
def unread_notifications() -> int:
    """The bell's count in the navigation (0 for someone not signed in)."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    return services.unread_count(current_user)


@bp.route("")
@signed_in()
def index():
    notes = services.recent(current_user)
    return render_template(
        "notifications/index.html",
        notes=[(n, services.render(n)) for n in notes],
        unread=services.unread_count(current_user),
        form=FlaskForm(),
    )


@bp.route("/read", methods=["POST"])
@signed_in()
def mark_read():
    if not FlaskForm().validate_on_submit():  # CSRF only
        abort(400)
    count = services.mark_all_read(current_user)
    flash(_("%(n)d notifications marked read.", n=count), "success")
    return redirect(url_for("notifications.index"))

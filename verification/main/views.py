"""The home page, each role's starting point, and the language switcher."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import public, safe_next, signed_in
from ..accounts.models import LENDER_ROLES, Role
from ..i18n import LANGUAGE_COOKIE

LANGUAGE_COOKIE_DAYS = 365

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    return render_template("main/index.html")


@bp.route("/dashboard")
@signed_in()
def dashboard():
    if current_user.has_role(*LENDER_ROLES):
        return redirect(url_for("lender.index"))
    if current_user.has_role(Role.PLATFORM_ADMIN):
        return redirect(url_for("admin.index"))
    return redirect(url_for("cases.index"))


@bp.route("/language/<code>")
@public
def language(code: str):
    """Remember the interface language in a cookie and go back to the page (``next``, a path
    on this site; else the home page). Only a preference: no session, no account change."""
    if code not in current_app.config["SUPPORTED_LOCALES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next"), fallback="main.index"), 303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_DAYS * 24 * 3600,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response

"""The home page and each role's starting point."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..access import public, signed_in
from ..accounts.models import Role

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    return render_template("main/index.html")


@bp.route("/dashboard")
@signed_in()
def dashboard():
    if current_user.has_role(Role.LENDER_ANALYST):
        return redirect(url_for("lender.index"))
    if current_user.has_role(Role.PLATFORM_ADMIN):
        return redirect(url_for("admin.index"))
    return redirect(url_for("cases.index"))

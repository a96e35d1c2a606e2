"""Sign in, sign out, SME self-registration."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..access import public, safe_next
from ..extensions import db
from . import throttle
from .forms import LoginForm, RegisterForm
from .login_flow import complete_login
from .services import AccountError, authenticate, normalise_email, register_sme

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email, address = normalise_email(form.email.data), request.remote_addr or "-"
        wait = throttle.blocked_minutes(email, address)
        if wait:
            flash(
                _(
                    "Too many failed sign-ins. Try again in %(n)d minutes, or reset your password.",
                    n=wait,
                ),
                "error",
            )
            return render_template("accounts/login.html", form=form), 429
        user = authenticate(email, form.password.data)
        if user is not None:
            throttle.clear(email)
            return complete_login(user, safe_next(request.args.get("next")))
        throttle.record_failure(email, address)
        flash(_("Unknown email or wrong password."), "error")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = register_sme(
                form.organisation.data,
                form.country.data.upper(),
                form.sector.data,
                form.name.data,
                form.email.data,
                form.password.data,
            )
        except AccountError as exc:
            db.session.rollback()  # nothing half-written: no organisation without its user
            flash(str(exc), "error")
        else:
            login_user(user)
            flash(_("Welcome. Your organisation is registered."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("accounts/register.html", form=form)

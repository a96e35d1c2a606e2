"""Two-factor authentication in the web app: enrolment, the code after the password, the
settings page, re-authentication before sensitive actions, and the gate that keeps a user
who must have 2FA on the enrolment page until they do.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user, user_logged_in, user_logged_out
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..access import public, safe_next, signed_in
from ..security import may_be_signed_in
from . import throttle, twofactor
from .passwords import check_password

bp = Blueprint("twofactor", __name__)

# Reachable by a signed-in user who must enrol and has not yet (besides @public views).
GATE_EXEMPT = {"static", "twofactor.setup"}


class CodeForm(FlaskForm):
    code = StringField(
        _l("Authentication code"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class ReauthForm(CodeForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


# --- Wiring -----------------------------------------------------------------------------


@bp.record_once
def _setup(state) -> None:
    app: Flask = state.app
    twofactor.check_config(app)
    user_logged_in.connect(_forget_authentication, app)
    user_logged_out.connect(_forget_authentication, app)


def _forget_authentication(sender, user, **extra) -> None:
    twofactor.forget(session)


@bp.before_app_request
def gate():
    """A user with 2FA on needs a session that passed it (one started before 2FA was turned
    on, or by another way in, is ended); a user who must have 2FA and has not enrolled
    sees nothing but the enrolment page, public pages and sign out."""
    if request.endpoint in (None, "static") or not may_be_signed_in():
        return None
    if not current_user.is_authenticated:
        return None
    user = current_user
    if twofactor.is_enabled(user):
        if twofactor.second_factor_passed(session):
            return None
        logout_user()
        flash(_("Please sign in again with your authentication code."), "info")
        return redirect(url_for("accounts.login"), 303)
    if not twofactor.is_required(user) or request.endpoint in GATE_EXEMPT:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "access_rule", None) == "public":
        return None
    target = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
    return redirect(url_for("twofactor.setup", next=target), 302 if target else 303)


def _failed(user, where: str, counted: bool = True) -> None:
    twofactor.failed_attempt(user, where, request.remote_addr, counted=counted)


def _throttled(user, template: str, **context):
    """The answer while the login throttle holds this account or address, else None."""
    wait = twofactor.blocked_minutes(user, request.remote_addr)
    if not wait:
        return None
    flash(_("Too many failed attempts. Try again in %(n)d minutes.", n=wait), "error")
    return render_template(template, **context), 429


def _private(response):
    """Pages with a secret or recovery codes: not kept by the browser or a proxy."""
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Re-authentication ------------------------------------------------------------------


def require_recent_auth(next_url: str, message: str | None = None) -> None:
    """Stop here unless the user entered their password (and code, with 2FA on) within
    REAUTH_MAX_AGE_SECONDS: redirect to /reauth (303 after a POST), which sends them back
    to ``next_url`` -- the page they act from, where they click again.

    For every sensitive action: approving, and later revoking and key operations.
    """
    max_age = current_app.config["REAUTH_MAX_AGE_SECONDS"]
    if twofactor.auth_is_recent(current_user, session, max_age):
        return
    flash(message or _("For your security, confirm it is you before doing this."), "info")
    code = 302 if request.method in ("GET", "HEAD") else 303
    abort(redirect(url_for("twofactor.reauth", next=safe_next(next_url)), code))


@bp.route("/reauth", methods=["GET", "POST"])
@signed_in()
def reauth():
    user = current_user
    form = ReauthForm()
    with_code = twofactor.is_enabled(user)
    if not with_code:
        del form.code
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        refused = _throttled(user, "accounts/twofactor_reauth.html", form=form, with_code=with_code)
        if refused:
            return refused
        # The code is only looked at (and used up) after the right password.
        if check_password(user.password_hash, form.password.data) and (
            not with_code or twofactor.verify(user, form.code.data) is not None
        ):
            twofactor.record_sign_in(session, second_factor=with_code)
            flash(_("Confirmed. You can go on."), "success")
            return redirect(next_url)
        _failed(user, "reauth")
        if with_code:
            flash(_("The password or the code is not right."), "error")
        else:
            flash(_("The password is not right."), "error")
    return render_template("accounts/twofactor_reauth.html", form=form, with_code=with_code)


# --- Signing in -------------------------------------------------------------------------


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
def challenge():
    pending = twofactor.pending_sign_in(session)
    if pending is None:
        flash(_("Please sign in with your email and password first."), "info")
        return redirect(url_for("accounts.login"))
    user, next_url = pending
    form = CodeForm()
    if form.validate_on_submit():
        refused = _throttled(user, "accounts/twofactor_challenge.html", form=form)
        if refused:
            return refused
        method = twofactor.verify(user, form.code.data)
        if method is not None:
            throttle.clear(user.email)
            login_user(user)  # forgets the pending sign-in (user_logged_in)
            twofactor.record_sign_in(session, second_factor=True)
            if method is twofactor.Method.RECOVERY_CODE:
                flash(
                    _(
                        "You used a recovery code; %(n)d remain. If your phone is lost, "
                        "set up two-factor authentication again.",
                        n=twofactor.remaining_recovery_codes(user),
                    ),
                    "info",
                )
            return redirect(safe_next(next_url))
        _failed(user, "sign-in")
        flash(_("That code is not valid, or it has been used already."), "error")
    return render_template("accounts/twofactor_challenge.html", form=form)


# --- Enrolment and settings -------------------------------------------------------------


@bp.route("/account/two-factor")
@signed_in()
def settings():
    user = current_user
    enabled = twofactor.is_enabled(user)
    return render_template(
        "accounts/twofactor_settings.html",
        enabled=enabled,
        required=twofactor.is_required(user),
        remaining=twofactor.remaining_recovery_codes(user) if enabled else 0,
        disable_form=CodeForm(prefix="disable"),
        codes_form=CodeForm(prefix="codes"),
    )


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@signed_in()
def setup():
    user = current_user
    next_url = safe_next(request.args.get("next"))
    if twofactor.is_enabled(user):
        flash(_("Two-factor authentication is already on."), "info")
        return redirect(url_for("twofactor.settings"))
    secret = twofactor.begin_enrolment(user)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(user, form.code.data)
        except twofactor.TwoFactorError as exc:
            _failed(user, "enrolment", counted=False)  # nothing to gain by guessing here
            flash(str(exc), "error")
        else:
            twofactor.record_second_factor(session)
            flash(_("Two-factor authentication is on."), "success")
            # Shown in this response only: never stored, never in the (readable) cookie.
            return _private(
                render_template(
                    "accounts/twofactor_recovery_codes.html", codes=codes, next_url=next_url
                )
            )
    uri = twofactor.provisioning_uri(secret, user.email, current_app.config["TWO_FACTOR_ISSUER"])
    return _private(
        render_template(
            "accounts/twofactor_setup.html",
            form=form,
            qr=twofactor.qr_svg(uri),
            secret=twofactor.grouped(secret),
            required=twofactor.is_required(user),
        )
    )


@bp.route("/account/two-factor/disable", methods=["POST"])
@signed_in()
def disable():
    form = CodeForm(prefix="disable")
    if not twofactor.is_enabled(current_user):
        flash(_("Two-factor authentication is not on."), "info")
    elif not form.validate_on_submit():
        flash(_("Enter a current code to turn two-factor authentication off."), "error")
    else:
        try:
            twofactor.disable(current_user, form.code.data)
        except twofactor.TwoFactorError as exc:
            _failed(current_user, "disable")
            flash(str(exc), "error")
        else:
            flash(_("Two-factor authentication is off."), "success")
    return redirect(url_for("twofactor.settings"))


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@signed_in()
def recovery_codes():
    form = CodeForm(prefix="codes")
    if not twofactor.is_enabled(current_user):
        flash(_("Two-factor authentication is not on."), "info")
    elif not form.validate_on_submit():
        flash(_("Enter a current code to get new recovery codes."), "error")
    else:
        try:
            codes = twofactor.regenerate_recovery_codes(current_user, form.code.data)
        except twofactor.TwoFactorError as exc:
            _failed(current_user, "recovery codes")
            flash(str(exc), "error")
        else:
            flash(_("New recovery codes; the old ones no longer work."), "success")
            return _private(
                render_template(
                    "accounts/twofactor_recovery_codes.html",
                    codes=codes,
                    next_url=url_for("twofactor.settings"),
                )
            )
    return redirect(url_for("twofactor.settings"))

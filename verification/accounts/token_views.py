"""Making and revoking personal API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..access import require, signed_in
from . import api_tokens

bp = Blueprint("tokens", __name__, url_prefix="/account/api-tokens")


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name (what the token is for)"), validators=[DataRequired(), Length(max=100)]
    )
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=[SelectChoice(k, f"{k} - {v}") for k, v in api_tokens.SCOPES.items()],
        validators=[DataRequired()],
    )


@bp.route("/", methods=["GET", "POST"])
@signed_in(*api_tokens.ALLOWED_ROLES)
def index():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        token, secret = api_tokens.create(current_user, form.name.data, form.scopes.data)
        flash(
            _("Token %(name)s made. Copy it now: it is shown only once.", name=token.name),
            "success",
        )
    return render_template(
        "accounts/api_tokens.html",
        form=form,
        tokens=api_tokens.tokens_of(current_user),
        secret=secret,
    )


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@signed_in(*api_tokens.ALLOWED_ROLES)
def revoke(token_id: int):
    require(api_tokens.revoke(current_user, token_id))
    flash(_("Token revoked; it stops working now."), "success")
    return redirect(url_for("tokens.index"))

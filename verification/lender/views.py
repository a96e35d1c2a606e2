"""The lender portal: the watchlist, its alerts, the portfolio summary and its CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..access import signed_in
from ..accounts.models import LENDER_ROLES
from ..notifications.services import render
from ..registry.services import today
from . import alerts, portfolio, services
from .models import NOTE_MAX

bp = Blueprint("lender", __name__, url_prefix="/lender")


class WatchForm(FlaskForm):
    organisation_id = IntegerField(validators=[InputRequired()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


@bp.route("/")
@signed_in(*LENDER_ROLES)
def index():
    q = request.args.get("q", "")[:200]
    entries = services.watchlist(current_user.organisation_id)
    latest = services.latest_statements([e.organisation_id for e in entries])
    found = services.watchable(q) if q.strip() else []
    return render_template(
        "lender/index.html",
        q=q,
        entries=entries,
        latest=latest,
        found=found,
        watched=services.watched_ids(current_user.organisation_id),
        form=WatchForm(formdata=None),
        today=today(),
    )


@bp.route("/watchlist", methods=["POST"])
@signed_in(*LENDER_ROLES)
def add():
    form = WatchForm()
    if not form.validate_on_submit():
        flash(_("Choose an organisation from the search results."), "error")
        return redirect(url_for("lender.index"))
    try:
        entry = services.add(current_user, form.organisation_id.data, form.note.data or "")
    except services.WatchError as exc:
        if exc.status == 409:
            flash(_("This organisation is already on your watchlist."), "error")
        else:
            flash(_("Only organisations with a statement in the registry can be watched."), "error")
        return redirect(url_for("lender.index"))
    flash(_("%(name)s added to your watchlist.", name=entry.organisation.name), "success")
    return redirect(url_for("lender.index"))


@bp.route("/watchlist/<int:organisation_id>/remove", methods=["POST"])
@signed_in(*LENDER_ROLES)
def remove(organisation_id: int):
    if not FlaskForm().validate_on_submit():  # CSRF only
        abort(400)
    if not services.remove(current_user, organisation_id):
        abort(404)
    flash(_("Removed from your watchlist."), "success")
    return redirect(url_for("lender.index"))


@bp.route("/alerts", endpoint="alerts")
@signed_in(*LENDER_ROLES)
def alerts_page():
    notes = alerts.alerts_of(current_user)
    return render_template("lender/alerts.html", notes=[(n, render(n)) for n in notes])


@bp.route("/portfolio", endpoint="portfolio")
@signed_in(*LENDER_ROLES)
def portfolio_page():
    rows = services.portfolio_rows(current_user.organisation_id, today())
    return render_template("lender/portfolio.html", summary=portfolio.summarise(rows))


@bp.route("/portfolio.csv", endpoint="portfolio_csv")
@signed_in(*LENDER_ROLES)
def portfolio_csv_download():
    rows = services.portfolio_rows(current_user.organisation_id, today())
    return Response(
        portfolio.export_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=portfolio-{today()}.csv"},
    )

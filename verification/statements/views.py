"""Issuance progress for the people waiting on it."""

from __future__ import annotations

from flask import Blueprint, jsonify, url_for
from sqlalchemy import select

from ..access import signed_in
from ..cases.views import load_case
from ..extensions import db
from ..i18n import state_name
from .models import IssuanceJob, Statement

bp = Blueprint("statements", __name__)


@bp.route("/cases/<int:case_id>/issuance.json")
@signed_in()
def progress(case_id: int):
    case = load_case(case_id)
    job = db.session.scalar(select(IssuanceJob).where(IssuanceJob.case_id == case.id))
    statement = db.session.scalar(select(Statement).where(Statement.case_id == case.id))
    return jsonify(
        {
            "case_state": case.state,
            "case_state_name": state_name(case.state),
            "status": job.status if job else None,
            "error": job.error if job else None,
            "number": statement.number if statement else None,
            "pdf_url": url_for("registry.pdf", number=statement.number) if statement else None,
        }
    )

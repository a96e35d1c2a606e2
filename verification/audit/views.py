"""A case's audit trail, newest first: who changed what, when, from which value to which."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..access import require, signed_in
from ..cases import permissions as perm
from ..cases.models import Case
from ..extensions import db
from . import services, values

bp = Blueprint("audit", __name__)

PER_PAGE = 50
SHOWN_CHARS = 300  # a long value (a statement's JSON) is cut for the page, never in the trail


def can_view_audit(user, case) -> bool:
    """Whoever may see the case: its organisation's members (their own data), the
    verification body's admin once submitted, its verifier and reviewer, platform admins."""
    return perm.can_view_case(user, case)


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None


def _shown(value) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def changes(event) -> list[Change]:
    before, after = values.loads(event.before), values.loads(event.after)
    return [
        Change(name, _shown(before.get(name)), _shown(after.get(name)))
        for name in sorted(before.keys() | after.keys())
    ]


@bp.route("/cases/<int:case_id>/audit")
@signed_in()
def case_trail(case_id: int):
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    require(can_view_audit(current_user, case))
    page = services.case_page(case.id, request.args.get("page", 1, type=int), PER_PAGE)
    if page is None:
        abort(404)
    rows = [(event, changes(event)) for event in page.events]
    return render_template("cases/audit.html", case=case, page=page, rows=rows)

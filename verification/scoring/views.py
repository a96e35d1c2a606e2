"""The score page of a case: drill-down from grade to criteria, charts, peers, the plan.

Also the improvement plan as CSV and the full canonical scorecard as JSON. Whoever may
view the case may see all three; the improvement plan is for the organisation's members
and the case team (verification body admin, verifier, reviewer) and platform admins.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Blueprint, Response, abort, jsonify, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from .. import charts
from ..access import signed_in
from ..accounts.models import Role
from ..cases import permissions as perm
from ..cases import services as cases
from ..cases.views import load_case
from ..i18n import translate
from . import canonical
from .plan import Action, improvement_plan
from .services import display, peer_position, scorecard_for

bp = Blueprint("scores", __name__, url_prefix="/cases/<int:case_id>")

PLAN_ON_PAGE = 10  # the page shows the top actions; the CSV has them all
KIND_NAMES = {
    "answer": _l("Answer"),
    "attach_evidence": _l("Attach evidence"),
    "correct_nonconformity": _l("Correct a non-conformity"),
    "improve": _l("Improve the practice"),
}
STATUS_NAMES = {
    "verified": _l("verified"),
    "self_declared": _l("self-declared"),
}


def sees_plan(user, case) -> bool:
    """The organisation's members, the case team and platform admins."""
    return (
        perm.is_member(user, case)
        or perm.is_vb_admin(user, case)
        or user.id in (case.verifier_id, case.reviewer_id)
        or user.has_role(Role.PLATFORM_ADMIN)
    )


def kind_name(kind: str) -> str:
    return str(KIND_NAMES.get(kind, kind))


def exact(value: Decimal | None) -> str:
    """Points and weights as the methodology writes them: ``3``, ``1.5``, ``0.75``."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def intensity(value: Decimal | None) -> str:
    """An intensity: one decimal from 1 up, three significant digits below."""
    if value is None:
        return "—"
    if value == 0 or abs(value) >= 1:
        return display(value) or "—"
    digits = value.adjusted()  # -4 for 0.000123
    return format(value.quantize(Decimal(1).scaleb(digits - 2)), "f")


def per_text(basis: str | None, per: str | None) -> str:
    if basis == "revenue":
        return _("kg CO2e per %(per)s of revenue", per=per)
    if basis == "employee":
        return _("kg CO2e per employee")
    if basis == "product":
        return _("kg CO2e per %(per)s of product", per=per)
    return _("kg CO2e per %(per)s", per=per or "—")


def _files_by_criterion(card, evidence: dict) -> dict[str, list]:
    """Each criterion's evidence hashes matched to the case's current files."""
    by_sha: dict[str, dict[int, object]] = {}
    for files in evidence.values():
        for e in files:
            by_sha.setdefault(e.sha256, {})[e.id] = e
    return {
        c.code: [e for sha in c.evidence for e in by_sha.get(sha, {}).values()]
        for c in card.criteria
    }


@bp.route("/score")
@signed_in()
def show(case_id: int):
    case = load_case(case_id)
    methodology = cases.methodology_of(case)
    evidence = cases.evidence_by_criterion(case)
    given, card = scorecard_for(case, evidence=evidence)
    plan = improvement_plan(given, card) if sees_plan(current_user, case) else None
    rating = card.carbon
    return render_template(
        "scores/show.html",
        case=case,
        methodology=methodology,
        card=card,
        questions={c.code: c.question for c in methodology.criteria},
        files=_files_by_criterion(card, evidence),
        peers=peer_position(case, card.overall),
        plan=plan[:PLAN_ON_PAGE] if plan is not None else None,
        plan_size=len(plan) if plan is not None else 0,
        pillar_chart=Markup(
            charts.pillar_bars(
                [(p.title, p.score) for p in card.pillars],
                not_scored=_("not scored"),
                title=_("Pillar scores, 0 to 100"),
            )
        ),
        scope_chart=_scope_chart(case),
        rating=rating,
        rating_status=str(STATUS_NAMES.get(rating.status, rating.status)) if rating else None,
        rating_intensity=intensity(rating.intensity_kg) if rating else None,
        rating_per=per_text(rating.basis, rating.per) if rating else None,
        display=display,
        exact=exact,
        kind_name=kind_name,
        tr=translate,
    )


def _scope_chart(case) -> Markup | None:
    from ..emissions.services import result_of

    result, _problems = result_of(case)
    if result is None or not result.lines:
        return None
    t = result.totals
    thousand = Decimal(1000)
    return Markup(
        charts.scope_bars(
            [
                (_("Scope 1"), t.scope1_kg / thousand),
                (_("Scope 2 location-based"), t.scope2_location_kg / thousand),
                (_("Scope 2 market-based"), t.scope2_market_kg / thousand),
                (_("Scope 3"), t.scope3_kg / thousand),
            ],
            title=_("Emissions by scope, t CO2e"),
            not_available=_("not available"),
        )
    )


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (as in the emissions export)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def plan_csv(actions: list[Action]) -> str:
    """The whole plan, largest gain first, in the user's language."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((_("rank"), _("criterion"), _("action"), _("what to do"), _("points added")))
    for rank, a in enumerate(actions, start=1):
        writer.writerow(
            (
                rank,
                _safe(a.criterion),
                _safe(kind_name(a.kind)),
                _safe(translate(a.what)),
                display(a.gain),
            )
        )
    return out.getvalue()


@bp.route("/score/plan.csv", endpoint="plan_csv")
@signed_in()
def plan_csv_download(case_id: int):
    case = load_case(case_id)
    if not sees_plan(current_user, case):
        abort(403)
    given, card = scorecard_for(case)
    return Response(
        plan_csv(improvement_plan(given, card)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=case-{case.id}-improvement-plan.csv"
        },
    )


@bp.route("/score.json")
@signed_in()
def json(case_id: int):
    case = load_case(case_id)
    _given, card = scorecard_for(case)
    body = canonical.output_dict(card)
    body["output_sha256"] = card.output_hash
    return jsonify(body)

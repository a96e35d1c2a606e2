"""The verifier's conclusion (assurance, materiality, opinion and basis) and site visits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import User
from ..cases.models import Case
from ..cases.services import log
from ..extensions import db
from ..workflow.rules import ASSURANCE_LEVELS, OPINIONS, REVIEWING_STATES, State
from .models import Conclusion, SiteVisit


class ConclusionError(ValueError):
    """Input that cannot be accepted; the message is fit to show."""


def parse_materiality(percent: str) -> str:
    """A threshold given in per cent (e.g. "5") as an exact fraction ("0.05")."""
    try:
        value = Decimal(str(percent).strip().rstrip("%").strip())
    except InvalidOperation:
        raise ConclusionError(_("Give the materiality threshold as a percentage.")) from None
    if not value.is_finite() or value <= 0 or value > 100:
        raise ConclusionError(_("The materiality threshold must be above 0 and at most 100 %."))
    return format((value / 100).normalize(), "f")


def save_conclusion(
    case: Case,
    user: User,
    *,
    assurance_level: str,
    materiality_percent: str,
    opinion: str,
    basis: str,
) -> Conclusion:
    """Draft or redraft the conclusion. Raises :class:`ConclusionError`.

    The materiality threshold is also the one the carbon engine compares the verified and
    reported emissions against, so the case has one threshold, set here.
    """
    if State(case.state) not in REVIEWING_STATES:
        raise ConclusionError(
            _("The conclusion can be drafted only while the case is under review.")
        )
    if assurance_level not in ASSURANCE_LEVELS or opinion not in OPINIONS:
        raise ConclusionError(_("Choose a level of assurance and an opinion."))
    if len(basis or "") > 10000:
        raise ConclusionError(_("Keep the basis under 10,000 characters."))
    materiality = parse_materiality(materiality_percent)
    conclusion = db.session.get(Conclusion, case.id)
    if conclusion is None:
        conclusion = Conclusion(case_id=case.id, updated_by_id=user.id)
        db.session.add(conclusion)
    conclusion.assurance_level, conclusion.materiality = assurance_level, materiality
    conclusion.opinion, conclusion.basis = opinion, (basis or "").strip()
    conclusion.updated_by_id = user.id
    from ..emissions.services import stored_profile

    stored_profile(case).materiality = materiality
    db.session.flush()
    log(
        case, user, "conclusion_drafted", None, None, f"{opinion}, {assurance_level}, {materiality}"
    )
    return conclusion


def add_site_visit(
    case: Case, user: User, *, visited_on: date, site: str, mode: str, notes: str
) -> SiteVisit:
    if State(case.state) not in REVIEWING_STATES:
        raise ConclusionError(_("Site visits are recorded while the case is under review."))
    if mode not in ("physical", "virtual"):
        raise ConclusionError(_("Choose physical or virtual."))
    if not (site or "").strip():
        raise ConclusionError(_("Name the site visited."))
    if visited_on > date.today():
        raise ConclusionError(_("A site visit cannot be recorded before it happens."))
    visit = SiteVisit(
        case_id=case.id,
        visited_on=visited_on,
        site=site.strip(),
        mode=mode,
        notes=(notes or "").strip(),
        recorded_by_id=user.id,
    )
    db.session.add(visit)
    db.session.flush()
    log(case, user, "site_visit_recorded", None, None, f"{visited_on} {site} ({mode})")
    return visit


def site_visits(case: Case) -> list[SiteVisit]:
    return list(
        db.session.scalars(
            select(SiteVisit).where(SiteVisit.case_id == case.id).order_by(SiteVisit.visited_on)
        )
    )

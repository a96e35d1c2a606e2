"""Opening cases, answering criteria, and moving cases through the workflow."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import Organisation, OrgKind, User
from ..evidence.models import EvidenceFile, EvidenceLink
from ..extensions import db
from ..methodologies import registry, releases
from ..methodologies.model import Methodology
from ..review.models import Conclusion, Finding
from ..timeutil import utcnow
from ..workflow.rules import Action, Actor, Assignment, CaseFacts, State, refusals, target
from . import answers
from .models import BOUNDARIES, SITE_MAX, SITES_MAX, Case, CaseEvent


class CaseError(ValueError):
    """Input that cannot be accepted; the message is fit to show the user."""


class TransitionRefused(Exception):
    """The workflow guards refused an action; ``reasons`` says why, in plain words."""

    def __init__(self, reasons: list):
        super().__init__(" ".join(str(r) for r in reasons))
        self.reasons = reasons


def methodology_of(case: Case) -> Methodology:
    """The exact methodology text the case was opened on (see :mod:`..methodologies.releases`)."""
    key = (case.methodology_code, case.methodology_version)
    try:
        current = registry.get(*key)
    except KeyError:
        current = None
    if current is not None and current.content_hash == case.methodology_hash:
        return current
    pinned = releases.frozen(*key, case.methodology_hash)
    if pinned is None:
        raise KeyError(f"{key[0]} {key[1]} with content {case.methodology_hash[:12]} is not known")
    return pinned


def verification_bodies() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == str(OrgKind.VERIFICATION_BODY))
            .order_by(Organisation.name)
        )
    )


def open_case(
    user: User,
    methodology: Methodology,
    verification_body: Organisation,
    title: str,
    period_start: date,
    period_end: date,
    consultant_email: str | None = None,
    sites: str | None = None,
    boundary: str | None = None,
) -> Case:
    """Raises :class:`CaseError` for a reversed period, a body that is not a verification
    body, an unknown boundary or sites out of bounds.

    The case pins the organisation's sector; ``consultant_email`` names an adviser who helped
    prepare the submission (who may then not verify the organisation's cases). ``sites`` (one
    per line) and ``boundary`` (``BOUNDARIES``) are printed on the statement.
    """
    if period_end < period_start:
        raise CaseError(_("The reporting period ends before it starts."))
    sites, boundary = checked_scope(sites, boundary)
    if verification_body.kind != OrgKind.VERIFICATION_BODY:
        raise CaseError(_("Choose a verification body."))
    try:
        releases.publish(methodology, registry.raw_file(methodology.code, methodology.version))
    except releases.ReleaseConflict as exc:
        raise CaseError(str(exc)) from None
    case = Case(
        organisation_id=user.organisation_id,
        verification_body_id=verification_body.id,
        title=title.strip(),
        methodology_code=methodology.code,
        methodology_version=methodology.version,
        methodology_hash=methodology.content_hash,
        period_start=period_start,
        period_end=period_end,
        state=str(State.DRAFT),
        created_by_id=user.id,
        sector=user.organisation.sector,
        consultant_email=(consultant_email or "").strip().lower() or None,
        sites=sites,
        boundary=boundary,
    )
    db.session.add(case)
    db.session.flush()
    log(case, user, "opened", None, State.DRAFT, f"{methodology.code} {methodology.version}")
    reused = answers.prefill_from_previous(case, methodology, methodology_of)
    if reused:
        log(case, user, "answers_reused", None, None, f"{reused} answers prefilled")
    return case


def normalise_sites(text: str | None) -> list[str]:
    """One site per line, blanks and repeats dropped. Raises :class:`CaseError` past
    ``SITES_MAX`` sites or ``SITE_MAX`` characters a site."""
    sites: list[str] = []
    for line in (text or "").splitlines():
        site = " ".join(line.split())
        if site and site not in sites:
            sites.append(site)
    if len(sites) > SITES_MAX:
        raise CaseError(_("List at most %(n)d sites.", n=SITES_MAX))
    if any(len(site) > SITE_MAX for site in sites):
        raise CaseError(_("Each site may have at most %(n)d characters.", n=SITE_MAX))
    return sites


def update_scope(case: Case, user: User, sites: str | None, boundary: str | None) -> None:
    """Change the sites and boundary of a draft (the caller checks it may). Raises
    :class:`CaseError` as :func:`open_case` does."""
    case.sites, case.boundary = checked_scope(sites, boundary)
    log(case, user, "scope_changed", None, None, f"{len(case.site_list)} sites; {boundary or '-'}")


def checked_scope(sites: str | None, boundary: str | None) -> tuple[str | None, str | None]:
    """Sites (stored one per line) and boundary as stored. Raises :class:`CaseError`."""
    if boundary is not None and boundary not in BOUNDARIES:
        raise CaseError(_("Choose one of the boundaries listed."))
    return "\n".join(normalise_sites(sites)) or None, boundary


def last_scope(organisation_id: int) -> tuple[str | None, str | None]:
    """The sites and boundary of the organisation's latest case: a new case starts from them."""
    row = db.session.execute(
        select(Case.sites, Case.boundary)
        .where(Case.organisation_id == organisation_id)
        .order_by(Case.id.desc())
        .limit(1)
    ).first()
    return (row.sites, row.boundary) if row else (None, None)


def log(case: Case, user: User | None, action: str, from_state, to_state, reason=None) -> None:
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_id=user.id if user is not None else None,
            action=action,
            from_state=str(from_state) if from_state else None,
            to_state=str(to_state) if to_state else None,
            reason=reason,
        )
    )


def save_answers(case: Case, user: User, given: dict[str, tuple[str, str | None]]) -> int:
    """Store the non-empty answers in ``given``; all or nothing (see :mod:`.answers`).

    Raises :class:`CaseError` listing every bad answer; nothing is written then.
    """
    try:
        return answers.save_answers(case, user, given, methodology_of(case))
    except answers.AnswerError as exc:
        raise CaseError(str(exc)) from None


def evidence_by_criterion(case: Case) -> dict[str, list[EvidenceFile]]:
    """The current (not replaced) files supporting each criterion, oldest first."""
    rows = db.session.execute(
        select(EvidenceLink.criterion_code, EvidenceFile)
        .join(EvidenceFile, EvidenceLink.evidence_id == EvidenceFile.id)
        .where(EvidenceLink.case_id == case.id, EvidenceFile.superseded_at.is_(None))
        .order_by(EvidenceFile.id)
    )
    grouped: dict[str, list[EvidenceFile]] = {}
    for code, row in rows:
        grouped.setdefault(code, []).append(row)
    return grouped


def findings_by_criterion(case: Case) -> dict[str, Finding]:
    rows = db.session.scalars(select(Finding).where(Finding.case_id == case.id))
    return {f.criterion_code: f for f in rows}


def facts(case: Case, *, evidence=None, findings=None, carbon=None) -> CaseFacts:
    """The plain facts the workflow guards read.

    A caller that already holds the case's evidence, findings or carbon ``(result,
    problems)`` passes them in, so a page reads and computes each only once.
    """
    methodology = methodology_of(case)
    evidence = evidence_by_criterion(case) if evidence is None else evidence
    findings = findings_by_criterion(case) if findings is None else findings
    conclusion = db.session.get(Conclusion, case.id)
    open_ncs = [f for f in findings.values() if f.is_open_nc]
    return CaseFacts(
        state=State(case.state),
        unanswered_mandatory=tuple(
            c.code
            for c in methodology.criteria
            if c.mandatory and c.answer_type != "evidence" and case.answer_for(c.code) is None
        ),
        missing_evidence=tuple(
            c.code
            for c in methodology.criteria
            if c.code not in evidence and answers.needs_evidence(c, case.answer_for(c.code))
        ),
        sites_missing=not case.sites,
        boundary_missing=case.boundary is None,
        without_finding=tuple(c.code for c in methodology.criteria if c.code not in findings),
        material_misstatement=_material_misstatement(case, carbon),
        verifier_id=case.verifier_id,
        reviewer_id=case.reviewer_id,
        open_clarifications=_open_clarifications(case),
        open_major_nc=tuple(f.criterion_code for f in open_ncs if f.outcome == "major_nc"),
        open_minor_nc=tuple(f.criterion_code for f in open_ncs if f.outcome == "minor_nc"),
        opinion=conclusion.opinion if conclusion else None,
        opinion_basis=conclusion.basis if conclusion else "",
        assurance_level=conclusion.assurance_level if conclusion else None,
        materiality_set=bool(conclusion and conclusion.materiality),
    )


def _open_clarifications(case: Case) -> tuple[str, ...]:
    from ..clarifications.services import open_clarification_codes

    return open_clarification_codes(case)


def _material_misstatement(case: Case, carbon=None) -> bool:
    if carbon is None:
        from ..emissions.services import result_of

        carbon = result_of(case)
    result, _problems = carbon
    return bool(result is not None and result.material)


def transition(
    case: Case,
    action: Action,
    user: User | None,
    actor: Actor,
    reason: str | None = None,
    assignment: Assignment | None = None,
) -> None:
    """Apply ``action`` if every guard allows it. Raises :class:`TransitionRefused`."""
    problems = refusals(action, facts(case), actor, assignment)
    if problems:
        raise TransitionRefused(problems)
    before = case.state
    case.state = str(target(action))
    if action is Action.SUBMIT:
        case.submitted_at = utcnow()
    log(case, user, str(action), before, case.state, reason)
    from ..notifications.services import notify_transition

    notify_transition(case, action, user)  # who is told: notifications/rules.py
    db.session.flush()


def scorecard(case: Case, *, evidence=None, findings=None, carbon=None):
    """The case's scorecard as it stands now (engine ``esg-2``, see docs/scoring.md)."""
    from ..scoring.services import scorecard_for

    return scorecard_for(case, evidence=evidence, findings=findings, carbon=carbon)[1]

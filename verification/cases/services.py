"""Opening cases, answering criteria, and moving cases through the workflow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import Organisation, OrgKind, User
from ..evidence.models import EvidenceFile
from ..extensions import db
from ..methodologies import registry
from ..methodologies.model import Criterion, Methodology
from ..review.models import Finding
from ..scoring.engine import CriterionInput, Scorecard, score
from ..timeutil import utcnow
from ..workflow.rules import Action, Actor, Assignment, CaseFacts, State, refusals, target
from .models import Answer, Case, CaseEvent


class CaseError(ValueError):
    """Input that cannot be accepted; the message is fit to show the user."""


class TransitionRefused(Exception):
    """The workflow guards refused an action; ``reasons`` says why, in plain words."""

    def __init__(self, reasons: list):
        super().__init__(" ".join(str(r) for r in reasons))
        self.reasons = reasons


def methodology_of(case: Case) -> Methodology:
    return registry.get(case.methodology_code, case.methodology_version)


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
) -> Case:
    """Raises :class:`CaseError` for a reversed period or a body that is not a verification body."""
    if period_end < period_start:
        raise CaseError(_("The reporting period ends before it starts."))
    if verification_body.kind != OrgKind.VERIFICATION_BODY:
        raise CaseError(_("Choose a verification body."))
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
    )
    db.session.add(case)
    db.session.flush()
    log(case, user, "opened", None, State.DRAFT, f"{methodology.code} {methodology.version}")
    return case


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


def parse_answer(criterion: Criterion, value: str, unit: str | None) -> tuple[str, str | None]:
    """Normalise one answer; raises :class:`CaseError` naming the criterion."""
    value = (value or "").strip()
    if criterion.answer_type == "yes_no":
        if value not in ("yes", "no"):
            raise CaseError(_("%(code)s: answer yes or no.", code=criterion.code))
        return value, None
    if criterion.answer_type == "number":
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            raise CaseError(
                _("%(code)s: %(value)s is not a number.", code=criterion.code, value=value)
            ) from None
        if not number.is_finite() or number < 0:
            raise CaseError(_("%(code)s: enter a number of zero or more.", code=criterion.code))
        allowed = criterion.carbon.units if criterion.carbon else ()
        if allowed and unit not in allowed:
            raise CaseError(
                _(
                    "%(code)s: choose a unit (%(units)s).",
                    code=criterion.code,
                    units=", ".join(allowed),
                )
            )
        return format(number, "f"), (unit if allowed else None)
    if len(value) > 5000:
        raise CaseError(_("%(code)s: keep the answer under 5,000 characters.", code=criterion.code))
    return value, None


def save_answers(case: Case, user: User, given: dict[str, tuple[str, str | None]]) -> int:
    """Store the non-empty answers in ``given`` (code -> (value, unit)); all or nothing.

    Raises :class:`CaseError` listing every bad answer; nothing is written then.
    """
    methodology = methodology_of(case)
    parsed: dict[str, tuple[str, str | None]] = {}
    errors: list[str] = []
    for criterion in methodology.criteria:
        value, unit = given.get(criterion.code, ("", None))
        if not (value or "").strip():
            continue
        try:
            parsed[criterion.code] = parse_answer(criterion, value, unit)
        except CaseError as exc:
            errors.append(str(exc))
    if errors:
        raise CaseError(" ".join(errors))
    changed = 0
    for code, (value, unit) in parsed.items():
        answer = case.answer_for(code)
        if answer is None:
            case.answers.append(
                Answer(criterion_code=code, value=value, unit=unit, answered_by_id=user.id)
            )
            changed += 1
        elif (answer.value, answer.unit) != (value, unit):
            answer.value, answer.unit, answer.answered_by_id = value, unit, user.id
            changed += 1
    db.session.flush()
    return changed


def evidence_by_criterion(case: Case) -> dict[str, list[EvidenceFile]]:
    rows = db.session.scalars(
        select(EvidenceFile).where(EvidenceFile.case_id == case.id).order_by(EvidenceFile.id)
    )
    grouped: dict[str, list[EvidenceFile]] = {}
    for row in rows:
        grouped.setdefault(row.criterion_code, []).append(row)
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
    return CaseFacts(
        state=State(case.state),
        unanswered_mandatory=tuple(
            c.code for c in methodology.criteria if c.mandatory and case.answer_for(c.code) is None
        ),
        missing_evidence=tuple(
            c.code for c in methodology.criteria if c.evidence_required and c.code not in evidence
        ),
        without_finding=tuple(c.code for c in methodology.criteria if c.code not in findings),
        material_misstatement=_material_misstatement(case, carbon),
        verifier_id=case.verifier_id,
        reviewer_id=case.reviewer_id,
    )


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
    db.session.flush()


def scorecard(case: Case, *, evidence=None, findings=None) -> Scorecard:
    evidence = evidence_by_criterion(case) if evidence is None else evidence
    findings = findings_by_criterion(case) if findings is None else findings
    inputs = {
        c.code: CriterionInput(
            answer=a.value if (a := case.answer_for(c.code)) else None,
            has_evidence=c.code in evidence,
            finding=findings[c.code].outcome if c.code in findings else None,
        )
        for c in methodology_of(case).criteria
    }
    return score(methodology_of(case), inputs)

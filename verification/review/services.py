"""Assigning the team and recording findings."""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import Role, User
from ..cases.models import Case
from ..cases.services import TransitionRefused, facts, log, methodology_of, transition
from ..extensions import db
from ..workflow.rules import Action, Actor, Assignment, State, refusals
from .models import Finding, Outcome


def staff(case: Case, role: Role) -> list[User]:
    """Active users of the case's verification body holding ``role``."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.organisation_id == case.verification_body_id,
                User.role == str(role),
                User.active.is_(True),
            )
            .order_by(User.name)
        )
    )


def assign(case: Case, user: User, actor: Actor, verifier_id: int, reviewer_id: int, reason=None):
    """Assign a verifier and an independent reviewer. Raises ``TransitionRefused``."""
    verifier_ok = any(u.id == verifier_id for u in staff(case, Role.VERIFIER))
    reviewer_ok = any(u.id == reviewer_id for u in staff(case, Role.REVIEWER))
    assignment = Assignment(verifier_id, reviewer_id, verifier_ok, reviewer_ok)
    problems = refusals(Action.ASSIGN, facts(case), actor, assignment)
    if problems:
        raise TransitionRefused(problems)
    case.verifier_id, case.reviewer_id = verifier_id, reviewer_id
    transition(case, Action.ASSIGN, user, actor, reason=reason, assignment=assignment)


def record_finding(case: Case, user: User, actor: Actor, code: str, outcome: str, note: str):
    """Record or replace the finding on one criterion; the first finding starts the review.

    Raises KeyError for an unknown criterion and ValueError for an unknown outcome.
    """
    methodology_of(case).criterion(code)
    outcome = str(Outcome(outcome))
    if case.state == State.ASSIGNED:
        transition(case, Action.START_REVIEW, user, actor, reason="first finding recorded")
    finding = db.session.scalar(
        select(Finding).where(Finding.case_id == case.id, Finding.criterion_code == code)
    )
    if finding is None:
        finding = Finding(case_id=case.id, criterion_code=code, verifier_id=user.id)
        db.session.add(finding)
    finding.outcome, finding.note, finding.verifier_id = outcome, note or "", user.id
    db.session.flush()
    log(case, user, "finding_recorded", None, None, f"{code}: {outcome}")
    return finding

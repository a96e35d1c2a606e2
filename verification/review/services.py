"""Assigning the team and recording findings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from ..accounts.models import Role, User
from ..cases.models import Case
from ..cases.services import TransitionRefused, facts, log, methodology_of, transition
from ..extensions import db
from ..workflow.rules import Action, Actor, Assignment, State, refusals
from . import accreditation_services as roster
from .accreditation_models import CaseTeamMember
from .models import Finding, NCStatus, Outcome


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


def assign(
    case: Case,
    user: User,
    actor: Actor,
    verifier_id: int,
    reviewer_id: int,
    reason=None,
    *,
    team: Iterable[int] = (),
    due_on: date | None = None,
    on: date | None = None,
):
    """Assign a lead verifier, other team members, an independent reviewer and a due date.

    Accreditation scope and conflicts of interest are checked (``independence.py``) as of
    ``on`` (today by default). Raises ``TransitionRefused``; nothing is written then.
    """
    verifiers = {u.id: u for u in staff(case, Role.VERIFIER)}
    reviewers = {u.id: u for u in staff(case, Role.REVIEWER)}
    members = list(dict.fromkeys(team))
    independence = roster.assignment_problems(
        case, verifiers, reviewers, verifier_id, members, reviewer_id, due_on, on or roster.today()
    )
    assignment = Assignment(
        verifier_id,
        reviewer_id,
        verifier_id in verifiers,
        reviewer_id in reviewers,
        problems=tuple(independence),
    )
    problems = refusals(Action.ASSIGN, facts(case), actor, assignment)
    if problems:
        raise TransitionRefused(problems)
    case.verifier_id, case.reviewer_id, case.due_on = verifier_id, reviewer_id, due_on
    db.session.add_all(CaseTeamMember(case_id=case.id, user_id=m) for m in members)
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
    was_open_nc = finding.is_open_nc
    finding.outcome, finding.note, finding.verifier_id = outcome, note or "", user.id
    if finding.is_nonconformity:
        # A new or re-raised non-conformity is open until the verifier closes it.
        finding.nc_status, finding.closed_at, finding.closed_by_id = str(NCStatus.OPEN), None, None
    else:
        finding.nc_status = None
    db.session.flush()
    log(case, user, "finding_recorded", None, None, f"{code}: {outcome}")
    if finding.is_open_nc and not was_open_nc:
        from ..notifications.services import notify

        notify(case, "nonconformity_raised", user, criterion=code)
    return finding

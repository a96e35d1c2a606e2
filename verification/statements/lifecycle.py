"""After issuance: revocation, supersession by a corrected statement, expiry; and keeping
issuance going: the sweeper for jobs whose worker was lost, the retry of a failed job.

Every status change is a conditional UPDATE (``... WHERE status = 'valid'``), so two people
(or a person and the scheduled task) acting at once change a statement once; the loser
finds nothing to change. Each change writes a case event and calls
:func:`.events.emit` once. See docs/statements.md.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..accounts.models import User
from ..cases.models import Case
from ..cases.services import log
from ..extensions import db
from ..timeutil import utcnow
from ..transactions import on_commit
from ..workflow.rules import State
from . import events
from .models import IssuanceJob, JobStatus, Statement, StatementCorrection, StatementStatus

REASON_MAX = 2000
# A case may be marked as correcting a statement from the moment it is opened (so that the
# certificates of the corrected case can be claimed again in it) until technical review.
CORRECTING_STATES = (
    State.DRAFT,
    State.SUBMITTED,
    State.ASSIGNED,
    State.IN_REVIEW,
    State.AWAITING_CLIENT,
    State.IN_TECHNICAL_REVIEW,
)
ACTIVE_JOB = (JobStatus.QUEUED, JobStatus.RENDERING, JobStatus.SIGNING)


class LifecycleRefused(Exception):
    """The change cannot be made now; the message says why, fit to show (409)."""


def today() -> date:
    return utcnow().date()


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise LifecycleRefused(_("Give the reason; it is shown publicly in the registry."))
    if len(reason) > REASON_MAX:
        raise LifecycleRefused(_("Keep the reason under %(n)d characters.", n=REASON_MAX))
    return reason


def _not_valid(statement: Statement) -> LifecycleRefused:
    from ..registry.services import status_name

    return LifecycleRefused(
        _(
            "Statement %(n)s is %(status)s: only a valid statement can be changed.",
            n=statement.number,
            status=status_name(statement.current_status(today())),
        )
    )


def _case_of(statement: Statement) -> Case:
    return db.session.get(Case, statement.case_id)


# --- revocation --------------------------------------------------------------------------


def revoke(statement: Statement, user: User, reason: str | None) -> None:
    """Revoke a valid statement with a public reason. Raises :class:`LifecycleRefused`."""
    reason = _reason(reason)
    now = utcnow()
    changed = db.session.execute(
        update(Statement)
        .where(
            Statement.id == statement.id,
            Statement.status == str(StatementStatus.VALID),
            Statement.valid_until >= now.date(),
        )
        .values(
            status=str(StatementStatus.REVOKED),
            revoked_at=now,
            revoked_by_id=user.id,
            revocation_reason=reason,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(statement)
    if not changed:
        raise _not_valid(statement)
    log(_case_of(statement), user, "statement_revoked", None, None, f"{statement.number}: {reason}")
    db.session.flush()
    events.emit(statement, "revoked")


# --- supersession ------------------------------------------------------------------------


def correction_of(case: Case) -> StatementCorrection | None:
    """The statement ``case`` corrects, if it was marked as a correction."""
    return db.session.get(StatementCorrection, case.id)


def pending_correction(statement: Statement) -> StatementCorrection | None:
    """A case still under way that will supersede ``statement`` when it is issued."""
    return db.session.scalar(
        select(StatementCorrection)
        .join(Case, Case.id == StatementCorrection.case_id)
        .where(
            StatementCorrection.statement_id == statement.id,
            Case.state.not_in([str(State.WITHDRAWN), str(State.ISSUED)]),
        )
        .limit(1)
    )


def correction_candidates(statement: Statement) -> list[Case]:
    """Cases of the same organisation at the same body, open or being verified, not yet
    marked."""
    marked = select(StatementCorrection.case_id)
    return list(
        db.session.scalars(
            select(Case)
            .where(
                Case.organisation_id == statement.organisation_id,
                Case.verification_body_id == statement.verification_body_id,
                Case.id != statement.case_id,
                Case.state.in_([str(s) for s in CORRECTING_STATES]),
                Case.id.not_in(marked),
            )
            .order_by(Case.id.desc())
        )
    )


def mark_correction(statement: Statement, case: Case, user: User, reason: str | None) -> None:
    """Record that ``case`` corrects ``statement``: once the case's own statement is issued
    (after verification and technical review as usual), it supersedes this one."""
    reason = _reason(reason)
    if statement.current_status(today()) != StatementStatus.VALID:
        raise _not_valid(statement)
    if pending_correction(statement) is not None:
        raise LifecycleRefused(
            _("A correction of statement %(n)s is already under way.", n=statement.number)
        )
    if case not in correction_candidates(statement):
        raise LifecycleRefused(
            _(
                "Case %(case)d cannot correct statement %(n)s: it must be a case of the same "
                "organisation at the same verification body, open or being verified.",
                case=case.id,
                n=statement.number,
            )
        )
    db.session.add(
        StatementCorrection(
            case_id=case.id, statement_id=statement.id, reason=reason, marked_by_id=user.id
        )
    )
    log(case, user, "correction_marked", None, None, f"{statement.number}: {reason}")
    log(_case_of(statement), user, "correction_opened", None, None, f"#{case.id}: {reason}")
    db.session.flush()


def after_issue(statement: Statement, case: Case) -> None:
    """Called by the issuance task once the statement row is flushed: link a correction to
    the statement it corrects (which becomes superseded if it is still valid), then emit."""
    mark = correction_of(case)
    superseded = None
    if mark is not None:
        old = mark.statement
        statement.supersedes_id = old.id
        db.session.flush()
        db.session.execute(
            update(Statement)
            .where(Statement.id == old.id, Statement.superseded_by_id.is_(None))
            .values(superseded_by_id=statement.id)
            .execution_options(synchronize_session=False)
        )
        changed = db.session.execute(
            update(Statement)
            .where(
                Statement.id == old.id,
                Statement.status == str(StatementStatus.VALID),
                Statement.valid_until >= statement.issued_at.date(),
            )
            .values(
                status=str(StatementStatus.SUPERSEDED),
                superseded_at=statement.issued_at,
                supersession_reason=mark.reason,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(old)
        log(
            _case_of(old), None, "statement_superseded", None, None,
            f"{old.number} -> {statement.number}: {mark.reason}",
        )  # fmt: skip
        db.session.flush()
        superseded = old if changed else None
    events.emit(statement, "issued")
    if superseded is not None:
        events.emit(superseded, "superseded")


# --- expiry ------------------------------------------------------------------------------


def mark_expired(on: date | None = None) -> list[str]:
    """Store ``expired`` on every valid statement past its validity (the task every hour);
    each is emitted once. The numbers marked."""
    on = on or today()
    now = utcnow()
    past = (Statement.status == str(StatementStatus.VALID), Statement.valid_until < on)
    marked = []
    for statement_id in db.session.scalars(
        select(Statement.id).where(*past).order_by(Statement.id)
    ):
        changed = db.session.execute(
            update(Statement)
            .where(Statement.id == statement_id, *past)
            .values(status=str(StatementStatus.EXPIRED), expired_marked_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            statement = db.session.get(Statement, statement_id, populate_existing=True)
            events.emit(statement, "expired")
            marked.append(statement.number)
    return marked


# --- keeping issuance going --------------------------------------------------------------


def sweep_stuck(now: datetime | None = None) -> list[int]:
    """Send again every job queued, rendering or signing without progress for
    ISSUANCE_STUCK_AFTER_SECONDS (the task every minute). The job ids sent.

    Safe whatever the job's worker is doing: a run claims the job row and reuses its number,
    and the statement is unique per case (``issuance.run_issuance``).
    """
    from .issuance import enqueue

    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["ISSUANCE_STUCK_AFTER_SECONDS"])
    stuck = (IssuanceJob.status.in_([str(s) for s in ACTIVE_JOB]), IssuanceJob.updated_at < cutoff)
    swept = []
    for job_id in db.session.scalars(select(IssuanceJob.id).where(*stuck).order_by(IssuanceJob.id)):
        changed = db.session.execute(
            update(IssuanceJob)
            .where(IssuanceJob.id == job_id, *stuck)
            .values(status=str(JobStatus.QUEUED), updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            swept.append(job_id)
            on_commit(lambda job_id=job_id: enqueue(job_id))
    return swept


def can_be_retried(job: IssuanceJob | None, case: Case) -> bool:
    return (
        job is not None
        and job.status == JobStatus.FAILED
        and case.state == State.APPROVED
        and not db.session.scalar(select(Statement.id).where(Statement.case_id == case.id))
    )


def retry(job: IssuanceJob | None, case: Case, user: User) -> None:
    """Queue a failed job again (an administrator's button). Raises :class:`LifecycleRefused`."""
    from .issuance import enqueue

    if not can_be_retried(job, case):
        raise LifecycleRefused(_("Only a failed issuance of an approved case can be retried."))
    job.status, job.error = str(JobStatus.QUEUED), None
    log(case, user, "issuance_retried", None, None, job.number)
    db.session.flush()
    job_id = job.id
    on_commit(lambda: enqueue(job_id))

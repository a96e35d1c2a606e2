"""Celery tasks for statements. Tasks take ids, never ORM objects."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

logger = get_task_logger(__name__)

MAX_RETRIES = 3


@shared_task(bind=True, name="statements.issue", max_retries=MAX_RETRIES, acks_late=True)
def issue_statement(self, job_id: int) -> None:
    from ..audit import acting_as
    from ..extensions import db
    from .issuance import run_issuance
    from .models import IssuanceJob, JobStatus

    # Changes are attributed when flushed: everything is flushed inside the block.
    with acting_as("system: issuance worker"):
        try:
            run_issuance(job_id)
            db.session.flush()
        except Exception as exc:
            db.session.rollback()
            logger.exception("issuing statement for job %s failed", job_id)
            job = db.session.get(IssuanceJob, job_id)
            final = self.request.retries >= MAX_RETRIES
            if job is not None and job.status != JobStatus.DONE:  # another run finished it
                job.status = str(JobStatus.FAILED if final else JobStatus.QUEUED)
                job.error = f"{type(exc).__name__}: {exc}"
                if final:
                    from ..cases.models import Case
                    from ..notifications.services import notify

                    notify(db.session.get(Case, job.case_id), "issuance_failed", None)
                db.session.commit()
            if not final:
                raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


@shared_task(name="statements.mark_expired")
def mark_expired() -> list[str]:
    """Celery beat, every STATEMENT_EXPIRY_CHECK_SECONDS: store the expiry of statements
    past their validity and emit "expired" once for each (pages compute it anyway)."""
    from ..audit import acting_as
    from ..extensions import db
    from .lifecycle import mark_expired as mark

    with acting_as("system: statement expiry"):
        numbers = mark()
        db.session.flush()
    if numbers:
        logger.info("statements expired: %s", ", ".join(numbers))
    return numbers


@shared_task(name="statements.sweep_stuck")
def sweep_stuck() -> list[int]:
    """Celery beat, every ISSUANCE_SWEEP_SECONDS: send again the issuance jobs that made no
    progress for ISSUANCE_STUCK_AFTER_SECONDS (a worker killed mid-way; docs/statements.md)."""
    from ..audit import acting_as
    from ..extensions import db
    from .lifecycle import sweep_stuck as sweep

    with acting_as("system: issuance sweeper"):
        swept = sweep()
        db.session.flush()
    if swept:
        logger.warning("issuance jobs without progress sent again: %s", swept)
    return swept

"""Celery tasks for statements. Tasks take ids, never ORM objects."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

logger = get_task_logger(__name__)

MAX_RETRIES = 3


@shared_task(bind=True, name="statements.issue", max_retries=MAX_RETRIES, acks_late=True)
def issue_statement(self, job_id: int) -> None:
    from ..extensions import db
    from .issuance import run_issuance
    from .models import IssuanceJob, JobStatus

    try:
        run_issuance(job_id)
    except Exception as exc:
        db.session.rollback()
        logger.exception("issuing statement for job %s failed", job_id)
        job = db.session.get(IssuanceJob, job_id)
        final = self.request.retries >= MAX_RETRIES
        if job is not None:
            job.status = str(JobStatus.FAILED if final else JobStatus.QUEUED)
            job.error = f"{type(exc).__name__}: {exc}"
            db.session.commit()
        if not final:
            raise self.retry(exc=exc, countdown=2**self.request.retries) from exc

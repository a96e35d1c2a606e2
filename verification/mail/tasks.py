"""Sending mail in the background; retried on SMTP failures."""

from celery import shared_task


@shared_task(bind=True, name="mail.send", max_retries=5, acks_late=True)
def send_email(self, message_id: int) -> None:
    from .services import deliver, record_outcome

    try:
        deliver(message_id)
    except Exception as exc:  # SMTP and network errors alike: retry, then give up visibly
        from ..extensions import db

        db.session.rollback()
        status = "failed" if self.request.retries >= 5 else "queued"
        record_outcome(message_id, status=status, error=f"{type(exc).__name__}: {exc}")
        db.session.commit()
        if self.request.retries < 5:
            raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc

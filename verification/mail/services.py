"""Queue an email with the data it belongs to; a task sends it after the commit.

With no ``MAIL_SERVER`` configured (a laptop, the tests), mail is not sent anywhere: it is
marked ``logged``, written to the log, and platform admins can read it on /admin/outbox.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

from ..extensions import db
from ..timeutil import utcnow
from ..transactions import on_commit
from .models import OutboundEmail


def queue(to: str, subject: str, body: str) -> OutboundEmail:
    message = OutboundEmail(to=to, subject=subject, body=body, status="queued")
    db.session.add(message)
    db.session.flush()
    message_id = message.id
    on_commit(lambda: _enqueue(message_id))
    return message


def _enqueue(message_id: int) -> None:
    from .tasks import send_email

    send_email.delay(message_id)


def deliver(message_id: int) -> None:
    """Send one queued message (the task body). Raises on an SMTP failure, for a retry."""
    message = db.session.get(OutboundEmail, message_id)
    if message is None or message.status in ("sent", "logged"):
        return
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        current_app.logger.info("mail to %s: %s\n%s", message.to, message.subject, message.body)
        message.status, message.sent_at = "logged", utcnow()
        return
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(server, int(current_app.config.get("MAIL_PORT", 25)), timeout=30) as smtp:
        if current_app.config.get("MAIL_STARTTLS"):
            smtp.starttls()
        if current_app.config.get("MAIL_USERNAME"):
            smtp.login(current_app.config["MAIL_USERNAME"], current_app.config["MAIL_PASSWORD"])
        smtp.send_message(email)
    message.status, message.sent_at = "sent", utcnow()

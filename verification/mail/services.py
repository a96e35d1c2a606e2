"""Queue an email with the data it belongs to; a task sends it after the commit.

Where it goes is ``MAIL_BACKEND`` (docs/configuration.md): ``smtp`` sends it (the default
whenever ``MAIL_SERVER`` is set); ``console`` (the default otherwise: a laptop) writes it to
the log; ``file`` writes an ``.eml`` file per message under ``MAIL_FILE_DIR``. The last two
send nothing: the message is marked ``logged`` and platform admins can read it on
/admin/outbox.
"""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import update

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


DONE = ("sent", "logged")


def deliver(message_id: int) -> None:
    """Send one queued message (the task body). Raises on an SMTP failure, for a retry.

    Celery may deliver the task twice. On PostgreSQL the row is locked while it is sent, so a
    second delivery waits and then finds it done; on any database the outcome is recorded only
    if no other delivery recorded one first, so a finished message never changes again.
    """
    message = db.session.get(
        OutboundEmail, message_id, with_for_update=True, populate_existing=True
    )
    if message is None or message.status in DONE:
        return
    backend = backend_name(current_app.config)
    if backend == "console":
        current_app.logger.info("mail to %s: %s\n%s", message.to, message.subject, message.body)
        record_outcome(message_id, status="logged", sent_at=utcnow())
        return
    email = _email(message)
    if backend == "file":
        path = _write_file(email, message)
        current_app.logger.info("mail to %s written to %s", message.to, path)
        record_outcome(message_id, status="logged", sent_at=utcnow())
        return
    server = current_app.config["MAIL_SERVER"]
    with smtplib.SMTP(server, int(current_app.config.get("MAIL_PORT", 25)), timeout=30) as smtp:
        if current_app.config.get("MAIL_STARTTLS"):
            smtp.starttls()
        if current_app.config.get("MAIL_USERNAME"):
            smtp.login(current_app.config["MAIL_USERNAME"], current_app.config["MAIL_PASSWORD"])
        smtp.send_message(email)
    record_outcome(message_id, status="sent", sent_at=utcnow())


def record_outcome(message_id: int, **values) -> bool:
    """Write a delivery's outcome unless the message is already done; True if written."""
    result = db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == message_id, OutboundEmail.status.not_in(DONE))
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


BACKENDS = ("console", "file", "smtp")


def backend_name(config) -> str:
    """``MAIL_BACKEND``, or (unset) ``smtp`` when ``MAIL_SERVER`` is set and ``console`` if not.

    Raises ``ValueError`` for an unknown name, or ``smtp`` without a server.
    """
    name = config.get("MAIL_BACKEND") or ("smtp" if config.get("MAIL_SERVER") else "console")
    if name not in BACKENDS:
        raise ValueError(f"MAIL_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    if name == "smtp" and not config.get("MAIL_SERVER"):
        raise ValueError("MAIL_BACKEND is smtp but MAIL_SERVER is not set")
    return name


def _email(message: OutboundEmail) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def file_dir(app) -> Path:
    """Where the file backend writes: ``MAIL_FILE_DIR``, by default ``<instance>/mail``."""
    return Path(app.config.get("MAIL_FILE_DIR") or Path(app.instance_path) / "mail")


def _write_file(email: EmailMessage, message: OutboundEmail) -> Path:
    """Write ``<MAIL_FILE_DIR>/<UTC time>-<id>.eml`` whole (a reader never sees half of it)."""
    folder = file_dir(current_app)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{utcnow():%Y%m%dT%H%M%S%fZ}-{message.id:08d}.eml"
    partial = path.with_suffix(".eml.part")
    partial.write_bytes(email.as_bytes())
    os.replace(partial, path)
    return path

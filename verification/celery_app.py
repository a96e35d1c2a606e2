"""Celery bound to the Flask app: every task runs inside an app context and one transaction."""

from __future__ import annotations

from pathlib import Path

from celery import Celery, Task
from flask import Flask

from .extensions import db


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(_settings(app))
    celery.set_default()
    app.extensions["celery"] = celery
    from .mail import tasks as mail_tasks  # noqa: F401  (registers the tasks)
    from .statements import tasks  # noqa: F401

    return celery


def _settings(app: Flask) -> dict:
    broker = app.config["CELERY_BROKER_URL"]
    conf: dict = {
        "broker_url": broker,
        "task_ignore_result": True,  # progress lives in our own tables
        "task_always_eager": app.config["CELERY_TASK_ALWAYS_EAGER"],
        "task_eager_propagates": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": app.config["CELERY_TASK_DEFAULT_QUEUE"],
        # Celery beat (`celery ... beat`, or `worker -B` as `flask serve` runs it): the
        # schedule of docs/statements.md; its state file lives in the instance folder.
        "beat_schedule": {
            "statements.mark_expired": {
                "task": "statements.mark_expired",
                "schedule": float(app.config["STATEMENT_EXPIRY_CHECK_SECONDS"]),
            },
            "statements.sweep_stuck": {
                "task": "statements.sweep_stuck",
                "schedule": float(app.config["ISSUANCE_SWEEP_SECONDS"]),
            },
        },
        "beat_schedule_filename": str(Path(app.instance_path) / "celerybeat-schedule"),
    }
    if broker.startswith("filesystem://"):
        # The embedded default: a real broker that is only a folder, so nothing to install.
        queue = Path(app.instance_path) / "broker" / "queue"
        processed = Path(app.instance_path) / "broker" / "processed"
        # The exchange tables too (kombu would otherwise write ./control in the cwd).
        control = Path(app.instance_path) / "broker" / "control"
        for folder in (queue, processed, control):
            folder.mkdir(parents=True, exist_ok=True)
        conf["broker_transport_options"] = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "data_folder_processed": str(processed),
            "store_processed": False,
            "control_folder": str(control),
            "polling_interval": 0.2,
        }
    return conf

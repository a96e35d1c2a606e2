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
    }
    if broker.startswith("filesystem://"):
        # The embedded default: a real broker that is only a folder, so nothing to install.
        queue = Path(app.instance_path) / "broker" / "queue"
        processed = Path(app.instance_path) / "broker" / "processed"
        queue.mkdir(parents=True, exist_ok=True)
        processed.mkdir(parents=True, exist_ok=True)
        conf["broker_transport_options"] = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "data_folder_processed": str(processed),
            "store_processed": False,
            "polling_interval": 0.2,
        }
    return conf

"""Celery entry point: ``celery -A verification.worker worker``. One of the two places an app is built."""

from . import create_app

app = create_app()
celery = app.extensions["celery"]

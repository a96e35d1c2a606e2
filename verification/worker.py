"""Celery entry point: ``celery -A verification.worker:celery worker``.

One of the two places an app is built (the other is ``wsgi.py``).
"""

from . import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]

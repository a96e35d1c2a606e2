"""WSGI entry point: ``gunicorn wsgi:app``. One of the two places an app is built."""

from verification import create_app

app = create_app()

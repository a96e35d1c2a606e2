"""``flask serve``: the web server and a real Celery worker, side by side, for a laptop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command(help="Run the web app and a Celery worker with beat (embedded default).")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve(host: str, port: int):
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "verification.worker:celery",
            "worker",
            "--loglevel=WARNING",
            "--concurrency=2",
            # Celery beat inside this worker (expiry, stuck-job sweeper; docs/statements.md).
            # One beat per deployment: in production run `celery ... beat` once instead.
            "--beat",
        ],
        env=os.environ.copy(),
    )
    click.echo(
        f"Celery worker and beat started (pid {worker.pid}) on {app.config['CELERY_BROKER_URL']}"
    )
    click.echo(f"\n  The platform is running at http://{host}:{port}/\n")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()

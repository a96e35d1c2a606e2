"""Registry benchmark: the statement lookup API under gunicorn on PostgreSQL against a bare
Flask JSON endpoint, and issuance (approval -> signed PDF) against a bare render + sign.

`.venv/bin/python bench/registry.py` from the repository root; see bench/README.md.
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password); creates and drops its own
database, verification_bench_registry.
"""

import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DATABASE = "verification_bench_registry"
WORKERS = 2  # gunicorn --workers, sync, for both servers
CLIENTS = 2  # client processes, one keep-alive connection each
REQUESTS = 2000  # timed requests per endpoint and round
WARMUP = 100
ROUNDS = 3  # the endpoints are measured in turn, best round of each kept
ISSUES = 3  # timed issuances (and bare render + sign), after one warm-up each
API_TARGET = 0.5  # lookup requests/s at least half the bare endpoint's
ISSUE_TARGET = 1.5  # approval -> signed PDF at most 1.5 x the bare render + sign

BARE_APP = '''"""One JSON endpoint, as bare as Flask gets: the bench's baseline."""
import json
from pathlib import Path

from flask import Flask, jsonify

app = Flask(__name__)
DOCUMENT = json.loads((Path(__file__).parent / "document.json").read_text())


@app.get("/doc")
def doc():
    return jsonify(DOCUMENT)
'''


class BenchError(RuntimeError):
    pass


@contextmanager
def database():
    """A fresh PostgreSQL database of the bench's own, dropped afterwards whatever happens."""
    admin = create_engine(SERVER + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    try:
        yield str(make_url(SERVER + DATABASE))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()


def prepare(instance: Path):
    """Schema by the migrations, approved cases: (app, world, job ids)."""
    from flask_migrate import upgrade

    from tests.factories import World, setup
    from verification import create_app

    app = create_app(instance_path=str(instance))
    with app.app_context():
        upgrade()
    with setup(app):
        world = World()
        jobs = [world.approved_case()[1].id for _ in range(1 + ISSUES)]
    return app, world, jobs


def time_issuance(app, world, jobs: list[int]) -> tuple[list[float], list[float], str]:
    """Seconds per run_issuance and per bare render + sign of the same data; the last number."""
    from verification import ROOT as APP_ROOT
    from verification.extensions import db
    from verification.signing.pdf_sign import SignatureAppearance, sign_pdf
    from verification.statements import keys_service
    from verification.statements.issuance import _cert_file, run_issuance
    from verification.statements.models import Statement
    from verification.statements.render import SIGNATURE_BOX, render_statement_pdf

    issued = []
    with app.app_context():
        for job_id in jobs:
            start = time.perf_counter()
            run_issuance(job_id)
            issued.append(time.perf_counter() - start)
        statement = db.session.scalar(select_last(Statement))
        if statement is None:
            raise BenchError("no statement was issued")
        data = json.loads(statement.data_json)
        body = statement.verification_body
        credential = keys_service.active_credential(body)
        keys = keys_service.keys_dir()
        bare = []
        for _ in range(1 + ISSUES):
            start = time.perf_counter()
            unsigned = render_statement_pdf(
                data,
                templates_dir=APP_ROOT / "templates",
                static_dir=APP_ROOT / "static",
                base_url=str(APP_ROOT / "static") + "/",
            )
            sign_pdf(
                unsigned,
                key_path=keys / credential.key_file,
                cert_path=_cert_file(credential),
                passphrase=keys_service.passphrase(),
                chain=[keys / p for p in credential.chain_files.splitlines() if p],
                reason=f"Verification statement {statement.number}",
                location=body.name,
                appearance=SignatureAppearance(box=SIGNATURE_BOX, organisation=body.name),
            )
            bare.append(time.perf_counter() - start)
        number = statement.number
        db.session.rollback()
        db.engine.dispose()
    return issued[1:], bare[1:], number  # the first of each warms up (fonts, templates)


def select_last(model):
    from sqlalchemy import select

    return select(model).order_by(model.id.desc()).limit(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, conn=None):
    """(status, body, connection): keeps the connection unless the server closed it."""
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    if resp.will_close:
        conn.close()  # gunicorn's sync workers close after each response; reopened next
    return resp.status, body, conn


@contextmanager
def gunicorn(app_spec: str, cwd: Path, env: dict, log_path: Path, probe: str):
    """``gunicorn <app_spec>`` with WORKERS sync workers on a free port: yields the port."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        app_spec,
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
    ]
    with log_path.open("a") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn {app_spec} did not start")
            try:
                if get(port, probe)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _client(args) -> list[float]:
    """One client process: ``n`` GETs in a row; the latency of each."""
    port, path, n = args
    latencies, conn = [], None
    for _ in range(n):
        start = time.perf_counter()
        status, _body, conn = get(port, path, conn)
        latencies.append(time.perf_counter() - start)
        if status != 200:
            raise BenchError(f"GET {path} answered {status}")
    return latencies


def load(pool, port: int, path: str) -> dict:
    """WARMUP requests, then REQUESTS from CLIENTS processes at once: throughput, latency."""
    pool.map(_client, [(port, path, WARMUP // CLIENTS)] * CLIENTS)
    start = time.perf_counter()
    parts = pool.map(_client, [(port, path, REQUESTS // CLIENTS)] * CLIENTS)
    wall = time.perf_counter() - start
    latencies = sorted(x for part in parts for x in part)
    return {
        "rps": len(latencies) / wall,
        "mean": statistics.fmean(latencies) * 1000,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def run(tmp: Path, db_url: str) -> int:
    instance = tmp / "instance"
    env = {
        "VERIFICATION_INSTANCE_PATH": str(instance),
        "VERIFICATION_DATABASE_URL": db_url,
        "VERIFICATION_KEY_PASSPHRASE": "bench-passphrase",
        "VERIFICATION_SECRET_KEY": uuid.uuid4().hex,
        # The limiter runs as in production, with a limit the bench never reaches.
        "VERIFICATION_RATELIMIT_PUBLIC": "100000000 per minute",
    }
    os.environ.update(env)
    app, world, jobs = prepare(instance)
    issued, bare, number = time_issuance(app, world, jobs)

    path = f"/api/v1/statements/{number}"
    log_path = tmp / "gunicorn.log"
    results: dict[str, dict] = {}
    with ExitStack() as stack:
        api_port = stack.enter_context(
            gunicorn("wsgi:app", ROOT, os.environ.copy(), log_path, path)
        )
        # The same app with the lookup cache off (registry/cache.py): every request reads
        # PostgreSQL. Shown for comparison; the target is the product as configured.
        uncached_env = {**os.environ, "VERIFICATION_REGISTRY_CACHE_SECONDS": "0"}
        uncached_port = stack.enter_context(
            gunicorn("wsgi:app", ROOT, uncached_env, log_path, path)
        )
        document = get(api_port, path)[1]
        answers = [json.loads(get(port, path)[1]) for port in (api_port, uncached_port)]
        for answer in answers:  # (the URLs in them name each server's own port)
            del answer["pdf_url"], answer["page_url"]
        if answers[0] != answers[1]:
            raise BenchError("the cached and uncached lookups answer differently")
        (tmp / "document.json").write_bytes(document)
        (tmp / "bare.py").write_text(BARE_APP)
        bare_env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFICATION_")}
        bare_port = stack.enter_context(gunicorn("bare:app", tmp, bare_env, log_path, "/doc"))
        if len(get(bare_port, "/doc")[1]) != len(document):
            raise BenchError("the bare endpoint's document differs in size")
        pool = stack.enter_context(multiprocessing.get_context("spawn").Pool(CLIENTS))
        servers = (
            ("bare", bare_port, "/doc"),
            ("api", api_port, path),
            ("uncached", uncached_port, path),
        )
        for _ in range(ROUNDS):
            for name, port, target in servers:
                r = load(pool, port, target)
                if name not in results or r["rps"] > results[name]["rps"]:
                    results[name] = r

    print(
        f"\nGET {path} ({len(document)} bytes of JSON), gunicorn {WORKERS} sync workers, "
        f"{CLIENTS} keep-alive clients, {REQUESTS} requests, best of {ROUNDS} rounds:"
    )
    print(f"  {'':34}{'req/s':>8}{'mean ms':>9}{'p50 ms':>8}{'p99 ms':>8}")
    labels = {
        "api": "API (PostgreSQL, lookup cache on)",
        "uncached": "API, cache off (reads PostgreSQL)",
        "bare": "bare Flask JSON endpoint",
    }
    for name in ("api", "uncached", "bare"):
        r = results[name]
        print(f"  {labels[name]:34}{r['rps']:8.0f}{r['mean']:9.2f}{r['p50']:8.2f}{r['p99']:8.2f}")
    api_ratio = results["api"]["rps"] / results["bare"]["rps"]
    uncached_ratio = results["uncached"]["rps"] / results["bare"]["rps"]
    api_ok = api_ratio >= API_TARGET
    print(
        f"  API / bare = {api_ratio:.2f} (target >= {API_TARGET}): {'met' if api_ok else 'MISSED'}"
        f"; with the cache off {uncached_ratio:.2f}"
    )

    best_issue, best_bare = min(issued), min(bare)
    issue_ratio = best_issue / best_bare
    issue_ok = issue_ratio <= ISSUE_TARGET
    print(f"\nApproval -> signed PDF, best of {ISSUES} after a warm-up:")
    print(
        f"  run_issuance (number, data, render, sign, check, store, commit)  {best_issue:6.3f} s"
        f"  (median {statistics.median(issued):.3f})"
    )
    print(
        f"  bare render_statement_pdf + sign_pdf of the same data            {best_bare:6.3f} s"
        f"  (median {statistics.median(bare):.3f})"
    )
    print(
        f"  issuance / bare = {issue_ratio:.2f} (target <= {ISSUE_TARGET}): "
        f"{'met' if issue_ok else 'MISSED'}"
    )
    return 0 if api_ok and issue_ok else 1


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks run
    tmp = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    try:
        with database() as db_url:
            return run(tmp, db_url)
    except (BenchError, OSError, http.client.HTTPException) as exc:
        log = tmp / "gunicorn.log"
        print(log.read_text()[-3000:] if log.exists() else "", file=sys.stderr)
        print(f"FAILED: {exc!r}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Upload benchmark: 20 MiB and 200 MiB evidence files streamed to gunicorn over HTTP.

`.venv/bin/python bench/upload.py` from the repository root; see bench/README.md.
"""

import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.factories import PASSWORD, World, setup  # noqa: E402
from verification import create_app  # noqa: E402
from verification.evidence.models import EvidenceFile  # noqa: E402
from verification.extensions import db  # noqa: E402

MB = 1024 * 1024  # MiB, as in the app's EVIDENCE_MAX_BYTES message
SIZES = (20 * MB, 200 * MB)
CHUNK = MB


class BenchError(RuntimeError):
    pass


def prepare(instance: Path):
    """Schema by the real migrations, an SME member and a draft case: (app, case id, email).

    The member, not the SME admin: an admin must pass two-factor authentication to sign in
    (TWO_FACTOR_REQUIRED_ROLES), which the bench's plain form sign-in does not do."""
    app = create_app(instance_path=str(instance))
    with app.app_context():
        upgrade()
    with setup(app):
        world = World()
        case = world.open_case("Upload benchmark")
    return app, case.id, world.sme_member.email


def make_file(path: Path, size: int) -> None:
    """ASCII digits and commas, one record a line: libmagic says text/csv."""
    line = b",".join(b"%010d" % i for i in range(8)) + b"\n"
    block = line * (CHUNK // len(line))
    with path.open("wb") as f:
        left = size
        while left:
            left -= f.write(block[:left])


def timed(*cmd: str) -> tuple[float, str]:
    """Best of three runs (this is a shared VM): (seconds, stdout)."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        runs.append(time.perf_counter() - start)
    return min(runs), out


class Client:
    """Just enough HTTP: a connection per request, cookies kept, redirects not followed."""

    def __init__(self, port: int):
        self.port, self.cookies = port, SimpleCookie()

    def send(self, method, path, body=None, content_type=None, length=None):
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        if length is not None:  # with it, http.client sends a generator body as is (no chunks)
            headers["Content-Length"] = str(length)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            for value in resp.headers.get_all("Set-Cookie") or []:
                self.cookies.load(value)
            return resp.status, resp.getheader("Location", ""), text
        finally:
            conn.close()

    def token(self, path: str, after: str = "") -> str:
        """GET a page; the csrf_token hidden input of the first form after ``after``."""
        status, _, page = self.send("GET", path)
        tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page[page.find(after) :])
        if status != 200 or after not in page or tag is None:
            raise BenchError(f"GET {path}: {status}, no csrf_token after {after!r}")
        return re.search(r'value="([^"]*)"', tag.group(0)).group(1)

    def sign_in(self, email: str) -> None:
        form = {"csrf_token": self.token("/login"), "email": email, "password": PASSWORD}
        body = urllib.parse.urlencode(form).encode()
        status, where, _ = self.send("POST", "/login", body, "application/x-www-form-urlencoded")
        if status != 302 or "/login" in where:
            raise BenchError(f"sign-in failed: {status} {where}")


def multipart(path: Path, token: str):
    """(content type, exact length, generator): the file is read chunk by chunk while sent."""
    b = uuid.uuid4().hex
    head = (
        f'--{b}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{b}--\r\n".encode()

    def chunks():
        yield head
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
        yield tail

    length = len(head) + path.stat().st_size + len(tail)
    return f"multipart/form-data; boundary={b}", length, chunks()


@contextmanager
def watch(worker: psutil.Process):
    """Times the block; the worker's peak RSS during it and the bytes it wrote."""
    proc = Path(f"/proc/{worker.pid}")
    (proc / "clear_refs").write_text("5")  # VmHWM := current RSS (Linux 4.0+)
    rss0, wrote0, out = worker.memory_info().rss, worker.io_counters().write_chars, {}
    start = time.perf_counter()
    yield out
    out["s"] = time.perf_counter() - start
    hwm = re.search(r"^VmHWM:\s+(\d+) kB", (proc / "status").read_text(), re.M)
    out.update(peak=int(hwm.group(1)) * 1024, wrote=worker.io_counters().write_chars - wrote0)
    out["growth"] = out["peak"] - rss0


@contextmanager
def gunicorn(log_path: Path):
    """A fresh `gunicorn wsgi:app` with 1 sync worker: yields (port, worker process)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", "1", "--worker-class",
           "sync", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]  # fmt: skip
    with log_path.open("a") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError("gunicorn did not start")
            try:
                if Client(port).send("GET", "/login")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        workers = psutil.Process(proc.pid).children()
        if len(workers) != 1:
            raise BenchError(f"expected 1 gunicorn worker, found {len(workers)}")
        yield port, workers[0]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for worker in workers:
            if worker.is_running():
                worker.kill()


def upload(path: Path, case_id: int, email: str, log_path: Path) -> dict:
    """Sign in, read the upload form's token, stream the file to a fresh gunicorn."""
    with gunicorn(log_path) as (port, worker):
        client = Client(port)
        client.sign_in(email)
        action = f"/cases/{case_id}/criteria/E1/evidence"
        token = client.token(f"/cases/{case_id}", f'action="{action}"')
        content_type, length, body = multipart(path, token)
        with watch(worker) as result:
            status, where, _ = client.send("POST", action, body, content_type, length)
    if status != 302 or not where.endswith(f"/cases/{case_id}#criterion-E1"):
        raise BenchError(f"upload of {path.name} answered {status} {where}")
    return result


def check_stored(app, case_id: int, path: Path, sha256: str) -> str:
    """The evidence row exists and the stored object hashes to the file's SHA-256."""
    with app.app_context():
        row = db.session.scalar(
            select(EvidenceFile).filter_by(case_id=case_id, original_name=path.name)
        )
        if row is None:
            raise BenchError(f"{path.name}: 302 but no evidence row (rejected? see the flash)")
        with app.extensions["file_store"].open(row.sha256) as f:
            stored = hashlib.file_digest(f, "sha256").hexdigest()
        if (row.sha256, stored, row.size) != (sha256, sha256, path.stat().st_size):
            raise BenchError(f"{path.name}: stored object differs from the uploaded file")
        return row.media_type


def run(tmp: Path) -> int:
    instance = tmp / "instance"
    os.environ["VERIFICATION_INSTANCE_PATH"] = str(instance)
    os.environ["VERIFICATION_DATABASE_URL"] = f"sqlite:///{instance / 'bench.sqlite'}"
    os.environ["VERIFICATION_KEY_PASSPHRASE"] = "bench-passphrase"
    os.environ["VERIFICATION_SECRET_KEY"] = uuid.uuid4().hex
    app, case_id, email = prepare(instance)
    log_path, rows = tmp / "gunicorn.log", []  # main() prints its tail on failure
    for size in SIZES:
        path = tmp / f"bench-{size // MB}mb.csv"
        make_file(path, size)
        sha_s, out = timed("sha256sum", str(path))
        cp_s, _ = timed("cp", "--reflink=never", str(path), str(tmp / "copy"))
        (tmp / "copy").unlink()
        result = upload(path, case_id, email, log_path)
        media_type = check_stored(app, case_id, path, out.split()[0])
        print(f"{path.name}: 302, evidence row and stored object sha256 match ({media_type})")
        rows.append((size / MB, result, sha_s, cp_s))
        path.unlink()

    header = ("size MB", "upload s", "upload MB/s", "sha256sum MB/s", "upload/sha256sum",
              "cp MB/s", "worker peak RSS MB", "RSS growth MB", "worker wrote MB")  # fmt: skip
    print("\n" + "  ".join(header))
    for mb, r, sha_s, cp_s in rows:
        mem = (r[key] / MB for key in ("peak", "growth", "wrote"))
        cells = (mb, r["s"], mb / r["s"], mb / sha_s, sha_s / r["s"], mb / cp_s, *mem)
        fmts = (".0f", ".2f", ".0f", ".0f", ".2f", ".0f", ".1f", ".1f", ".1f")
        line = (f"{c:{f}}".rjust(len(h)) for c, f, h in zip(cells, fmts, header, strict=True))
        print("  ".join(line))

    left = [p for p in Path(app.extensions["file_store"].tmp).rglob("*") if p.is_file()]
    left_bytes = sum(p.stat().st_size for p in left)
    print(f"\nstore tmp/ after the uploads: {len(left)} files, {left_bytes} bytes")

    (small, r1, *_), (big, r2, *_) = rows[0], rows[-1]
    # "Grows" = the larger file cost more than 5% of the extra bytes, at peak or during upload.
    limit = 0.05 * (big - small) * MB
    grows = r2["peak"] - r1["peak"] > limit or r2["growth"] - r1["growth"] > limit
    verdict = "memory GROWS with file size" if grows else "memory does not grow with file size"
    ratio, g1, g2 = r2["peak"] / r1["peak"], r1["growth"] / MB, r2["growth"] / MB
    print(f"peak RSS {big:.0f}MB upload / {small:.0f}MB upload = {ratio:.2f}x"
          f" (RSS growth {g2:.1f} vs {g1:.1f} MB) — {verdict}")  # fmt: skip
    return 1 if left else 0


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks run
    tmp = Path(tempfile.mkdtemp(prefix="upload-bench-"))
    try:
        return run(tmp)
    except (BenchError, OSError, http.client.HTTPException) as exc:
        log = tmp / "gunicorn.log"
        print(log.read_text()[-3000:] if log.exists() else "", file=sys.stderr)
        print(f"FAILED: {exc!r}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

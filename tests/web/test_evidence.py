"""Evidence uploads: accepted ones are hashed and stored by content; refused ones leave
no row and no file behind, and say why."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.factories import World, setup, sign_in
from verification.evidence.models import EvidenceFile
from verification.extensions import db

CSV = b"date,kwh\n2025-01-31,1234\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
ZIP_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def draft(app):
    with setup(app):
        world = World()
        case = world.open_case()
    return world, case


def _upload(client, case_id, name, content, code="E1"):
    # The body is encoded in memory: Werkzeug's test client would spool a large body to a
    # temporary file and leave it open when the app answers 413 without reading it.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=name)})
    return client.post(
        f"/cases/{case_id}/criteria/{code}/evidence",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        follow_redirects=True,
    )


def _state(app):
    store = Path(app.config["STORAGE_DIR"])
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(EvidenceFile))
    return rows, _files(store / "objects"), _files(store / "tmp")


def test_accepted_upload_is_hashed_and_stored_by_content(app, client, draft):
    world, case = draft
    sign_in(client, world.sme_user)
    r = _upload(client, case.id, "meter readings.csv", CSV)
    assert "attached to E1" in r.text
    digest = hashlib.sha256(CSV).hexdigest()
    with app.app_context():
        row = db.session.scalar(select(EvidenceFile))
        assert (row.sha256, row.size) == (digest, len(CSV))
        assert row.media_type in ("text/csv", "text/plain")  # libmagic decides, not the name
    stored = Path(app.config["STORAGE_DIR"]) / "objects" / digest[:2] / digest[2:4] / digest
    assert stored.read_bytes() == CSV
    assert _files(Path(app.config["STORAGE_DIR"]) / "tmp") == set()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("invoice.pdf", ELF, "not accepted as evidence"),
        ("photo.png", ZIP_EXE, "not accepted as evidence"),
        ("../../etc/passwd.csv", CSV, "contains a path"),
        ("..\\..\\boot.ini.csv", CSV, "contains a path"),
        ("/etc/cron.d/x.csv", CSV, "contains a path"),
        (".htaccess", CSV, "starts with a dot"),
        ("bad\x07name.csv", CSV, "control characters"),
        ("empty.csv", b"", "The file is empty"),
    ],
)
def test_refused_upload_leaves_nothing_behind(app, client, draft, name, content, message):
    world, case = draft
    sign_in(client, world.sme_user)
    before = _state(app)
    r = _upload(client, case.id, name, content)
    assert r.status_code == 200 and message in r.text
    assert _state(app) == before


def test_oversized_upload_is_refused_with_a_message(app, client, draft, make_app):
    """Above the per-file limit (checked on the spooled size) and above the request limit
    (refused by Werkzeug before the body is read): a message, no row, no file."""
    world, case = draft
    small = make_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False, "EVIDENCE_MAX_BYTES": 1024 * 1024}
    )
    small_client = small.test_client()
    sign_in(small_client, world.sme_user)
    before = _state(app)
    just_over = b"1,2,3\n" * (1024 * 1024 // 6 + 10)
    r = _upload(small_client, case.id, "big.csv", just_over)
    assert "larger than the 1 MB limit" in r.text
    far_over = b"1,2,3\n" * (3 * 1024 * 1024 // 6)
    r = _upload(small_client, case.id, "huge.csv", far_over)
    assert r.status_code == 413 and "larger than the 1 MB limit" in r.text
    assert _state(app) == before


def test_a_failed_commit_removes_the_file_it_wrote(app, draft):
    """The row and the file appear together or not at all: roll back, and the file goes."""
    world, case = draft
    store = Path(app.config["STORAGE_DIR"]) / "objects"
    before = _files(store)
    with app.app_context():
        from verification.cases.models import Case

        world.attach(db.session.get(Case, case.id), content=b"unique content 42,1\n", name="a.csv")
        assert len(_files(store)) == len(before) + 1
        db.session.rollback()
    assert _files(store) == before


def test_evidence_cannot_be_added_after_submission(app, client):
    with setup(app):
        world = World()
        case = world.submitted_case()
    sign_in(client, world.sme_user)
    r = client.post(
        f"/cases/{case.id}/criteria/E1/evidence",
        data={"file": (io.BytesIO(CSV), "late.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 409 and "only be added while the case is a draft" in r.text


def test_outsiders_cannot_download_evidence(app, client):
    with setup(app):
        world = World()
        case = world.submitted_case()
        evidence_id = db.session.scalar(
            select(EvidenceFile.id).where(EvidenceFile.case_id == case.id)
        )
    for outsider in (world.other_sme_user, world.lender, world.other_vb_admin, world.verifier):
        sign_in(client, outsider)
        assert client.get(f"/evidence/{evidence_id}").status_code == 404
    sign_in(client, world.vb_admin)
    with client.get(f"/evidence/{evidence_id}") as r:
        assert r.status_code == 200


@pytest.mark.parametrize("path", ["/login", "/cases/1/criteria/E1/evidence", "/api/v1/verify"])
def test_a_body_cut_short_leaves_no_spool(app, path):
    """A multipart body that ends mid-file (client gone): the spool is removed all the same,
    even on a form anyone can post to."""
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(b"1,2,3\n" * 50_000), filename="x.csv")}
    )
    cut = body[: len(body) // 2]
    client = app.test_client()
    tmp = Path(app.config["STORAGE_DIR"]) / "tmp"
    with client.post(
        path,
        data=cut,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Content-Length": str(len(body))},
    ) as response:
        assert response.status_code < 500
    assert _files(tmp) == set()


def test_stale_spools_are_swept_at_start(app, make_app):
    import os
    import time

    tmp = Path(app.config["STORAGE_DIR"]) / "tmp"
    stale, fresh = tmp / "upload-stale", tmp / "upload-fresh"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    old = time.time() - 7 * 3600
    os.utime(stale, (old, old))
    make_app({"TESTING": True})
    assert not stale.exists() and fresh.exists()
    fresh.unlink()

"""`flask keys`: PKCS#12 import from a (stand-in) real CA, refusals, rotation, listing.

Statements signed before a rotation must keep verifying, by pyHanko and by poppler.
"""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from sqlalchemy import func, select

from tests.factories import World, setup
from tests.pdftools import inside, nss_db_trusting, pdfsig, words_on_last_page
from tests.pkitools import StandInCA, timestamp_authority, usage
from verification.extensions import db
from verification.registry.services import verify_pdf
from verification.signing.inspect import inspect_pdf
from verification.statements import keys_service
from verification.statements.models import SigningCredential, Statement, TrustAnchor
from verification.statements.render import SIGNATURE_BOX

P12_PASSWORD = b"p12 export password"


@pytest.fixture(scope="module")
def ca() -> StandInCA:
    return StandInCA()


@pytest.fixture
def world(app) -> World:
    with setup(app):
        return World()


def _keys_dir(app) -> Path:
    return Path(app.config["KEYS_DIR"])


def _imported_files(app) -> set[Path]:
    directory = _keys_dir(app) / keys_service.IMPORTED_DIR
    return set(directory.iterdir()) if directory.exists() else set()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _import(app, monkeypatch, path: Path, *extra: str, org: str, password: bytes = P12_PASSWORD):
    monkeypatch.setenv("TEST_P12_PASSWORD", password.decode())
    args = ["keys", "import-p12", "--org", org, "--password-env", "TEST_P12_PASSWORD"]
    return app.test_cli_runner().invoke(args=[*args, *extra, str(path)])


def _issue(app, world: World) -> tuple[Statement, bytes]:
    """Issue a statement for the world's body. Tests read the world's names from the
    ``world`` fixture's own objects (``world.vb.name`` before this call): the merged copies
    below belong to this block's session, and once (in one full run of many) one of them
    was found expired after it, for a reason not yet found (see the issue 6 notes)."""
    with setup(app):
        for name, value in list(vars(world).items()):  # made in another session
            if isinstance(value, db.Model):
                setattr(world, name, db.session.merge(value, load=True))
        _case, statement = world.issued_case()
    pdf = app.extensions["file_store"].path(statement.pdf_sha256).read_bytes()
    return statement, pdf


def _fingerprint(cert) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def test_imported_key_is_stored_encrypted_and_signs_statements(
    app, world, ca, monkeypatch, tmp_path
):
    signer = ca.issue("Northbridge document signing")
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(ca.pkcs12(signer, P12_PASSWORD))

    result = _import(app, monkeypatch, p12, org=world.vb.name)
    assert result.exit_code == 0, result.output
    assert f"sha256:{_fingerprint(signer.cert)} imported (active)" in result.output

    with app.app_context():
        credential = db.session.scalar(select(SigningCredential))
        assert (credential.is_demo, credential.active) == (False, True)
        assert credential.not_after == signer.cert.not_valid_after_utc
        key_path = _keys_dir(app) / credential.key_file
        chain = (_keys_dir(app) / credential.chain_files).read_bytes()
        anchor = db.session.scalar(select(TrustAnchor))
    # Re-encrypted with KEY_PASSPHRASE, not the PKCS#12 password; owner-only.
    key_pem = key_path.read_bytes()
    assert key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    loaded = serialization.load_pem_private_key(key_pem, app.config["KEY_PASSPHRASE"].encode())
    assert loaded.public_key() == signer.key.public_key()
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(key_pem, P12_PASSWORD)
    # The chain is stored issuer first; its root is now trusted (and not a demo anchor).
    assert chain == ca.intermediate.pem + ca.root.pem
    assert anchor.fingerprint == _fingerprint(ca.root.cert) and not anchor.is_demo

    statement, pdf = _issue(app, world)
    assert statement.signer_fingerprint == _fingerprint(signer.cert)
    with app.app_context():
        check = inspect_pdf(pdf, keys_service.trust_roots())
    assert check.verified and check.signer_fingerprint == _fingerprint(signer.cert)
    (tmp_path / "root.pem").write_bytes(ca.root.pem)
    lines = pdfsig(
        pdf, nss_db_trusting(tmp_path / "root.pem", tmp_path / "nss"), tmp_path / "s.pdf"
    )
    assert "Signature Validation: Signature is Valid." in lines, lines
    assert "Certificate Validation: Certificate is Trusted." in lines, lines


def test_a_file_without_its_root_needs_the_root_given(app, world, ca, monkeypatch, tmp_path):
    signer = ca.issue("Signer without root")
    p12 = tmp_path / "no-root.p12"
    p12.write_bytes(ca.pkcs12(signer, P12_PASSWORD, with_root=False))
    result = _import(app, monkeypatch, p12, org=world.vb.name)
    assert result.exit_code != 0
    assert "give the CA's root certificate" in result.output
    assert _count(app, SigningCredential) == 0

    (tmp_path / "root.pem").write_bytes(ca.root.pem)
    result = _import(app, monkeypatch, p12, "--root", str(tmp_path / "root.pem"), org=world.vb.name)
    assert result.exit_code == 0, result.output
    assert _count(app, SigningCredential) == 1


REFUSALS = {
    "wrong password": ({}, "wrong password"),
    "expired": (
        {"not_before": dt.datetime.now(dt.UTC) - dt.timedelta(days=400), "days": 30},
        "expired on",
    ),
    "not yet valid": (
        {"not_before": dt.datetime.now(dt.UTC) + dt.timedelta(days=2)},
        "is not valid before",
    ),
    "mismatched key": ({}, "does not match its certificate"),
    "not for signing": (
        {"key_usage": usage(key_encipherment=True)},
        "is not for digital signatures",
    ),
    "tls certificate": (
        {"purposes": (ExtendedKeyUsageOID.SERVER_AUTH,)},
        "not for signing documents",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_unusable_files_are_refused_and_nothing_is_written(
    app, world, ca, monkeypatch, tmp_path, case
):
    issue_options, message = REFUSALS[case]
    signer = ca.issue(f"Signer ({case})", **issue_options)
    other_key = ca.issue("Someone else").key if case == "mismatched key" else None
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(ca.pkcs12(signer, P12_PASSWORD, key=other_key))
    files_before = _imported_files(app)

    password = b"not the password" if case == "wrong password" else P12_PASSWORD
    result = _import(app, monkeypatch, p12, org=world.vb.name, password=password)

    assert result.exit_code != 0
    assert "Not imported:" in result.output and message in result.output, result.output
    assert _imported_files(app) == files_before
    assert (_count(app, SigningCredential), _count(app, TrustAnchor)) == (0, 0)


def test_the_same_certificate_is_not_imported_twice(app, world, ca, monkeypatch, tmp_path):
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(ca.pkcs12(ca.issue("Twice"), P12_PASSWORD))
    assert _import(app, monkeypatch, p12, org=world.vb.name).exit_code == 0
    files = _imported_files(app)
    again = _import(app, monkeypatch, p12, org=world.vb.name)
    assert again.exit_code != 0 and "already imported" in again.output
    assert _imported_files(app) == files and _count(app, SigningCredential) == 1


def test_rotation_keeps_old_statements_valid(app, world, tmp_path):
    body = world.vb.name
    old_statement, old_pdf = _issue(app, world)
    result = app.test_cli_runner().invoke(args=["keys", "rotate", "--org", body])
    assert result.exit_code == 0, result.output
    assert f"retired sha256:{old_statement.signer_fingerprint}" in result.output

    with app.app_context():
        old, new = db.session.scalars(select(SigningCredential).order_by(SigningCredential.id))
        assert (old.active, new.active) == (False, True)
        assert old.rotated_at is not None and new.rotated_at is None
        assert old.fingerprint == old_statement.signer_fingerprint
    new_statement, new_pdf = _issue(app, world)
    assert new_statement.signer_fingerprint == new.fingerprint != old.fingerprint

    with app.app_context():
        roots = keys_service.trust_roots()
        anchor = db.session.scalar(select(TrustAnchor))
        for pdf, fingerprint in ((old_pdf, old.fingerprint), (new_pdf, new.fingerprint)):
            check = inspect_pdf(pdf, roots)
            assert check.verified and check.signer_fingerprint == fingerprint, check.problems
            report = verify_pdf(pdf)
            assert report.ok, report.as_dict()
            assert body in report.as_dict()["checks"]["signer_trusted"]["message"]
    (tmp_path / "ca.pem").write_text(anchor.cert_pem)
    nss = nss_db_trusting(tmp_path / "ca.pem", tmp_path / "nss")
    for name, pdf in (("old.pdf", old_pdf), ("new.pdf", new_pdf)):
        lines = pdfsig(pdf, nss, tmp_path / name)
        assert "Signature Validation: Signature is Valid." in lines, lines
        assert "Certificate Validation: Certificate is Trusted." in lines, lines


def test_rotating_to_an_imported_key_and_listing(app, world, ca, monkeypatch, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["keys", "init-demo", "--org", world.vb.name]).exit_code == 0
    signer = ca.issue("Successor key")
    p12 = tmp_path / "successor.p12"
    p12.write_bytes(ca.pkcs12(signer, P12_PASSWORD))
    result = _import(app, monkeypatch, p12, org=world.vb.name)
    assert result.exit_code == 0, result.output
    fingerprint = _fingerprint(signer.cert)
    assert "imported (inactive)" in result.output and f"--to {fingerprint}" in result.output

    listing = runner.invoke(args=["keys", "list", "--org", world.vb.name]).output
    assert listing.count("demo (active)") == 1 and "imported (inactive)" in listing

    result = runner.invoke(args=["keys", "rotate", "--org", world.vb.name, "--to", fingerprint])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"sha256:{fingerprint} imported (active)" in listing
    assert "demo (inactive, rotated out" in listing

    # An imported key is not replaced by a demo key by accident.
    refused = runner.invoke(args=["keys", "rotate", "--org", world.vb.name])
    assert refused.exit_code != 0 and "signs with an imported certificate" in refused.output
    again = runner.invoke(args=["keys", "rotate", "--org", world.vb.name, "--to", fingerprint])
    assert again.exit_code != 0 and "already the active credential" in again.output
    unknown = runner.invoke(args=["keys", "rotate", "--org", world.vb.name, "--to", "ab" * 32])
    assert unknown.exit_code != 0 and "has no credential" in unknown.output

    statement, _pdf = _issue(app, world)
    assert statement.signer_fingerprint == fingerprint


def test_import_with_activate_retires_the_current_key(app, world, ca, monkeypatch, tmp_path):
    with setup(app):
        demo = keys_service.init_demo(world.vb)
    p12 = tmp_path / "now.p12"
    p12.write_bytes(ca.pkcs12(ca.issue("Active at once"), P12_PASSWORD))
    result = _import(app, monkeypatch, p12, "--activate", org=world.vb.name)
    assert result.exit_code == 0, result.output
    with app.app_context():
        active = keys_service.active_credential(world.vb)
        assert not active.is_demo
        assert db.session.get(SigningCredential, demo.id).rotated_at is not None


def test_issued_statements_are_visibly_signed_and_timestamped(app, world, monkeypatch, tmp_path):
    """run_issuance puts the signature block in the box the template leaves free, and asks
    the timestamp authority of TSA_URL for a timestamp."""
    tsa_ca = StandInCA("Issuance Time Stamping")
    body = world.vb.name
    with timestamp_authority(tsa_ca) as (url, requests):
        monkeypatch.setitem(app.config, "TSA_URL", url)
        statement, pdf = _issue(app, world)
    assert requests
    in_box = [
        w
        for w, where in words_on_last_page(pdf, tmp_path / "s.pdf")
        if inside(where, SIGNATURE_BOX)
    ]
    text = " ".join(in_box)
    assert "Digitally signed" in text and body in text, text
    with app.app_context():
        check = inspect_pdf(pdf, [*keys_service.trust_roots(), tsa_ca.root.pem])
    assert check.verified and check.timestamped_at is not None and check.timestamp_trusted
    assert check.timestamped_at >= statement.issued_at - dt.timedelta(seconds=1)
    # The attested time is stored, and the registry page and the API record show it.
    assert statement.timestamped_at == check.timestamped_at
    client = app.test_client()
    record = client.get(f"/api/v1/statements/{statement.number}").get_json()
    assert record["timestamped_at"] == check.timestamped_at.isoformat()
    page = client.get(f"/registry/{statement.number}").text
    assert check.timestamped_at.strftime("%Y-%m-%d %H:%M:%S UTC") in page

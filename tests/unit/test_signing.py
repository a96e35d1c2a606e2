"""Keys, PAdES signing and inspection, checked with pyHanko and independently with poppler."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import os
import stat
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from weasyprint import HTML

from tests.pdftools import flip_byte_in_first_stream, nss_db_trusting, pdfsig
from verification.signing.inspect import PdfInspection, inspect_pdf
from verification.signing.keys import (
    DOCUMENT_SIGNING_OID,
    KeyMaterialError,
    KeyPair,
    certificate_fingerprint,
    certificate_subject,
    create_ca,
    issue_signing_certificate,
    load_certificate_pem,
)
from verification.signing.pdf_sign import SigningError, sign_pdf
from verification.statements.render import render_statement_pdf, statement_json_bytes

ROOT = Path(__file__).resolve().parents[2]
CA_PASS = b"ca passphrase"
SIGNER_PASS = b"signer passphrase"
CA_NAME = "DEMO Verification CA - not for production use"
DATA = {
    "number": "VS-2026-000042",
    "status": "valid",
    "organisation": {"name": "Riverside Textiles Co., Ltd."},
    "registry_url": "http://127.0.0.1:5000/registry/VS-2026-000042",
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyPair]:
    directory = tmp_path_factory.mktemp("pki")
    ca = create_ca(directory, common_name=CA_NAME, organisation="Demo Org", passphrase=CA_PASS)
    signer = issue_signing_certificate(
        ca,
        CA_PASS,
        directory,
        common_name="Statement Signer",
        organisation="Demo Org",
        passphrase=SIGNER_PASS,
        filename="signer",
    )
    other = create_ca(
        tmp_path_factory.mktemp("other"),
        common_name="Unrelated CA",
        organisation="Someone Else",
        passphrase=CA_PASS,
    )
    return {"ca": ca, "signer": signer, "other": other}


@pytest.fixture(scope="module")
def statement_pdf() -> bytes:
    return render_statement_pdf(
        DATA,
        templates_dir=ROOT / "templates",
        static_dir=ROOT / "static",
        base_url=(ROOT / "static").as_uri() + "/",
    )


def sign(pdf: bytes, pki: dict[str, KeyPair], passphrase: bytes = SIGNER_PASS) -> bytes:
    return sign_pdf(
        pdf,
        key_path=pki["signer"].key_path,
        cert_path=pki["signer"].cert_path,
        passphrase=passphrase,
        chain=[pki["ca"].cert_path],
        reason="Verification statement issued",
        location="Test registry",
    )


@pytest.fixture(scope="module")
def signed_pdf(statement_pdf: bytes, pki: dict[str, KeyPair]) -> bytes:
    return sign(statement_pdf, pki)


def roots(pki: dict[str, KeyPair], name: str = "ca") -> list[bytes]:
    return [load_certificate_pem(pki[name].cert_path)]


# --- keys -------------------------------------------------------------------------------


def test_ca_certificate_and_key_files(pki: dict[str, KeyPair]) -> None:
    ca = pki["ca"]
    assert stat.S_IMODE(ca.key_path.stat().st_mode) == 0o600
    key_pem = ca.key_path.read_bytes()
    assert key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(key_pem, password=None)
    assert serialization.load_pem_private_key(key_pem, password=CA_PASS).key_size == 3072

    cert = x509.load_pem_x509_certificate(ca.cert_path.read_bytes())
    assert cert.issuer == cert.subject
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature


def test_signing_certificate_profile(pki: dict[str, KeyPair]) -> None:
    ca_cert = x509.load_pem_x509_certificate(pki["ca"].cert_path.read_bytes())
    cert = x509.load_pem_x509_certificate(pki["signer"].cert_path.read_bytes())
    assert stat.S_IMODE(pki["signer"].key_path.stat().st_mode) == 0o600
    assert cert.issuer == ca_cert.subject
    cert.verify_directly_issued_by(ca_cert)
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in purposes  # NSS (pdfsig) needs this
    assert DOCUMENT_SIGNING_OID in purposes
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= dt.timedelta(days=826)


def test_fingerprint_and_subject(pki: dict[str, KeyPair]) -> None:
    pem = load_certificate_pem(pki["ca"].cert_path)
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert certificate_fingerprint(pem) == hashlib.sha256(der).hexdigest()
    assert certificate_subject(pem) == f"O=Demo Org,CN={CA_NAME}"
    with pytest.raises(KeyMaterialError):
        certificate_fingerprint(b"not a certificate")


def test_create_ca_refuses_to_overwrite(pki: dict[str, KeyPair]) -> None:
    before = pki["ca"].key_path.read_bytes()
    with pytest.raises(FileExistsError):
        create_ca(pki["ca"].key_path.parent, common_name="x", organisation="y", passphrase=b"z")
    with pytest.raises(FileExistsError):
        issue_signing_certificate(
            pki["ca"],
            CA_PASS,
            pki["ca"].key_path.parent,
            common_name="x",
            organisation="y",
            passphrase=b"z",
            filename="signer",
        )
    assert pki["ca"].key_path.read_bytes() == before


def test_issuing_with_wrong_ca_passphrase_fails(pki: dict[str, KeyPair], tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="passphrase"):
        issue_signing_certificate(
            pki["ca"],
            b"wrong",
            tmp_path,
            common_name="x",
            organisation="y",
            passphrase=b"z",
            filename="s",
        )
    assert list(tmp_path.iterdir()) == []


def test_empty_passphrase_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="passphrase"):
        create_ca(tmp_path, common_name="x", organisation="y", passphrase=b"")


# --- signing ----------------------------------------------------------------------------


def test_signature_is_an_incremental_update(statement_pdf: bytes, signed_pdf: bytes) -> None:
    assert signed_pdf.startswith(statement_pdf)
    assert b"/ETSI.CAdES.detached" in signed_pdf


def test_wrong_passphrase_raises_signing_error(
    statement_pdf: bytes, pki: dict[str, KeyPair]
) -> None:
    with pytest.raises(SigningError, match="wrong passphrase"):
        sign(statement_pdf, pki, passphrase=b"not the passphrase")


def test_key_that_does_not_match_certificate(statement_pdf: bytes, pki: dict[str, KeyPair]) -> None:
    with pytest.raises(SigningError, match="does not belong"):
        sign_pdf(
            statement_pdf,
            key_path=pki["signer"].key_path,
            cert_path=pki["ca"].cert_path,
            passphrase=SIGNER_PASS,
            chain=[],
            reason="r",
            location="l",
        )


def test_signing_something_that_is_not_a_pdf(pki: dict[str, KeyPair]) -> None:
    with pytest.raises(SigningError, match="not a readable PDF"):
        sign(b"hello, world", pki)


# --- inspection -------------------------------------------------------------------------


def test_signed_statement_is_verified(signed_pdf: bytes, pki: dict[str, KeyPair]) -> None:
    result = inspect_pdf(signed_pdf, roots(pki))
    assert result.problems == []
    assert result.is_pdf and result.signed and result.intact and result.trusted
    assert result.covers_whole_file and result.verified
    signer_pem = load_certificate_pem(pki["signer"].cert_path)
    assert result.signer_fingerprint == certificate_fingerprint(signer_pem)
    assert result.signer_subject == certificate_subject(signer_pem)
    assert result.signed_at is not None
    assert abs(dt.datetime.now(dt.UTC) - result.signed_at) < dt.timedelta(minutes=10)
    payload = statement_json_bytes(DATA)
    assert result.attachment == json.loads(payload)
    assert result.attachment_sha256 == hashlib.sha256(payload).hexdigest()


def test_unrelated_root_is_untrusted_and_quiet(
    signed_pdf: bytes, pki: dict[str, KeyPair], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        result = inspect_pdf(signed_pdf, roots(pki, "other"))
    assert result.signed and result.intact
    assert not result.trusted and not result.verified
    assert any("trusted certification authority" in problem for problem in result.problems)
    assert not [record for record in caplog.records if record.exc_info], "traceback was logged"


def test_inspection_works_inside_an_event_loop(signed_pdf: bytes, pki: dict[str, KeyPair]) -> None:
    async def inspect_in_loop() -> PdfInspection:
        return inspect_pdf(signed_pdf, roots(pki))

    assert asyncio.run(inspect_in_loop()).verified


def test_no_trust_roots_means_untrusted(signed_pdf: bytes) -> None:
    result = inspect_pdf(signed_pdf, [])
    assert result.intact and not result.trusted
    assert result.problems


def test_one_changed_byte_breaks_integrity(signed_pdf: bytes, pki: dict[str, KeyPair]) -> None:
    result = inspect_pdf(flip_byte_in_first_stream(signed_pdf), roots(pki))
    assert result.is_pdf and result.signed
    assert not result.intact and not result.verified
    assert any("changed after it was signed" in problem for problem in result.problems)


@pytest.mark.parametrize("tail", [b"\n", b"% appended comment\n", b"junk\n%%EOF\n"])
def test_appended_bytes_are_reported(
    signed_pdf: bytes, pki: dict[str, KeyPair], tail: bytes
) -> None:
    result = inspect_pdf(signed_pdf + tail, roots(pki))
    assert result.signed and not result.intact and not result.covers_whole_file
    assert f"{len(tail)} byte" in " ".join(result.problems)
    assert "added to the end of the file" in " ".join(result.problems)


def test_incremental_update_after_signing_is_reported(
    signed_pdf: bytes, pki: dict[str, KeyPair]
) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    result = inspect_pdf(out.getvalue(), roots(pki))
    assert result.signed and not result.intact and not result.covers_whole_file
    assert any("modified after it was signed" in problem for problem in result.problems)


def test_unsigned_pdf(statement_pdf: bytes, pki: dict[str, KeyPair]) -> None:
    result = inspect_pdf(statement_pdf, roots(pki))
    assert result.is_pdf and not result.signed and not result.intact and not result.trusted
    assert "The PDF is not digitally signed." in result.problems
    assert result.attachment == json.loads(statement_json_bytes(DATA))


def test_signed_pdf_without_attachment(pki: dict[str, KeyPair]) -> None:
    signed = sign(HTML(string="<p>plain</p>").write_pdf(), pki)
    result = inspect_pdf(signed, roots(pki))
    assert result.verified
    assert result.attachment is None and result.attachment_sha256 is None
    assert any("statement.json" in problem for problem in result.problems)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is a text file\n",
        os.urandom(4096),
        b"%PDF-1.7\n" + os.urandom(4096),
        b"%PDF-1.7\n%%EOF\n",
    ],
    ids=["empty", "text", "random", "pdf-header-then-random", "header-and-eof-only"],
)
def test_garbage_never_raises(data: bytes, pki: dict[str, KeyPair]) -> None:
    result = inspect_pdf(data, roots(pki))
    assert isinstance(result, PdfInspection)
    assert not result.is_pdf and not result.signed and not result.verified
    assert result.problems


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_signed_pdf(signed_pdf: bytes, pki: dict[str, KeyPair], keep: float) -> None:
    result = inspect_pdf(signed_pdf[: int(len(signed_pdf) * keep)], roots(pki))
    assert not result.is_pdf and not result.signed and not result.verified
    assert any("truncated" in problem for problem in result.problems)


def test_unreadable_trust_root_does_not_raise(signed_pdf: bytes) -> None:
    result = inspect_pdf(signed_pdf, [b"-----BEGIN CERTIFICATE-----\nnope\n"])
    assert result.intact and not result.trusted
    assert any("unreadable" in problem for problem in result.problems)


# --- independent check with poppler/NSS -------------------------------------------------


def test_pdfsig_validates_and_trusts(
    signed_pdf: bytes, pki: dict[str, KeyPair], tmp_path: Path
) -> None:
    nss = nss_db_trusting(pki["ca"].cert_path, tmp_path / "nss")
    lines = pdfsig(signed_pdf, nss, tmp_path / "signed.pdf")
    assert "Signature Validation: Signature is Valid." in lines
    assert "Certificate Validation: Certificate is Trusted." in lines
    assert "Total document signed" in lines
    assert "Signature Type: ETSI.CAdES.detached" in lines


def test_pdfsig_rejects_a_changed_byte(
    signed_pdf: bytes, pki: dict[str, KeyPair], tmp_path: Path
) -> None:
    nss = nss_db_trusting(pki["ca"].cert_path, tmp_path / "nss")
    lines = pdfsig(flip_byte_in_first_stream(signed_pdf), nss, tmp_path / "tampered.pdf")
    assert any(line.startswith("Signature Validation:") for line in lines), lines
    assert "Signature Validation: Signature is Valid." not in lines


def test_pdfsig_does_not_trust_an_unrelated_ca(
    signed_pdf: bytes, pki: dict[str, KeyPair], tmp_path: Path
) -> None:
    nss = nss_db_trusting(pki["other"].cert_path, tmp_path / "nss")
    lines = pdfsig(signed_pdf, nss, tmp_path / "signed.pdf")
    assert "Signature Validation: Signature is Valid." in lines
    assert "Certificate Validation: Certificate is Trusted." not in lines

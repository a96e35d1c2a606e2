"""The visible signature block and RFC 3161 timestamps, checked with pyHanko and poppler.

The timestamp authority is a real HTTP endpoint on 127.0.0.1 speaking RFC 3161
(``application/timestamp-query`` in, ``application/timestamp-reply`` out), backed by
pyHanko's DummyTimeStamper with a TSA certificate from a stand-in CA.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from tests.pdftools import inside, nss_db_trusting, pdfsig, words_on_last_page
from tests.pkitools import StandInCA, timestamp_authority
from verification.signing.inspect import inspect_pdf
from verification.signing.keys import KeyPair, create_ca, issue_signing_certificate
from verification.signing.pdf_sign import SignatureAppearance, SigningError, sign_pdf
from verification.statements.render import SIGNATURE_BOX, render_statement_pdf

ROOT = Path(__file__).resolve().parents[2]
PASS = b"signer passphrase"
BODY = "Northbridge Assurance Ltd 北桥核查"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyPair]:
    directory = tmp_path_factory.mktemp("pki")
    ca = create_ca(directory, common_name="Demo CA", organisation="Demo", passphrase=PASS)
    signer = issue_signing_certificate(
        ca,
        PASS,
        directory,
        common_name="Statement signing key",
        organisation=BODY,
        passphrase=PASS,
        filename="signer",
    )
    return {"ca": ca, "signer": signer}


@pytest.fixture(scope="module")
def statement_pdf() -> bytes:
    return render_statement_pdf(
        {"number": "VS-2026-000077", "organisation": {"name": "Riverside Textiles"}},
        templates_dir=ROOT / "templates",
        static_dir=ROOT / "static",
        base_url=(ROOT / "static").as_uri() + "/",
    )


def sign(pdf: bytes, pki: dict[str, KeyPair], **options) -> bytes:
    return sign_pdf(
        pdf,
        key_path=pki["signer"].key_path,
        cert_path=pki["signer"].cert_path,
        passphrase=PASS,
        chain=[pki["ca"].cert_path],
        reason="Verification statement VS-2026-000077",
        location=BODY,
        **options,
    )


@pytest.fixture(scope="module")
def visible_pdf(statement_pdf: bytes, pki: dict[str, KeyPair]) -> bytes:
    return sign(statement_pdf, pki, appearance=SignatureAppearance(SIGNATURE_BOX, BODY))


def roots(*pems: bytes | Path) -> list[bytes]:
    return [pem.read_bytes() if isinstance(pem, Path) else pem for pem in pems]


def words_in(pdf: bytes, tmp_path: Path, box: tuple[float, ...]) -> list[str]:
    """Words pdftotext places (wholly) inside ``box`` on the last page."""
    return [
        word for word, where in words_on_last_page(pdf, tmp_path / "b.pdf") if inside(where, box)
    ]


# --- visible signature ------------------------------------------------------------------


def test_signature_widget_sits_in_the_box_on_the_last_page(visible_pdf: bytes) -> None:
    reader = PdfFileReader(BytesIO(visible_pdf))
    field = next(sig for sig in reader.embedded_signatures).sig_field
    pages = reader.root["/Pages"]["/Kids"]
    assert field.raw_get("/P").idnum == pages.raw_get(len(pages) - 1).idnum  # the last page
    assert [round(float(v), 2) for v in field["/Rect"]] == list(SIGNATURE_BOX)
    assert int(field["/F"]) & 0b100, "the widget must print (PDF/A requires the Print flag)"
    assert "/N" in field["/AP"]


def test_signature_block_shows_who_signed_for_whom_and_when(
    visible_pdf: bytes, tmp_path: Path
) -> None:
    text = " ".join(words_in(visible_pdf, tmp_path, SIGNATURE_BOX))
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    for expected in (
        "Digitally signed",
        "数字签名",
        "Statement signing key",  # the certificate's common name
        "Verification body",
        "核查机构",
        "Northbridge Assurance Ltd",
        "北桥核查",
        today,
        "UTC",
    ):
        assert expected in text, (expected, text)


def test_signature_font_is_embedded_and_signature_valid(
    visible_pdf: bytes, pki: dict[str, KeyPair], tmp_path: Path
) -> None:
    path = tmp_path / "visible.pdf"
    path.write_bytes(visible_pdf)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert any("NotoSansCJKsc" in line for line in fonts), fonts
    for line in fonts:
        assert line.split()[-5] == "yes", line  # "emb" column
    result = inspect_pdf(visible_pdf, roots(pki["ca"].cert_path))
    assert result.verified, result.problems
    assert result.timestamped_at is None  # no TSA configured
    lines = pdfsig(visible_pdf, nss_db_trusting(pki["ca"].cert_path, tmp_path / "nss"), path)
    assert "Signature Validation: Signature is Valid." in lines, lines
    assert "Certificate Validation: Certificate is Trusted." in lines, lines


def test_a_missing_signature_font_is_a_signing_error(
    statement_pdf: bytes, pki: dict[str, KeyPair], tmp_path: Path
) -> None:
    appearance = SignatureAppearance(SIGNATURE_BOX, BODY, font_file=tmp_path / "none.ttc")
    with pytest.raises(SigningError, match="fonts-noto-cjk"):
        sign(statement_pdf, pki, appearance=appearance)


# --- RFC 3161 timestamps -----------------------------------------------------------------


@pytest.fixture(scope="module")
def tsa_ca() -> StandInCA:
    return StandInCA("Test Time Stamping")


@pytest.fixture
def tsa(tsa_ca: StandInCA) -> Iterator[tuple[str, list[str]]]:
    with timestamp_authority(tsa_ca) as running:
        yield running


def test_signature_carries_a_timestamp_from_the_tsa(
    statement_pdf: bytes,
    pki: dict[str, KeyPair],
    tsa: tuple[str, list[str]],
    tsa_ca: StandInCA,
) -> None:
    url, requests = tsa
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    signed = sign(
        statement_pdf,
        pki,
        appearance=SignatureAppearance(SIGNATURE_BOX, BODY),
        timestamp_url=url,
    )
    assert requests and set(requests) == {"application/timestamp-query"}

    # pyHanko, trusting both the signer's CA and the TSA's root.
    sig = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
    context = ValidationContext(
        trust_roots=[
            asn1_x509.Certificate.load(pki_der)
            for pki_der in (
                _der(pki["ca"].cert_path.read_bytes()),
                tsa_ca.root.cert.public_bytes(serialization.Encoding.DER),
            )
        ],
        allow_fetching=False,
    )
    status = validate_pdf_signature(sig, signer_validation_context=context)
    stamp = status.timestamp_validity
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    assert before <= stamp.timestamp <= dt.datetime.now(dt.UTC)
    assert status.bottom_line

    result = inspect_pdf(signed, roots(pki["ca"].cert_path, tsa_ca.root.pem))
    assert result.verified, result.problems
    assert result.timestamped_at == stamp.timestamp and result.timestamp_trusted

    # Without the TSA's root the timestamp is still read, just not trusted; the signer is.
    result = inspect_pdf(signed, roots(pki["ca"].cert_path))
    assert result.verified and result.timestamped_at is not None
    assert not result.timestamp_trusted


def test_an_unreachable_tsa_is_a_signing_error(
    statement_pdf: bytes, pki: dict[str, KeyPair]
) -> None:
    with pytest.raises(SigningError, match="timestamp authority at http://127.0.0.1:9/"):
        sign(statement_pdf, pki, timestamp_url="http://127.0.0.1:9/")  # nothing listens


def _der(pem: bytes) -> bytes:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)

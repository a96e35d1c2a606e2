"""Apply a PAdES (B-B) signature to a PDF as an incremental update.

The signature is invisible, uses SHA-256, and embeds the signer certificate and
the given chain so that a verifier needs only the root certificate.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .keys import KeyMaterialError, load_private_key


class SigningError(Exception):
    """The PDF could not be signed; the message says why in plain words."""


class _LoadedKeySigner(signers.SimpleSigner):
    """A SimpleSigner that signs with an already loaded RSA key.

    pyHanko's SimpleSigner re-parses its PKCS#8 key for every raw signature, and
    cryptography re-validates an RSA key on each parse (about 0.1 s for RSA 3072;
    two signatures per PDF because pyHanko sizes the placeholder with a dummy run).
    """

    def __init__(self, key: rsa.RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = None
        if algorithm == "rsassa_pkcs1v15" and digest_algorithm == "sha256":
            return self._key.sign(data, PKCS1v15(), hashes.SHA256())
        return super().sign_raw(data, digest_algorithm)


def sign_pdf(
    pdf: bytes,
    *,
    key_path: Path,
    cert_path: Path,
    passphrase: bytes,
    chain: list[Path],
    reason: str,
    location: str,
    field_name: str = "Signature1",
) -> bytes:
    """Return ``pdf`` with a PAdES signature appended as an incremental update.

    ``chain`` lists PEM files with the issuing CA certificates (a file may hold several).
    Call it from synchronous code: pyHanko runs its own event loop (``asyncio.run``).

    Raises:
        SigningError: the key file is missing, the passphrase is wrong, the key does not
            belong to the certificate, the certificate is not currently valid, a chain
            file is not a PEM certificate, ``pdf`` is not a readable PDF, or the field
            name is already used by a signed field.
        RuntimeError: called from inside a running asyncio event loop.
    """
    key, cert = _load_signer_material(key_path, cert_path, passphrase)
    chain_certs = [_as_asn1_cert(c) for path in chain for c in _read_certificates(path)]
    signer = _LoadedKeySigner(
        key,
        signing_cert=_as_asn1_cert(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(chain_certs),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise SigningError(f"the document is not a readable PDF: {exc}") from exc
    try:
        output = signers.PdfSigner(metadata, signer=signer).sign_pdf(writer)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SigningError(f"could not sign the PDF: {exc}") from exc
    return output.getvalue()


def _load_signer_material(
    key_path: Path, cert_path: Path, passphrase: bytes
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    try:
        key = load_private_key(key_path, passphrase)
    except FileNotFoundError as exc:
        raise SigningError(f"the signing key file {key_path} does not exist") from exc
    except KeyMaterialError as exc:
        raise SigningError(
            f"cannot open the signing key {key_path}: wrong passphrase or not a PEM key"
        ) from exc
    certs = _read_certificates(cert_path)
    if len(certs) != 1:
        raise SigningError(f"{cert_path} must hold exactly one certificate, found {len(certs)}")
    cert = certs[0]
    if cert.public_key() != key.public_key():
        raise SigningError(f"the key {key_path} does not belong to the certificate {cert_path}")
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SigningError(
            f"the signing certificate is not valid now (valid {cert.not_valid_before_utc:%Y-%m-%d}"
            f" to {cert.not_valid_after_utc:%Y-%m-%d})"
        )
    return key, cert


def _read_certificates(path: Path) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the certificate file {path}: {exc.strerror}") from exc
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise SigningError(f"{path} is not a PEM certificate file") from exc


def _as_asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

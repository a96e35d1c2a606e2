"""Create a certificate authority and document-signing certificates (RSA 3072, SHA-256).

Files are written as PEM: the certificate to ``<filename>.cert.pem`` and the private key,
encrypted with the passphrase, to ``<filename>.key.pem`` with mode 0600. Existing
files are never overwritten.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

RSA_KEY_SIZE = 3072

#: id-kp-documentSigning (RFC 9336).
DOCUMENT_SIGNING_OID = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

#: Both purposes go on the signing certificate: poppler's ``pdfsig`` asks NSS to
#: verify the signer for e-mail signing, which needs ``emailProtection`` once an
#: extended key usage extension is present; ``documentSigning`` names the real purpose.
SIGNING_EXTENDED_KEY_USAGES = (DOCUMENT_SIGNING_OID, ExtendedKeyUsageOID.EMAIL_PROTECTION)

# Backdate notBefore a little so a clock that lags slightly still accepts new certificates.
_CLOCK_SKEW = dt.timedelta(minutes=5)


class KeyMaterialError(ValueError):
    """A key or certificate file cannot be used (bad passphrase, wrong format, mismatch)."""


@dataclass(frozen=True)
class KeyPair:
    """Paths to a PEM private key (encrypted) and its PEM certificate."""

    key_path: Path
    cert_path: Path


def create_ca(
    directory: Path,
    *,
    common_name: str,
    organisation: str,
    passphrase: bytes,
    valid_days: int = 3650,
    filename: str = "ca",
) -> KeyPair:
    """Create a self-signed CA certificate and its encrypted private key in ``directory``.

    The CA may sign end-entity certificates only (path length 0).

    Raises:
        FileExistsError: ``<filename>.cert.pem`` or ``<filename>.key.pem`` already exists.
        ValueError: empty passphrase, bad filename or non-positive ``valid_days``.
    """
    pair = _target_paths(directory, filename)
    _check_inputs(passphrase, valid_days)
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
    name = _name(common_name, organisation)
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    _write_pair(pair, key, cert, passphrase)
    return pair


def issue_signing_certificate(
    ca: KeyPair,
    ca_passphrase: bytes,
    directory: Path,
    *,
    common_name: str,
    organisation: str,
    passphrase: bytes,
    valid_days: int = 825,
    filename: str,
) -> KeyPair:
    """Issue a document-signing certificate signed by ``ca``; write it and its key.

    Key usage is digitalSignature + nonRepudiation; extended key usage is
    documentSigning + emailProtection. The certificate never outlives the CA.

    Raises:
        FileExistsError: the target certificate or key file already exists.
        FileNotFoundError: a CA file is missing.
        KeyMaterialError: the CA key cannot be decrypted with ``ca_passphrase``, the CA
            files are not PEM, the CA key does not match the CA certificate, or the CA
            has expired.
        ValueError: empty passphrase, bad filename or non-positive ``valid_days``.
    """
    pair = _target_paths(directory, filename)
    _check_inputs(passphrase, valid_days)
    ca_key = load_private_key(ca.key_path, ca_passphrase)
    ca_cert = _parse_certificate(ca.cert_path.read_bytes(), str(ca.cert_path))
    if ca_cert.public_key() != ca_key.public_key():
        raise KeyMaterialError(f"{ca.key_path} is not the key of the CA certificate {ca.cert_path}")
    now = dt.datetime.now(dt.UTC)
    if ca_cert.not_valid_after_utc <= now:
        raise KeyMaterialError(f"the CA certificate {ca.cert_path} has expired")
    not_after = min(now + dt.timedelta(days=valid_days), ca_cert.not_valid_after_utc)

    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(SIGNING_EXTENDED_KEY_USAGES)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_pair(pair, key, cert, passphrase)
    return pair


def write_key_pair(
    directory: Path,
    filename: str,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    passphrase: bytes,
) -> KeyPair:
    """Write ``key`` (encrypted with ``passphrase``, mode 0600) and ``cert`` as PEM files.

    Raises:
        FileExistsError: a target file already exists.
        ValueError: empty passphrase or bad filename.
    """
    pair = _target_paths(directory, filename)
    _check_inputs(passphrase, 1)
    _write_pair(pair, key, cert, passphrase)
    return pair


def write_certificates(path: Path, certs: list[x509.Certificate]) -> None:
    """Write ``certs`` to a new PEM file (mode 0644); raises FileExistsError if present."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)
    _write_new(path, pem, 0o644)


def load_private_key(path: Path, passphrase: bytes) -> rsa.RSAPrivateKey:
    """Read and decrypt a PEM RSA private key.

    Raises:
        FileNotFoundError: no such file.
        KeyMaterialError: wrong passphrase, not a PEM private key, or not an RSA key.
    """
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=passphrase or None)
    except (ValueError, TypeError) as exc:
        raise KeyMaterialError(
            f"cannot open the private key {path}: wrong passphrase or not a PEM private key"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyMaterialError(f"{path} is not an RSA private key")
    return key


def load_certificate_pem(path: Path) -> bytes:
    """Return the PEM bytes of the certificate file at ``path`` after checking it parses.

    Raises:
        FileNotFoundError: no such file.
        KeyMaterialError: the file is not a PEM certificate.
    """
    data = path.read_bytes()
    _parse_certificate(data, str(path))
    return data


def certificate_fingerprint(pem: bytes) -> str:
    """SHA-256 fingerprint of the certificate's DER encoding, lowercase hex.

    Raises:
        KeyMaterialError: ``pem`` is not a PEM certificate.
    """
    return _parse_certificate(pem).fingerprint(hashes.SHA256()).hex()


def certificate_subject(pem: bytes) -> str:
    """Subject of the certificate as an RFC 4514 string (e.g. ``CN=...,O=...``).

    Raises:
        KeyMaterialError: ``pem`` is not a PEM certificate.
    """
    return _parse_certificate(pem).subject.rfc4514_string()


def _parse_certificate(pem: bytes, origin: str = "data") -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise KeyMaterialError(f"{origin} is not a PEM certificate") from exc


def _target_paths(directory: Path, filename: str) -> KeyPair:
    if not filename or "/" in filename or "\\" in filename or filename.startswith("."):
        raise ValueError(f"bad certificate file name: {filename!r}")
    pair = KeyPair(
        key_path=directory / f"{filename}.key.pem", cert_path=directory / f"{filename}.cert.pem"
    )
    for path in (pair.key_path, pair.cert_path):
        if path.exists():
            raise FileExistsError(f"refusing to overwrite {path}")
    return pair


def _check_inputs(passphrase: bytes, valid_days: int) -> None:
    if not passphrase:
        raise ValueError("a non-empty passphrase is required to protect the private key")
    if valid_days <= 0:
        raise ValueError("valid_days must be positive")


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write_pair(
    pair: KeyPair, key: rsa.RSAPrivateKey, cert: x509.Certificate, passphrase: bytes
) -> None:
    pair.key_path.parent.mkdir(parents=True, exist_ok=True)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    _write_new(pair.key_path, key_pem, 0o600)
    try:
        _write_new(pair.cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    except BaseException:
        pair.key_path.unlink(missing_ok=True)
        raise


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` exclusively (O_EXCL) with ``mode``; raises FileExistsError if present."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), mode)  # os.open's mode was filtered by the umask
        handle.write(data)

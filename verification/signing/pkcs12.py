"""Read a signing credential from a PKCS#12 (.p12 / .pfx) file and check it can sign.

A verification body that has a document-signing certificate from a real certification
authority exports it, with its private key and the issuing CA certificates, as a PKCS#12
file. ``load_pkcs12`` opens that file and refuses anything that could not sign a statement
that validators accept: an expired or not yet valid certificate, a certificate that is not
for digital signatures, a key that does not belong to it, or a chain that does not reach
a root certificate. Nothing here writes files; ``keys.write_key_pair`` does that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from .keys import DOCUMENT_SIGNING_OID, KeyMaterialError

#: Key purposes under which a certificate may sign PDF documents: documentSigning
#: (RFC 9336), emailProtection (what NSS and pdfsig look for), Adobe's Authentic
#: Documents Trust purpose, and anyExtendedKeyUsage.
DOCUMENT_SIGNING_PURPOSES = frozenset(
    {
        DOCUMENT_SIGNING_OID,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        ObjectIdentifier("1.2.840.113583.1.1.5"),
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    }
)

_MAX_CHAIN = 8

_E = TypeVar("_E", bound=x509.ExtensionType)


@dataclass(frozen=True)
class ImportedCredential:
    """A checked signing key, its certificate and the CA certificates above it.

    ``chain`` runs from the certificate's issuer up to a self-signed root (last).
    """

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate]

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1]


def load_pkcs12(
    data: bytes,
    password: bytes | None,
    *,
    extra_cas: list[x509.Certificate] | None = None,
    now: dt.datetime | None = None,
) -> ImportedCredential:
    """Open a PKCS#12 file and check its key and certificate can sign statements now.

    ``extra_cas`` adds CA certificates the file lacks (typically the root, which many
    CAs leave out of the files they issue).

    Raises:
        KeyMaterialError: with a sentence saying what is wrong: wrong password or not a
            PKCS#12 file; no key; a key that is not RSA; no certificate for the key;
            a certificate that has expired, is not yet valid, is a CA certificate or is
            not for digital signatures; or a chain that does not reach a root, or holds
            a CA certificate that is not valid now.
    """
    now = now or dt.datetime.now(dt.UTC)
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, password or None)
    except (ValueError, TypeError) as exc:
        raise KeyMaterialError(
            "cannot open the PKCS#12 file: wrong password, or not a PKCS#12 file"
        ) from exc
    if key is None:
        raise KeyMaterialError("the PKCS#12 file holds no private key")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyMaterialError(
            f"the PKCS#12 file holds a {type(key).__name__} key; only RSA keys are supported"
        )
    if cert is None or cert.public_key() != key.public_key():
        # Some tools store the certificate among the "other" certificates.
        matching = [c for c in others if c.public_key() == key.public_key()]
        if not matching:
            raise KeyMaterialError(
                "the private key in the PKCS#12 file does not match its certificate"
            )
        cert = matching[0]
    check_signing_certificate(cert, now)
    cas = [c for c in [*others, *(extra_cas or [])] if c != cert]
    return ImportedCredential(key=key, certificate=cert, chain=_build_chain(cert, cas, now))


def check_signing_certificate(cert: x509.Certificate, now: dt.datetime) -> None:
    """Refuse a certificate that cannot sign documents at ``now``.

    Raises:
        KeyMaterialError: expired, not yet valid, a CA certificate, or not for signing.
    """
    who = _name(cert)
    if cert.not_valid_after_utc <= now:
        raise KeyMaterialError(
            f"the certificate {who} expired on {cert.not_valid_after_utc:%Y-%m-%d}"
        )
    if cert.not_valid_before_utc > now:
        raise KeyMaterialError(
            f"the certificate {who} is not valid before {cert.not_valid_before_utc:%Y-%m-%d}"
        )
    if _is_ca(cert):
        raise KeyMaterialError(f"the certificate {who} is a CA certificate, not a signing one")
    usage = _extension(cert, x509.KeyUsage)
    if usage is None or not (usage.digital_signature or usage.content_commitment):
        raise KeyMaterialError(
            f"the certificate {who} is not for digital signatures (its key usage lacks "
            "digitalSignature and nonRepudiation)"
        )
    if not usage.content_commitment:
        raise KeyMaterialError(
            f"the certificate {who} lacks the nonRepudiation (content commitment) key usage, "
            "which PDF signature validators require of a document signer"
        )
    purposes = _extension(cert, x509.ExtendedKeyUsage)
    if purposes is not None and not DOCUMENT_SIGNING_PURPOSES.intersection(purposes):
        raise KeyMaterialError(
            f"the certificate {who} is not for signing documents (its extended key usage "
            "names neither documentSigning nor emailProtection)"
        )


def _build_chain(
    cert: x509.Certificate, cas: list[x509.Certificate], now: dt.datetime
) -> list[x509.Certificate]:
    chain: list[x509.Certificate] = []
    current = cert
    while len(chain) < _MAX_CHAIN:
        issuer = next((ca for ca in cas if _issued(current, ca)), None)
        if issuer is None:
            raise KeyMaterialError(
                f"the chain of {_name(cert)} stops at {_name(current)}: the certificate of its "
                f"issuer ({current.issuer.rfc4514_string()}) is missing; give the CA's root "
                "certificate (PEM) as well"
            )
        if not _is_ca(issuer):
            raise KeyMaterialError(f"{_name(issuer)} is not a CA certificate")
        if not issuer.not_valid_before_utc <= now < issuer.not_valid_after_utc:
            raise KeyMaterialError(f"the CA certificate {_name(issuer)} is not valid now")
        chain.append(issuer)
        if issuer.issuer == issuer.subject:
            return chain
        current = issuer
    raise KeyMaterialError(f"the chain of {_name(cert)} is longer than {_MAX_CHAIN} certificates")


def _issued(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    constraints = _extension(cert, x509.BasicConstraints)
    return constraints is not None and constraints.ca


def _extension(cert: x509.Certificate, kind: type[_E]) -> _E | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _name(cert: x509.Certificate) -> str:
    return f'"{cert.subject.rfc4514_string()}"'

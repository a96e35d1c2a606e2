"""Signing credentials and trust anchors: the demo set, imported PKCS#12 keys, rotation.

A verification body has at most one active credential; it signs new statements. Rotating
makes another one active and leaves the old one in place, inactive: the statements it
signed keep verifying (its CA stays a trust anchor) and still name their signer.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from flask import current_app
from sqlalchemy import select

from ..accounts.models import Organisation
from ..extensions import db
from ..signing.keys import (
    KeyMaterialError,
    KeyPair,
    certificate_fingerprint,
    certificate_subject,
    create_ca,
    issue_signing_certificate,
    load_private_key,
    write_certificates,
    write_key_pair,
)
from ..signing.pkcs12 import load_pkcs12
from ..timeutil import utcnow
from .models import SigningCredential, TrustAnchor

DEMO_DIR = "demo"
IMPORTED_DIR = "imported"
DEMO_CA_NAME = "DEMO Verification CA - not for production use"


class NoSigningKey(RuntimeError):
    """The verification body has no active signing credential; run ``flask keys init-demo``."""


class KeyRefused(ValueError):
    """An import or a rotation was refused; the message says why. Nothing was written."""


def keys_dir() -> Path:
    return Path(current_app.config["KEYS_DIR"])


def passphrase() -> bytes:
    return current_app.config["KEY_PASSPHRASE"].encode()


def _anchor(pem: bytes, name: str, is_demo: bool) -> TrustAnchor:
    fingerprint = certificate_fingerprint(pem)
    existing = db.session.scalar(select(TrustAnchor).where(TrustAnchor.fingerprint == fingerprint))
    if existing is not None:
        return existing
    anchor = TrustAnchor(
        name=name,
        subject=certificate_subject(pem),
        fingerprint=fingerprint,
        cert_pem=pem.decode(),
        is_demo=is_demo,
    )
    db.session.add(anchor)
    db.session.flush()
    return anchor


def init_demo(body: Organisation) -> SigningCredential:
    """Create (once) the demo CA and a signing certificate for ``body``; idempotent."""
    existing = active_credential(body, required=False)
    if existing is not None:
        return existing
    return _new_demo_credential(body)


def _new_demo_credential(body: Organisation) -> SigningCredential:
    """A fresh demo key and certificate for ``body``, added as an active credential."""
    directory = keys_dir() / DEMO_DIR
    directory.mkdir(parents=True, exist_ok=True)
    ca = KeyPair(directory / "ca.key.pem", directory / "ca.cert.pem")
    if not ca.cert_path.exists():
        ca = create_ca(
            directory,
            common_name=DEMO_CA_NAME,
            organisation="Verification platform (DEMO)",
            passphrase=passphrase(),
            filename="ca",
        )
    _anchor(ca.cert_path.read_bytes(), DEMO_CA_NAME, is_demo=True)
    # A fresh key for each credential: file names never collide with an earlier body's.
    filename = f"body-{body.id}-{secrets.token_hex(4)}"
    pair = issue_signing_certificate(
        ca,
        passphrase(),
        directory,
        common_name=f"DEMO signing key - {body.name}",
        organisation=body.name,
        passphrase=passphrase(),
        filename=filename,
    )
    pem = pair.cert_path.read_bytes()
    credential = SigningCredential(
        organisation_id=body.id,
        subject=certificate_subject(pem),
        fingerprint=certificate_fingerprint(pem),
        cert_pem=pem.decode(),
        key_file=str(pair.key_path.relative_to(keys_dir())),
        chain_files=str(ca.cert_path.relative_to(keys_dir())),
        is_demo=True,
        active=True,
        not_after=x509.load_pem_x509_certificate(pem).not_valid_after_utc,
    )
    db.session.add(credential)
    db.session.flush()
    return credential


def import_pkcs12(
    body: Organisation,
    data: bytes,
    password: bytes | None,
    *,
    roots: tuple[bytes, ...] = (),
    activate: bool = False,
) -> SigningCredential:
    """Store the key, certificate and chain of a PKCS#12 file as a credential of ``body``.

    The key is re-encrypted with ``KEY_PASSPHRASE``; the chain's root (from the file or
    ``roots``, PEM) becomes a trust anchor. The credential is active if ``body`` has no
    active one, or if ``activate`` (then the current one is rotated out).

    Raises:
        KeyRefused: the file cannot be opened or its certificate cannot sign (see
            ``signing.pkcs12.load_pkcs12``), or it is already imported. Nothing is written.
    """
    try:
        extra = [c for pem in roots for c in x509.load_pem_x509_certificates(pem)]
    except ValueError as exc:
        raise KeyRefused("the root certificate file is not a PEM certificate") from exc
    try:
        imported = load_pkcs12(data, password, extra_cas=extra)
    except KeyMaterialError as exc:
        raise KeyRefused(str(exc)) from exc
    cert_pem = imported.certificate.public_bytes(Encoding.PEM)
    existing = credential_by_fingerprint(certificate_fingerprint(cert_pem))
    if existing is not None:
        raise KeyRefused(
            f"this certificate is already imported (for {existing.organisation.name}, "
            f"sha256:{existing.fingerprint})"
        )
    directory = keys_dir() / IMPORTED_DIR
    filename = f"body-{body.id}-{secrets.token_hex(4)}"
    pair = write_key_pair(directory, filename, imported.key, imported.certificate, passphrase())
    chain_path = directory / f"{filename}.chain.pem"
    try:
        write_certificates(chain_path, imported.chain)
        root = imported.root
        _anchor(root.public_bytes(Encoding.PEM), _common_name(root), is_demo=False)
        current = active_credential(body, required=False)
        credential = SigningCredential(
            organisation_id=body.id,
            subject=certificate_subject(cert_pem),
            fingerprint=certificate_fingerprint(cert_pem),
            cert_pem=cert_pem.decode(),
            key_file=str(pair.key_path.relative_to(keys_dir())),
            chain_files=str(chain_path.relative_to(keys_dir())),
            is_demo=False,
            active=current is None,
            not_after=imported.certificate.not_valid_after_utc,
        )
        db.session.add(credential)
        db.session.flush()
        if activate and current is not None:
            rotate(body, to_fingerprint=credential.fingerprint)
    except BaseException:
        for path in (pair.key_path, pair.cert_path, chain_path):
            path.unlink(missing_ok=True)
        raise
    return credential


def rotate(
    body: Organisation, to_fingerprint: str | None = None
) -> tuple[SigningCredential | None, SigningCredential]:
    """Make another credential ``body``'s active one; returns (previous, new).

    Without ``to_fingerprint`` a new demo key is issued (refused when the body signs with
    an imported certificate: import its successor, then name it). With it, that stored
    credential of ``body`` is activated. The previous credential stays, inactive.

    Raises:
        KeyRefused: no such credential of ``body``, already active, its certificate is
            not valid now, its key cannot be opened, or the imported case above.
    """
    current = active_credential(body, required=False)
    if to_fingerprint:
        fingerprint = to_fingerprint.strip().lower().removeprefix("sha256:")
        target = credential_by_fingerprint(fingerprint)
        if target is None or target.organisation_id != body.id:
            raise KeyRefused(
                f"{body.name} has no credential sha256:{fingerprint}; see `flask keys list`"
            )
        if target.active:
            raise KeyRefused(f"sha256:{fingerprint} is already the active credential")
        _check_usable(target)
    elif current is not None and not current.is_demo:
        raise KeyRefused(
            f"{body.name} signs with an imported certificate: import its successor with "
            "`flask keys import-p12`, then activate it with `flask keys rotate --to FINGERPRINT`"
        )
    else:
        target = _new_demo_credential(body)
    if current is not None:
        current.active, current.rotated_at = False, utcnow()
    target.active, target.rotated_at = True, None
    db.session.flush()
    return current, target


def _check_usable(credential: SigningCredential) -> None:
    certificate = x509.load_pem_x509_certificate(credential.cert_pem.encode())
    now = utcnow()
    if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
        raise KeyRefused(
            f"the certificate sha256:{credential.fingerprint} is not valid now (valid "
            f"{certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d})"
        )
    try:
        load_private_key(keys_dir() / credential.key_file, passphrase())
    except (OSError, KeyMaterialError) as exc:
        raise KeyRefused(
            f"the key of sha256:{credential.fingerprint} cannot be opened with KEY_PASSPHRASE"
        ) from exc


def credentials(body: Organisation | None = None) -> list[SigningCredential]:
    """Every stored credential (of ``body``), by body, then oldest first."""
    query = select(SigningCredential).order_by(
        SigningCredential.organisation_id, SigningCredential.id
    )
    if body is not None:
        query = query.where(SigningCredential.organisation_id == body.id)
    return list(db.session.scalars(query))


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def active_credential(body: Organisation, required: bool = True) -> SigningCredential | None:
    """The body's newest active credential. Raises :class:`NoSigningKey` when required."""
    credential = db.session.scalar(
        select(SigningCredential)
        .where(SigningCredential.organisation_id == body.id, SigningCredential.active.is_(True))
        .order_by(SigningCredential.id.desc())
    )
    if credential is None and required:
        raise NoSigningKey(f"{body.name} has no signing key; run `flask keys init-demo`.")
    return credential


def trust_roots() -> list[bytes]:
    return [a.cert_pem.encode() for a in db.session.scalars(select(TrustAnchor))]


def credential_by_fingerprint(fingerprint: str | None) -> SigningCredential | None:
    if not fingerprint:
        return None
    return db.session.scalar(
        select(SigningCredential).where(SigningCredential.fingerprint == fingerprint)
    )

"""Signing credentials and trust anchors: creating the demo set, finding a body's key."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..accounts.models import Organisation
from ..extensions import db
from ..signing.keys import (
    KeyPair,
    certificate_fingerprint,
    certificate_subject,
    create_ca,
    issue_signing_certificate,
)
from .models import SigningCredential, TrustAnchor

DEMO_DIR = "demo"
DEMO_CA_NAME = "DEMO Verification CA - not for production use"


class NoSigningKey(RuntimeError):
    """The verification body has no active signing credential; run ``flask keys init-demo``."""


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
    )
    db.session.add(credential)
    db.session.flush()
    return credential


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

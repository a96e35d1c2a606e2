"""A small certification authority built with ``cryptography`` alone, standing in for a real
CA in the tests: it issues the PKCS#12 files to import and the timestamp authority's
certificate. Independent of ``verification.signing.keys`` on purpose."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
SIGNING_PURPOSES = (DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def usage(**bits: bool) -> x509.KeyUsage:
    """A KeyUsage extension with the named bits set."""
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{name: bits.get(name, False) for name in names})


@dataclass
class Issued:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class StandInCA:
    """A root and an intermediate CA; ``issue`` makes end-entity certificates."""

    name: str = "Test Trust Services"
    root: Issued = field(init=False)
    intermediate: Issued = field(init=False)

    def __post_init__(self) -> None:
        now = dt.datetime.now(dt.UTC)
        root_key = _key()
        root_name = _name(f"{self.name} Root CA")
        root = (
            self._builder(root_name, root_name, root_key, now - dt.timedelta(days=1), 3650)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
            .sign(root_key, hashes.SHA256())
        )
        self.root = Issued(root_key, root)
        mid_key = _key()
        mid = (
            self._builder(
                _name(f"{self.name} Signing CA"),
                root_name,
                mid_key,
                now - dt.timedelta(days=1),
                1825,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
            .sign(root_key, hashes.SHA256())
        )
        self.intermediate = Issued(mid_key, mid)

    @staticmethod
    def _builder(subject, issuer, key, not_before, days) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + dt.timedelta(days=days))
        )

    def issue(
        self,
        common_name: str,
        *,
        not_before: dt.datetime | None = None,
        days: int = 365,
        key_usage: x509.KeyUsage | None = None,
        purposes: tuple = SIGNING_PURPOSES,
        critical_purposes: bool = False,
    ) -> Issued:
        """An end-entity certificate from the intermediate (by default, a document signer)."""
        key = _key()
        start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        builder = (
            self._builder(_name(common_name), self.intermediate.cert.subject, key, start, days)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                key_usage or usage(digital_signature=True, content_commitment=True),
                critical=True,
            )
        )
        if purposes:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage(list(purposes)), critical=critical_purposes
            )
        cert = builder.sign(self.intermediate.key, hashes.SHA256())
        return Issued(key, cert)

    def pkcs12(
        self,
        issued: Issued,
        password: bytes,
        *,
        with_root: bool = True,
        key: rsa.RSAPrivateKey | None = None,
    ) -> bytes:
        """``issued`` as a PKCS#12 file with the intermediate (and the root).

        ``key`` stores another private key with the certificate among the CA certificates
        (PKCS#12 tools refuse to pair a certificate with a key that is not its own).
        """
        cas = [self.intermediate.cert] + ([self.root.cert] if with_root else [])
        if key is not None:
            return pkcs12.serialize_key_and_certificates(
                b"signer", key, None, [issued.cert, *cas], BestAvailableEncryption(password)
            )
        return pkcs12.serialize_key_and_certificates(
            b"signer", issued.key, issued.cert, cas, BestAvailableEncryption(password)
        )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Trust Services Ltd"),
        ]
    )


class _TsaHandler(http.server.BaseHTTPRequestHandler):
    """RFC 3161 over HTTP: a DER TimeStampReq in, a DER TimeStampResp out."""

    stamper: DummyTimeStamper
    requests: list[str]

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.requests.append(self.headers["Content-Type"])
        payload = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@contextmanager
def timestamp_authority(ca: StandInCA) -> Iterator[tuple[str, list[str]]]:
    """A timestamp authority on 127.0.0.1 (pyHanko's DummyTimeStamper behind a real HTTP
    endpoint), its certificate issued by ``ca``. Yields its URL and the Content-Type of
    each request it answered."""
    issued = ca.issue(
        "Test TSA",
        key_usage=usage(digital_signature=True),
        purposes=(ExtendedKeyUsageOID.TIME_STAMPING,),
        critical_purposes=True,  # RFC 3161 2.3: the only purpose, critical
    )
    key = issued.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    stamper = DummyTimeStamper(
        tsa_cert=_asn1(issued.cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key),
        certs_to_embed=[_asn1(ca.intermediate.cert)],
    )
    handler = type("Handler", (_TsaHandler,), {"stamper": stamper, "requests": []})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", handler.requests
    finally:
        server.shutdown()
        server.server_close()

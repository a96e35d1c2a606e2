"""Apply a PAdES signature to a PDF as an incremental update.

The signature uses SHA-256 and embeds the signer certificate and the given chain so that a
verifier needs only the root certificate. With a ``SignatureAppearance`` it is visible: a
box on the last page names the signer, the organisation and the date, in English and
Simplified Chinese, in an embedded font (a subset of Noto Sans CJK SC, which covers Latin
too). With a timestamp authority URL it carries an RFC 3161 signature timestamp (PAdES
B-T); otherwise it is PAdES B-B.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import uharfbuzz as hb
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .keys import KeyMaterialError, load_private_key

#: Debian's fonts-noto-cjk (scripts/sysdeps.sh installs it); a collection of faces.
STAMP_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
STAMP_FONT_FAMILY = "Noto Sans CJK SC"
TSA_TIMEOUT_SECONDS = 15

_STAMP_TEXT = (
    "Digitally signed 数字签名\n"
    "Signer 签署人: {signer}\n"
    "Verification body 核查机构: {organisation}\n"
    "Date 日期: {date}"
)
_MAX_NAME = 80


class SigningError(Exception):
    """The PDF could not be signed; the message says why in plain words."""


@dataclass(frozen=True)
class SignatureAppearance:
    """A visible signature on the last page.

    ``box`` is (left, bottom, right, top) in PDF points from the page's lower-left corner;
    the document must leave it free. ``signer`` defaults to the certificate's common name.
    ``font_file`` is an OpenType/TrueType font or collection; ``font_family`` picks the
    face of a collection.
    """

    box: tuple[float, float, float, float]
    organisation: str
    signer: str | None = None
    font_file: Path = STAMP_FONT
    font_family: str = STAMP_FONT_FAMILY

    def text(self, signer: str, when: dt.datetime) -> str:
        """The lines printed in the box."""
        return _STAMP_TEXT.format(
            signer=_clip(self.signer or signer),
            organisation=_clip(self.organisation),
            date=when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )


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
    appearance: SignatureAppearance | None = None,
    timestamp_url: str | None = None,
) -> bytes:
    """Return ``pdf`` with a PAdES signature appended as an incremental update.

    ``chain`` lists PEM files with the issuing CA certificates (a file may hold several).
    ``appearance`` makes the signature visible (default: invisible). ``timestamp_url``
    names an RFC 3161 timestamp authority (HTTP POST); its token is embedded.
    Call it from synchronous code: pyHanko runs its own event loop (``asyncio.run``).

    Raises:
        SigningError: the key file is missing, the passphrase is wrong, the key does not
            belong to the certificate, the certificate is not currently valid, a chain
            file is not a PEM certificate, ``pdf`` is not a readable PDF, the field
            name is already used by a signed field, the appearance font is missing, or
            the timestamp authority cannot be reached or answers with an error.
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
    options: dict[str, Any] = {}
    text_params = None
    if appearance is not None:
        text = appearance.text(_common_name(cert), dt.datetime.now(dt.UTC))
        options["stamp_style"] = _stamp_style(appearance, text)
        options["new_field_spec"] = fields.SigFieldSpec(field_name, on_page=-1, box=appearance.box)
        text_params = {"stamp": text}
    if timestamp_url:
        options["timestamper"] = RequestsHTTPTimeStamper(timestamp_url, timeout=TSA_TIMEOUT_SECONDS)
    try:
        pdf_signer = signers.PdfSigner(metadata, signer=signer, **options)
        output = pdf_signer.sign_pdf(writer, appearance_text_params=text_params)
    except TimestampRequestError as exc:
        raise SigningError(
            f"the timestamp authority at {timestamp_url} gave no timestamp: {exc}"
        ) from exc
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SigningError(f"could not sign the PDF: {exc}") from exc
    return output.getvalue()


class _FontBytes(FontEngineFactory):
    """pyHanko's GlyphAccumulatorFactory opens the font file and never closes it (a
    ResourceWarning); this one hands GlyphAccumulator the font's bytes."""

    def __init__(self, font: bytes, size: int) -> None:
        self._font, self._size = font, size

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        return GlyphAccumulator(
            writer=writer,
            font_handle=BytesIO(self._font),
            font_size=self._size,
            obj_stream=obj_stream,
        )


def _stamp_style(appearance: SignatureAppearance, text: str) -> TextStampStyle:
    font = _font_subset(appearance.font_file, appearance.font_family, frozenset(text))
    return TextStampStyle(
        stamp_text="%(stamp)s",
        text_box_style=TextBoxStyle(font=_FontBytes(font, 7), font_size=7, leading=9),
        border_width=1,
        border_color=(0.06, 0.36, 0.36),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=8, right=8, top=4, bottom=4),
        ),
    )


@functools.lru_cache(maxsize=32)
def _font_subset(font_file: Path, family: str, characters: frozenset[str]) -> bytes:
    """The face ``family`` of ``font_file``, cut down to ``characters`` with HarfBuzz.

    A CJK font holds some 65,000 glyphs; pyHanko parses and subsets the font it is given
    in pure Python, which takes seconds for the whole font and milliseconds for this.
    """
    try:
        blob = hb.Blob.from_file_path(str(font_file))
    except (OSError, hb.HarfBuzzError) as exc:
        raise SigningError(
            f"the signature font {font_file} is missing; install fonts-noto-cjk "
            "(scripts/sysdeps.sh)"
        ) from exc
    face = _find_face(blob, family)
    if face is None:
        raise SigningError(f"the font file {font_file} has no face named {family!r}")
    subset_input = hb.SubsetInput()
    subset_input.unicode_set.update(ord(c) for c in characters if c != "\n")
    subset = hb.subset(face, subset_input)
    if subset is None:
        raise SigningError(f"could not subset the signature font {font_file}")
    return bytes(subset.blob.data)


def _find_face(blob: Any, family: str) -> Any:
    for index in range(64):
        face = hb.Face(blob, index)
        if face.glyph_count == 0:
            return None
        if face.get_name(hb.OTNameIdPredefined.FONT_FAMILY) == family:
            return face
    return None


def _clip(name: str) -> str:
    name = " ".join(name.split())
    return name if len(name) <= _MAX_NAME else name[: _MAX_NAME - 1] + "…"


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


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

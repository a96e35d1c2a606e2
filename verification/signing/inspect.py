"""Check an uploaded file: is it a signed statement PDF, untouched, from a trusted signer?

``inspect_pdf`` never raises for any input; everything it finds wrong is a plain-English
sentence in ``PdfInspection.problems``.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

ATTACHMENT_NAME = "statement.json"

_HEADER_WINDOW = 1024  # the PDF header may follow a little junk (ISO 32000-1, 7.5.2 note)
_MAX_NAME_TREE_NODES = 1000
_MAX_EOF_CANDIDATES = 8
_ALLOWED_LATER_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)

_TRUST_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": (
        "The signer's certificate was not issued by a trusted certification authority."
    ),
    "EXPIRED": "The signer's certificate has expired.",
    "OUT_OF_BOUNDS_NO_POE": "The signer's certificate has expired or is not yet valid.",
    "OUT_OF_BOUNDS_NOT_REVOKED": "The signer's certificate has expired or is not yet valid.",
    "NOT_YET_VALID": "The signer's certificate is not yet valid.",
    "REVOKED": "The signer's certificate has been revoked.",
    "REVOKED_NO_POE": "The signer's certificate has been revoked.",
    "REVOKED_CA_NO_POE": "The certificate of the authority that issued the signer's "
    "certificate has been revoked.",
    "CHAIN_CONSTRAINTS_FAILURE": (
        "The signer's certificate is not permitted to sign documents "
        "(its key usage or chain constraints do not allow it)."
    ),
    "CRYPTO_CONSTRAINTS_FAILURE": "The signature uses a cryptographic algorithm that is "
    "not accepted.",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "The signature uses a cryptographic algorithm that "
    "is no longer accepted.",
}

# pyHanko logs a warning with a full traceback whenever a signer does not chain to a
# trust root. For an inspection that is an expected outcome, reported in ``problems``,
# so those records are dropped while (and only while) inspect_pdf runs in this context.
_QUIET = contextvars.ContextVar("verification_signing_inspect_quiet", default=False)
_NOISY_LOGGER = "pyhanko.sign.validation.generic_cms"


class _DropCertValidationNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _QUIET.get() or record.levelno > logging.WARNING or not record.exc_info:
            return True
        exc = record.exc_info[1]
        return not type(exc).__module__.startswith("pyhanko_certvalidator")


logging.getLogger(_NOISY_LOGGER).addFilter(_DropCertValidationNoise())


@dataclass
class PdfInspection:
    """What ``inspect_pdf`` found. Booleans default to the pessimistic answer."""

    is_pdf: bool = False
    signed: bool = False
    intact: bool = False
    covers_whole_file: bool = False
    trusted: bool = False
    signer_subject: str | None = None
    signer_fingerprint: str | None = None
    signed_at: datetime | None = None
    #: The time an RFC 3161 timestamp token on the signature attests (token intact and
    #: valid), and whether its authority chains to one of the trust roots.
    timestamped_at: datetime | None = None
    timestamp_trusted: bool = False
    attachment: dict | None = None
    attachment_sha256: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """True when the file is a signed PDF, unchanged since signing, from a trusted signer."""
        return self.is_pdf and self.signed and self.intact and self.trusted


def inspect_pdf(data: bytes, trust_roots: list[bytes]) -> PdfInspection:
    """Inspect ``data`` and judge its signature against ``trust_roots`` (PEM certificates).

    Nothing is fetched from the network (no OCSP, CRL or AIA look-ups). The signer is
    judged at the current time.

    Never raises: unreadable input, unreadable trust roots and internal errors all end
    up as sentences in ``problems`` with the matching flags left False.
    """
    result = PdfInspection()
    token = _QUIET.set(True)
    try:
        _inspect(data, trust_roots, result)
    except Exception as exc:  # noqa: BLE001 - the contract is to never raise
        result.intact = result.trusted = result.covers_whole_file = False
        result.problems.append(
            f"The file could not be checked completely because of an unexpected error "
            f"({type(exc).__name__})."
        )
    finally:
        _QUIET.reset(token)
    return result


def _inspect(data: bytes, trust_roots: list[bytes], result: PdfInspection) -> None:
    if not data:
        result.problems.append("The file is empty.")
        return
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        result.problems.append("The file is not a PDF document.")
        return
    opened = _open_pdf(data)
    if opened is None:
        result.problems.append(
            "The file looks like a PDF but cannot be read; it may be truncated or damaged."
        )
        return
    reader, appended = opened
    result.is_pdf = True
    _read_attachment(reader, result)

    try:
        signatures = [sig for sig in reader.embedded_signatures if sig.sig_object_type == "/Sig"]
    except Exception:  # noqa: BLE001 - malformed signature dictionaries
        result.signed = True
        result.problems.append("The PDF has a signature field that cannot be read.")
        return
    if not signatures:
        result.problems.append("The PDF is not digitally signed.")
        return
    result.signed = True
    roots = _load_trust_roots(trust_roots, result)

    intact = trusted = covers_whole_file = True
    for sig in signatures:
        prefix = f"Signature {sig.field_name}: " if len(signatures) > 1 else ""
        verdict = _check_signature(sig, reader, data, roots, appended)
        intact &= verdict.intact
        trusted &= verdict.trusted
        covers_whole_file &= verdict.covers_whole_file
        result.problems.extend(prefix + problem for problem in verdict.problems)
        # The latest signature names the signer (statements carry exactly one).
        result.signer_subject = verdict.signer_subject
        result.signer_fingerprint = verdict.signer_fingerprint
        result.signed_at = verdict.signed_at
        result.timestamped_at = verdict.timestamped_at
        result.timestamp_trusted = verdict.timestamp_trusted
    result.intact, result.trusted, result.covers_whole_file = intact, trusted, covers_whole_file


def _open_pdf(data: bytes) -> tuple[PdfFileReader, int] | None:
    """Parse ``data``; if that fails, try the parts ending at earlier ``%%EOF`` markers.

    Returns the reader and how many bytes after the parsed part were ignored, or None.
    Junk appended after a signed file can stop the parser from finding its end; the
    signed revision before the junk is still worth reporting on (as not intact).
    """
    reader = _try_reader(data)
    if reader is not None:
        return reader, 0
    search_end = len(data)
    for _ in range(_MAX_EOF_CANDIDATES):
        marker = data.rfind(b"%%EOF", 0, search_end)
        if marker < 0:
            return None
        search_end = marker
        end = marker + len(b"%%EOF")
        for eol in (b"\r\n", b"\n", b"\r"):
            if data.startswith(eol, end):
                end += len(eol)
                break
        reader = _try_reader(data[:end])
        # Only call the rest "appended" if a signature ends exactly at this marker;
        # otherwise a truncated file would pass for an older, complete revision.
        if reader is not None and end in _signature_ends(reader):
            return reader, len(data) - end
    return None


def _signature_ends(reader: PdfFileReader) -> list[int]:
    try:
        return [_signed_end(sig) for sig in reader.embedded_signatures]
    except Exception:  # noqa: BLE001
        return []


def _try_reader(data: bytes) -> PdfFileReader | None:
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        reader.root  # noqa: B018 - force the trailer and catalog to be read
    except Exception:  # noqa: BLE001 - any parse failure means "unreadable"
        return None
    return reader


def _signed_end(sig: EmbeddedPdfSignature) -> int:
    byte_range = [int(value) for value in sig.byte_range]
    return byte_range[2] + byte_range[3] if len(byte_range) == 4 else -1


@dataclass
class _Verdict:
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer_subject: str | None = None
    signer_fingerprint: str | None = None
    signed_at: datetime | None = None
    timestamped_at: datetime | None = None
    timestamp_trusted: bool = False
    problems: list[str] = field(default_factory=list)


def _check_signature(
    sig: EmbeddedPdfSignature,
    reader: PdfFileReader,
    data: bytes,
    roots: list[asn1_x509.Certificate],
    appended: int,
) -> _Verdict:
    verdict = _Verdict()
    try:
        der = sig.signer_cert.dump()
        verdict.signer_subject = x509.load_der_x509_certificate(der).subject.rfc4514_string()
        verdict.signer_fingerprint = hashlib.sha256(der).hexdigest()
    except Exception:  # noqa: BLE001
        verdict.problems.append("The signer's certificate cannot be read.")
    try:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = _validate(sig, context)
    except Exception:  # noqa: BLE001 - malformed CMS data, odd byte ranges, ...
        verdict.problems.append("The signature is malformed and cannot be checked.")
        return verdict
    verdict.signed_at = status.signer_reported_dt
    stamp = status.timestamp_validity
    if stamp is not None and stamp.intact and stamp.valid:
        verdict.timestamped_at = stamp.timestamp
        verdict.timestamp_trusted = stamp.trusted
    elif stamp is not None:
        verdict.problems.append("The signature's timestamp is damaged or does not match it.")

    digest_ok = status.intact and status.valid
    if not status.intact:
        verdict.problems.append(
            "The document was changed after it was signed: its content no longer matches "
            "the signature."
        )
    elif not status.valid:
        verdict.problems.append("The signature value does not match the signer's certificate.")

    changes_ok = _judge_coverage(sig, status, reader, data, appended, verdict)
    verdict.intact = digest_ok and changes_ok
    verdict.trusted = (
        status.valid and status.validation_path is not None and status.trust_problem_indic is None
    )
    if status.valid and not verdict.trusted:
        if not roots:
            verdict.problems.append(
                "No trusted certification authority was configured, so the signer could not "
                "be checked."
            )
        else:
            verdict.problems.append(_trust_problem(status))
    return verdict


def _validate(sig: EmbeddedPdfSignature, context: ValidationContext) -> PdfSignatureStatus:
    """pyHanko's validate_pdf_signature calls asyncio.run, which fails inside a running
    event loop; in that case run it on a helper thread (same contextvars, so the log
    filter still applies)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return validate_pdf_signature(sig, signer_validation_context=context)
    current = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(current.run, validate_pdf_signature, sig, context).result()


def _judge_coverage(
    sig: EmbeddedPdfSignature,
    status: PdfSignatureStatus,
    reader: PdfFileReader,
    data: bytes,
    appended: int,
    verdict: _Verdict,
) -> bool:
    """Decide whether everything outside the signed bytes is acceptable; explain if not."""
    if appended:
        verdict.problems.append(_appended_sentence(appended))
        return False
    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        verdict.covers_whole_file = True
        return True
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        verdict.problems.append(
            "The signature does not cover the document in the normal way, so the document "
            "may have been altered."
        )
        return False
    later_revisions = reader.xrefs.total_revisions - 1 - sig.signed_revision
    if later_revisions <= 0:
        # Bytes after the signed part that the parser did not see as a new revision.
        verdict.problems.append(_appended_sentence(len(data) - _signed_end(sig)))
        return False
    if status.modification_level not in _ALLOWED_LATER_CHANGES:
        level = status.modification_level
        what = level.name.replace("_", " ").lower() if level is not None else "unknown"
        verdict.problems.append(
            f"The document was modified after it was signed ({what} changes were added)."
        )
        return False
    tail = data[data.rfind(b"%%EOF") + len(b"%%EOF") :]
    if tail.strip():
        verdict.problems.append(_appended_sentence(len(tail)))
        return False
    return True


def _appended_sentence(count: int) -> str:
    unit = "byte was" if count == 1 else "bytes were"
    return f"{count} {unit} added to the end of the file after it was signed."


def _trust_problem(status: PdfSignatureStatus) -> str:
    indic = status.trust_problem_indic
    if indic is None:
        return "The signer's certificate could not be validated."
    name = getattr(indic, "name", str(indic))
    return _TRUST_PROBLEMS.get(
        name,
        f"The signer's certificate could not be validated ({name.replace('_', ' ').lower()}).",
    )


def _load_trust_roots(pems: list[bytes], result: PdfInspection) -> list[asn1_x509.Certificate]:
    roots = []
    for pem in pems:
        try:
            for cert in x509.load_pem_x509_certificates(pem):
                roots.append(asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)))
        except ValueError:
            result.problems.append("One of the configured trusted certificates is unreadable.")
    return roots


def _read_attachment(reader: PdfFileReader, result: PdfInspection) -> None:
    try:
        payload = _find_embedded_file(reader, ATTACHMENT_NAME)
    except Exception:  # noqa: BLE001 - broken name trees, bad filters, decode limits
        result.problems.append(f"The embedded file {ATTACHMENT_NAME} cannot be read.")
        return
    if payload is None:
        result.problems.append(f"The PDF has no embedded {ATTACHMENT_NAME} data file.")
        return
    result.attachment_sha256 = hashlib.sha256(payload).hexdigest()
    try:
        parsed = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        result.problems.append(f"The embedded {ATTACHMENT_NAME} is not valid JSON.")
        return
    if not isinstance(parsed, dict):
        result.problems.append(f"The embedded {ATTACHMENT_NAME} is not a JSON object.")
        return
    result.attachment = parsed


def _find_embedded_file(reader: PdfFileReader, name: str) -> bytes | None:
    tree = _get(_get(reader.root, "/Names"), "/EmbeddedFiles")
    if tree is None:
        return None
    for key, filespec in _name_tree_items(tree):
        label = _get(filespec, "/UF") or _get(filespec, "/F") or key
        if name not in (str(key), str(label)):
            continue
        files = _get(filespec, "/EF")
        stream = _get(files, "/UF") or _get(files, "/F")
        if isinstance(stream, generic.StreamObject):
            return stream.data
    return None


def _get(container: Any, key: str) -> Any:
    """``container[key]`` with indirect references resolved, or None if absent or not a dict.

    (pyHanko's DictionaryObject resolves references in ``[]`` but not in ``.get``.)
    """
    if isinstance(container, generic.DictionaryObject) and key in container:
        return container[key]
    return None


def _name_tree_items(node: generic.DictionaryObject) -> Iterator[tuple[Any, Any]]:
    """Yield (key, value) pairs of a PDF name tree, breadth first, with a node budget."""
    queue = [node]
    visited = 0
    while queue and visited < _MAX_NAME_TREE_NODES:
        current = queue.pop(0)
        visited += 1
        pairs = _get(current, "/Names")
        if isinstance(pairs, generic.ArrayObject):
            for index in range(0, len(pairs) - 1, 2):
                yield pairs[index], pairs[index + 1]
        kids = _get(current, "/Kids")
        if isinstance(kids, generic.ArrayObject):
            queue.extend(kids[index] for index in range(len(kids)))

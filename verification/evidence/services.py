"""Accepting evidence files: name, size and content type checked, stored by content."""

from __future__ import annotations

import unicodedata

import magic
from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from ..accounts.models import User
from ..cases.models import Case
from ..cases.services import log, methodology_of
from ..extensions import db
from ..storage import HashingSpool
from .models import EvidenceFile

TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "text/plain": "plain text",
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
}


class EvidenceRejected(ValueError):
    """The upload was refused; the message says why and that nothing was stored."""


def check_file_name(name: str | None) -> str:
    """Return the name if it is a plain file name; raises :class:`EvidenceRejected`."""
    if not name or not name.strip():
        raise EvidenceRejected(_("Choose a file to upload."))
    if len(name) > 255:
        raise EvidenceRejected(_("The file name is longer than 255 characters. Rename the file."))
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise EvidenceRejected(_("The file name contains control characters. Rename the file."))
    if "/" in name or "\\" in name or name.strip() in (".", "..") or name.startswith("."):
        raise EvidenceRejected(
            _(
                "The file name %(name)s contains a path or starts with a dot. "
                "Upload it under a plain name such as invoice.pdf.",
                name=repr(name),
            )
        )
    return name.strip()


def sniff(spool: HashingSpool) -> str:
    """The media type read from the file's content by libmagic (the name is ignored)."""
    spool.flush()
    return magic.from_file(str(spool.path), mime=True)


def add_evidence(case: Case, criterion_code: str, upload: FileStorage, user: User) -> EvidenceFile:
    """Store an uploaded file for a criterion. Raises :class:`EvidenceRejected`.

    The file is linked into the store and its row flushed together; if the transaction
    rolls back, a file this call created is removed.
    """
    methodology_of(case).criterion(criterion_code)  # KeyError for an unknown criterion
    name = check_file_name(upload.filename)
    spool = upload.stream
    if not isinstance(spool, HashingSpool):  # e.g. an empty part werkzeug kept in memory
        raise EvidenceRejected(_("Choose a file to upload."))
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    if spool.size == 0:
        raise EvidenceRejected(_("The file is empty. Nothing was stored."))
    if spool.size > limit:
        raise EvidenceRejected(
            _(
                "The file is larger than the %(limit)d MB limit. Nothing was stored.",
                limit=limit // (1024 * 1024),
            )
        )
    media_type = sniff(spool)
    allowed = current_app.config["EVIDENCE_ALLOWED_TYPES"]
    if media_type not in allowed:
        kinds = ", ".join(TYPE_NAMES.get(t, t) for t in allowed)
        raise EvidenceRejected(
            _(
                "The content of %(name)s is %(type)s, which is not accepted as evidence "
                "(accepted: %(kinds)s). Nothing was stored.",
                name=repr(name),
                type=media_type,
                kinds=kinds,
            )
        )
    key = current_app.extensions["file_store"].keep(spool)
    row = EvidenceFile(
        case_id=case.id,
        criterion_code=criterion_code,
        sha256=key,
        size=spool.size,
        media_type=media_type,
        original_name=name,
        uploaded_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    log(case, user, "evidence_added", None, None, f"{criterion_code}: {name} sha256:{key}")
    return row

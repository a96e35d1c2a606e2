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
from ..timeutil import utcnow
from .models import EvidenceFile, EvidenceLink

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


def add_evidence(
    case: Case,
    criterion_code: str,
    upload: FileStorage,
    user: User,
    *,
    replaces: EvidenceFile | None = None,
) -> EvidenceFile:
    """Store an uploaded file for a criterion. Raises :class:`EvidenceRejected`.

    The file is linked into the store and its row flushed together; if the transaction
    rolls back, a file this call created is removed. With ``replaces``, the new file takes
    the old one's place on every criterion it supported; the old row stays as history.
    """
    criterion = methodology_of(case).criterion(criterion_code)  # KeyError if unknown
    if not criterion.accepts_evidence:
        raise EvidenceRejected(
            _("%(code)s does not take evidence. Nothing was stored.", code=criterion_code)
        )
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
        replaces_id=replaces.id if replaces is not None else None,
    )
    db.session.add(row)
    codes = [criterion_code] if replaces is None else replaces.criteria
    for code in codes:
        row.links.append(EvidenceLink(case_id=case.id, criterion_code=code, linked_by_id=user.id))
    if replaces is not None:
        replaces.superseded_at = utcnow()
    db.session.flush()
    if replaces is None:
        log(case, user, "evidence_added", None, None, f"{criterion_code}: {name} sha256:{key}")
    else:
        log(
            case,
            user,
            "evidence_replaced",
            None,
            None,
            f"{replaces.original_name} (sha256:{replaces.sha256[:12]}) replaced by {name} "
            f"sha256:{key} on {', '.join(codes)}",
        )
    return row


def link_evidence(case: Case, row: EvidenceFile, criterion_code: str, user: User) -> bool:
    """Let a current file also support ``criterion_code``; False if it already does.

    Raises KeyError for an unknown criterion and :class:`EvidenceRejected` for a replaced file
    or a criterion that takes no evidence.
    """
    criterion = methodology_of(case).criterion(criterion_code)
    if row.case_id != case.id or not row.current:
        raise EvidenceRejected(_("Only a current file of this case can be linked."))
    if not criterion.accepts_evidence:
        raise EvidenceRejected(_("%(code)s does not take evidence.", code=criterion_code))
    if criterion_code in row.criteria:
        return False
    row.links.append(
        EvidenceLink(case_id=case.id, criterion_code=criterion_code, linked_by_id=user.id)
    )
    db.session.flush()
    log(case, user, "evidence_linked", None, None, f"{row.original_name} -> {criterion_code}")
    return True


def history(row: EvidenceFile) -> list[EvidenceFile]:
    """The files ``row`` replaced, newest first (``row`` itself not included)."""
    chain: list[EvidenceFile] = []
    seen = {row.id}
    current = row
    while current.replaces_id is not None and current.replaces_id not in seen:
        current = db.session.get(EvidenceFile, current.replaces_id)
        if current is None:
            break
        seen.add(current.id)
        chain.append(current)
    return chain

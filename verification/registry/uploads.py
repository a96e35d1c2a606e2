"""Reading a PDF someone wants checked: bounded in size, read from its spool."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage


class UploadTooLarge(ValueError):
    pass


def read_bounded(upload: FileStorage) -> bytes:
    """The uploaded bytes; raises :class:`UploadTooLarge` above VERIFY_MAX_BYTES."""
    limit = current_app.config["VERIFY_MAX_BYTES"]
    upload.stream.seek(0)
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(
            _("Statements are at most %(n)d MB; this file is larger.", n=limit // (1024 * 1024))
        )
    return data

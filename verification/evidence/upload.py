"""Streaming uploads: multipart file parts go straight into a hashing spool on disk."""

from __future__ import annotations

from flask import Request, current_app


class EvidenceRequest(Request):
    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        # Werkzeug would spool to a SpooledTemporaryFile in /tmp; writing into the store's own
        # folder while hashing lets a kept upload be hard-linked into place with no second copy.
        return current_app.extensions["file_store"].spool()

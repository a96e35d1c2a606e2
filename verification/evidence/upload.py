"""Streaming uploads: multipart file parts go straight into a hashing spool on disk."""

from __future__ import annotations

from flask import Request, current_app


class EvidenceRequest(Request):
    """Spools file parts into the store's own folder and always removes what it spooled."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        # Werkzeug would spool to a SpooledTemporaryFile in /tmp; writing into the store's own
        # folder while hashing lets a kept upload be hard-linked into place with no second copy.
        spool = current_app.extensions["file_store"].spool()
        # Werkzeug drops a part's stream when parsing stops midway (client gone, body cut
        # short, 413 on a chunked body): keep our own list so close() still removes it.
        self.__dict__.setdefault("_spools", []).append(spool)
        return spool

    def close(self) -> None:
        try:
            super().close()
        finally:
            for spool in self.__dict__.pop("_spools", ()):
                spool.close()

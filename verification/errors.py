"""Error pages for people and JSON errors for the API; never a bare 500 for bad input."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("There is nothing here, or it is not yours to see."),
    405: lambda: _("This address does not accept that kind of request."),
    409: lambda: _("This cannot be done in the case's current state."),
    413: lambda: _("The file is larger than the platform accepts."),
    429: lambda: _("Too many requests; wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Nothing was changed."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(code: int, message: str):
    db.session.rollback()
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template("error.html", code=code, message=message), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _respond(
            400, _("The form expired or was sent from elsewhere. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if code == 413 and not getattr(exc, "user_message", None):
            limit = app.config["EVIDENCE_MAX_BYTES"] // (1024 * 1024)
            return _respond(
                413,
                _(
                    "The file is larger than the %(limit)d MB limit. Nothing was stored.",
                    limit=limit,
                ),
            )
        description = getattr(exc, "user_message", None)
        message = description or MESSAGES.get(code, lambda: exc.description or "")()
        response = make_response(_respond(code, message))
        # The exception's own headers (Retry-After of a 429, Allow of a 405) go with it.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return _respond(500, MESSAGES[500]())


def conflict(message: str) -> HTTPException:
    """A 409 whose message is shown to the user as it is."""
    from werkzeug.exceptions import Conflict

    exc = Conflict()
    exc.user_message = message  # type: ignore[attr-defined]
    return exc

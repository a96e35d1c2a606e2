"""Locale selection; every user-facing string goes through Flask-Babel's gettext."""

from flask import Flask, current_app, has_request_context, request
from flask_babel import gettext, lazy_gettext

from .messages import Message


def select_locale() -> str:
    """The browser's preferred supported language; the default outside requests (CLI, worker)."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    return request.accept_languages.best_match(current_app.config["SUPPORTED_LOCALES"]) or default


def translate(message: Message | str) -> str:
    """A pure package's message in the user's language (its parameters too)."""
    if not isinstance(message, Message):
        return str(message)
    params = {k: translate(v) if isinstance(v, Message) else v for k, v in message.params.items()}
    return gettext(message.template, **params)


def state_name(state: str) -> str:
    from .workflow.rules import STATE_NAMES, State

    return translate(STATE_NAMES[State(state)])


# What the audit trail's action codes say to a person (codes stay as stored).
ACTION_NAMES = {
    "opened": lazy_gettext("case opened"),
    "submit": lazy_gettext("submitted"),
    "assign": lazy_gettext("team assigned"),
    "start_review": lazy_gettext("review started"),
    "send_to_technical_review": lazy_gettext("sent to technical review"),
    "approve": lazy_gettext("approved"),
    "issue": lazy_gettext("statement issued"),
    "withdraw": lazy_gettext("withdrawn"),
    "evidence_added": lazy_gettext("evidence added"),
    "finding_recorded": lazy_gettext("finding recorded"),
    "activity_line_added": lazy_gettext("activity line added"),
    "activity_line_deleted": lazy_gettext("activity line deleted"),
    "activity_line_verified": lazy_gettext("verified value recorded"),
    "instrument_claimed": lazy_gettext("certificate claimed"),
    "materiality_set": lazy_gettext("materiality set"),
}


def action_name(code: str) -> str:
    return str(ACTION_NAMES.get(code, code))


def outcome_name(outcome: str) -> str:
    from .review.forms import OUTCOME_CHOICES

    return next((str(c.label) for c in OUTCOME_CHOICES if c.value == outcome), outcome)


def setup_jinja(app: Flask) -> None:
    from flask_babel import get_locale

    from .access import template_helpers

    app.jinja_env.globals.update(template_helpers(), get_locale=get_locale)
    app.jinja_env.filters["tr"] = translate
    app.jinja_env.filters["state_name"] = state_name
    app.jinja_env.filters["outcome_name"] = outcome_name
    app.jinja_env.filters["action_name"] = action_name
    app.jinja_env.filters["status_name"] = _status_name


def _status_name(status) -> str:
    from .registry.services import status_name
    from .statements.models import StatementStatus

    return status_name(StatementStatus(status))

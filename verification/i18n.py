"""Locale selection; every user-facing string goes through Flask-Babel's gettext."""

from flask import Flask, current_app, has_request_context, request
from flask_babel import gettext, lazy_gettext

from .messages import Message

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The language chosen with the switcher (a cookie), else the browser's preferred
    supported one; the default outside requests (CLI, worker)."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    supported = current_app.config["SUPPORTED_LOCALES"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in supported:
        return chosen
    return request.accept_languages.best_match(supported) or default


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
    "scope_changed": lazy_gettext("sites and boundary changed"),
    "submit": lazy_gettext("submitted"),
    "assign": lazy_gettext("team assigned"),
    "start_review": lazy_gettext("review started"),
    "send_to_technical_review": lazy_gettext("sent to technical review"),
    "approve": lazy_gettext("approved"),
    "issue": lazy_gettext("statement issued"),
    "withdraw": lazy_gettext("withdrawn"),
    "evidence_added": lazy_gettext("evidence added"),
    "finding_recorded": lazy_gettext("finding recorded"),
    "clarification_raised": lazy_gettext("clarification requested"),
    "clarification_answered": lazy_gettext("clarification answered"),
    "clarification_reopened": lazy_gettext("clarification requested again"),
    "clarification_closed": lazy_gettext("clarification closed"),
    "activity_line_added": lazy_gettext("activity line added"),
    "activity_line_deleted": lazy_gettext("activity line deleted"),
    "activity_line_verified": lazy_gettext("verified value recorded"),
    "instrument_claimed": lazy_gettext("certificate claimed"),
    "materiality_set": lazy_gettext("materiality set"),
    "answers_reused": lazy_gettext("answers reused from an earlier case"),
    "evidence_replaced": lazy_gettext("evidence replaced"),
    "evidence_linked": lazy_gettext("evidence linked to another criterion"),
    "correction_submitted": lazy_gettext("correction submitted"),
    "nonconformity_closed": lazy_gettext("non-conformity closed"),
    "nonconformity_kept_open": lazy_gettext("non-conformity kept open"),
    "conclusion_drafted": lazy_gettext("conclusion drafted"),
    "site_visit_recorded": lazy_gettext("site visit recorded"),
    "request_clarification": lazy_gettext("now awaiting the client"),
    "resume_review": lazy_gettext("review resumed"),
    "return_to_verifier": lazy_gettext("returned to the verifier"),
    "statement_revoked": lazy_gettext("statement revoked"),
    "statement_superseded": lazy_gettext("statement superseded by a corrected one"),
    "correction_marked": lazy_gettext("marked as the correction of a statement"),
    "correction_opened": lazy_gettext("correction of the statement under way"),
    "issuance_retried": lazy_gettext("issuance retried"),
}


def action_name(code: str) -> str:
    return str(ACTION_NAMES.get(code, code))


def outcome_name(outcome: str) -> str:
    from .review.forms import OUTCOME_CHOICES

    return next((str(c.label) for c in OUTCOME_CHOICES if c.value == outcome), outcome)


def opinion_name(code: str) -> str:
    from .review.verifying_forms import OPINION_CHOICES

    return next((str(c.label) for c in OPINION_CHOICES if c.value == code), code)


def assurance_name(code: str) -> str:
    from .review.verifying_forms import ASSURANCE_CHOICES

    return next((str(c.label) for c in ASSURANCE_CHOICES if c.value == code), code)


def boundary_name(code: str) -> str:
    from .cases.forms import BOUNDARY_CHOICES

    return next((str(c.label) for c in BOUNDARY_CHOICES if c.value == code), code)


def score_display(value) -> str:
    """A score for people: one decimal, half up; "—" when there is nothing to score."""
    from .scoring.services import display

    return display(value) if value is not None else "—"


def setup_jinja(app: Flask) -> None:
    from flask_babel import get_locale

    from .access import template_helpers

    app.jinja_env.globals.update(template_helpers(), get_locale=get_locale)
    app.jinja_env.filters["tr"] = translate
    app.jinja_env.filters["state_name"] = state_name
    app.jinja_env.filters["outcome_name"] = outcome_name
    app.jinja_env.filters["action_name"] = action_name
    app.jinja_env.filters["opinion_name"] = opinion_name
    app.jinja_env.filters["score_display"] = score_display
    app.jinja_env.filters["sector_label"] = _sector_label
    app.jinja_env.filters["assurance_name"] = assurance_name
    app.jinja_env.filters["boundary_name"] = boundary_name
    app.jinja_env.filters["status_name"] = _status_name


def _status_name(status) -> str:
    from .registry.services import status_name
    from .statements.models import StatementStatus

    return status_name(StatementStatus(status))


def _sector_label(code) -> str:
    from .sectors import label

    return translate(label(code))

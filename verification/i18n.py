"""Locale selection; every user-facing string goes through Flask-Babel's gettext."""

from flask import Flask, current_app, request


def select_locale() -> str:
    supported = current_app.config["SUPPORTED_LOCALES"]
    return (
        request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def setup_jinja(app: Flask) -> None:
    from flask_babel import get_locale

    from .access import template_helpers

    app.jinja_env.globals.update(template_helpers(), get_locale=get_locale)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

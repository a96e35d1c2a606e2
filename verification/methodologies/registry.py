"""The methodologies this app serves, loaded and validated when the app starts."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from .model import Methodology, load_directory

DATA_DIR = Path(__file__).with_name("data")


def init_app(app: Flask) -> None:
    # A broken file stops the start with a MethodologyError naming file, path and problem.
    app.extensions["methodologies"] = load_directory(
        Path(app.config.get("METHODOLOGY_DIR") or DATA_DIR)
    )


def all_methodologies() -> list[Methodology]:
    return sorted(current_app.extensions["methodologies"].values(), key=lambda m: m.key)


def get(code: str, version: str) -> Methodology:
    """Raises KeyError for an unknown code and version."""
    return current_app.extensions["methodologies"][(code, version)]

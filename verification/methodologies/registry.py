"""The methodologies this app serves, loaded and validated when the app starts."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from .model import Methodology, MethodologyError, load_bytes

DATA_DIR = Path(__file__).with_name("data")


def load_catalogue(directory: Path) -> dict[tuple[str, str], tuple[Methodology, bytes]]:
    """Every ``*.yaml`` in ``directory`` with its bytes; the first broken file stops the load."""
    found: dict[tuple[str, str], tuple[Methodology, bytes]] = {}
    for path in sorted(directory.glob("*.yaml")):
        raw = path.read_bytes()
        m = load_bytes(raw, source=path.name)
        if m.key in found:
            raise MethodologyError(f"{path.name}: {m.code} {m.version} is defined twice")
        found[m.key] = (m, raw)
    return found


def init_app(app: Flask) -> None:
    # A broken file stops the start with a MethodologyError naming file, path and problem.
    catalogue = load_catalogue(Path(app.config.get("METHODOLOGY_DIR") or DATA_DIR))
    app.extensions["methodologies"] = {key: m for key, (m, _raw) in catalogue.items()}
    app.extensions["methodology_files"] = {key: raw for key, (_m, raw) in catalogue.items()}


def all_methodologies() -> list[Methodology]:
    return sorted(current_app.extensions["methodologies"].values(), key=lambda m: m.key)


def get(code: str, version: str) -> Methodology:
    """Raises KeyError for an unknown code and version."""
    return current_app.extensions["methodologies"][(code, version)]


def raw_file(code: str, version: str) -> bytes:
    return current_app.extensions["methodology_files"][(code, version)]

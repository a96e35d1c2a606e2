"""Translatable messages from code that must not import Flask (the pure packages).

``N_("Unknown unit %(unit)s.", unit="kWx")`` marks the template for extraction (pybabel's
``-k N_``) and keeps its parameters; ``str()`` gives the English text, and the web layer's
:func:`verification.i18n.translate` gives it in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    template: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.params if self.params else self.template


def N_(template: str, **params: object) -> Message:  # noqa: N802  (gettext convention)
    return Message(template, params)

"""Who an audit event is attributed to.

In order: an explicit ``with acting_as("system: issuance worker"):`` (the Celery task, a
script); the signed-in user of the current request (id and email); "anonymous" in a
request without one; the ``flask`` command being run ("system: flask demo seed");
otherwise "system".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import click
from flask import has_request_context

LABEL_MAX = 255

_acting: ContextVar[tuple[int | None, str] | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(label: str, actor_id: int | None = None) -> Iterator[None]:
    """Attribute the changes flushed inside the block to ``label`` (and ``actor_id``).

    Changes are attributed when they are flushed: flush before leaving the block.
    """
    token = _acting.set((actor_id, label[:LABEL_MAX]))
    try:
        yield
    finally:
        _acting.reset(token)


def current_actor() -> tuple[int | None, str]:
    """(actor id or None, label) for the changes being flushed now."""
    explicit = _acting.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        from flask_login import current_user

        user = current_user._get_current_object()  # loads the user once per request
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id, str(user.email)[:LABEL_MAX]
        return None, "anonymous"
    command = click.get_current_context(silent=True)
    if command is not None:
        return None, f"system: {command.command_path}"[:LABEL_MAX]
    return None, "system"

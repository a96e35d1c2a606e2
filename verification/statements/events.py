"""Lifecycle events of a statement, for whoever needs to hear of them (lender alerts).

``emit(statement, kind)`` is called at each change: ``issued`` (the statement row was just
inserted by the issuance task), ``revoked``, ``superseded`` (the corrected statement was
issued; ``statement.superseded_by`` is set) and ``expired`` (the scheduled task stored the
expiry). Each is emitted once per statement.

Listeners are called in the order they registered, inside the transaction that made the
change and after it was flushed: what they write is kept or lost with it, and an exception
in a listener undoes the change (the request answers an error, the task is retried). Work
that must wait for the commit (sending mail, enqueueing) is scheduled with
:func:`verification.transactions.on_commit`.

    from verification.statements import events

    @events.listen
    def alert_lenders(statement, kind): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Statement

KINDS = ("issued", "revoked", "superseded", "expired")

Listener = Callable[["Statement", str], None]

_listeners: list[Listener] = []


def listen(fn: Listener) -> Listener:
    """Register ``fn(statement, kind)``; registering the same function again does nothing.
    Returns ``fn``, so it can be used as a decorator."""
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def unlisten(fn: Listener) -> None:
    """Remove ``fn`` if it was registered (tests)."""
    if fn in _listeners:
        _listeners.remove(fn)


def emit(statement: Statement, kind: str) -> None:
    """Tell every listener that ``statement`` was ``kind`` (one of :data:`KINDS`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown statement event {kind!r}; expected one of {KINDS}")
    for fn in list(_listeners):
        fn(statement, kind)

"""The hash-chained audit trail: every insert, update and delete of case data, with who,
when, and the values before and after, each event carrying the previous event's hash.

- :mod:`.chain`: hashing and verification (pure);
- :mod:`.values`: column values as canonical JSON (pure);
- :mod:`.models`: ``audit_event`` and ``audit_head``;
- :mod:`.capture`: the session listeners; events written when the transaction commits;
- :mod:`.bulk`: ORM bulk ``update()``/``delete()`` statements, recorded row by row;
- :mod:`.actor`: who a change is attributed to (:func:`acting_as` for the system);
- :mod:`.audited`: the audited models, one line each;
- :mod:`.services`, :mod:`.cli`, :mod:`.views`: reading, ``flask audit``, the case page.

See docs/audit.md.
"""

from __future__ import annotations

from flask import Flask

from .actor import acting_as, current_actor
from .capture import AuditChainBroken, register

__all__ = ["AuditChainBroken", "acting_as", "current_actor", "init_app", "register"]


def init_app(app: Flask) -> None:
    from . import audited  # noqa: F401  (the registrations)
    from .capture import install

    install()

"""A per-process cache of statement records for ``GET /api/v1/statements/<number>``, kept
true by PostgreSQL's notifications (docs/statements.md, "The lookup cache").

- Every insert, update and delete of a statement row, and every rename of an organisation,
  notifies channel ``statement_changed`` (triggers of migration 0014: every writer is
  heard, the web app, the worker, a restore, a hand-run fix).
- Each process keeps one autocommit connection listening on it. Before every cached read,
  what has arrived is read off that connection without waiting (no round trip) and the
  records it names are dropped; a fresh connection starts from an empty cache.
- Changes this process makes to a statement's lifecycle drop its record when they commit
  (``statements/events.py``), so the process that revoked never answers the old status.
- If the listening connection fails, the cache is emptied and lookups read the database
  until a connection listens again. As a bound should notifications ever stop arriving
  unnoticed (a firewall dropping an idle connection), no record is kept longer than
  ``REGISTRY_CACHE_SECONDS`` (default 5; 0 turns the cache off).
- The status is computed on each answer from the record's fields (``status_on``), so
  expiry needs no notification. Unknown numbers are not cached.
- SQLite has no notifications: there is no cache on it.

Another process's change reaches the cache as soon as PostgreSQL delivers the
notification, well under a millisecond after the commit on this machine
(``tests/web/test_registry_cache.py`` measures it); a lookup that read the database in
that instant would also have read the state from before the commit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping

from flask import Flask, current_app
from psycopg.pq import ConnStatus
from sqlalchemy.engine import make_url

from ..statements import events
from ..transactions import autocommit_engine, on_commit

CHANNEL = "statement_changed"
MAX_ENTRIES = 5000
EXTENSION = "registry_cache"

log = logging.getLogger(__name__)

Fields = Mapping | None


class Listener:
    """One autocommit connection LISTENing on :data:`CHANNEL`, read without blocking."""

    def __init__(self, connect: Callable[[], object]) -> None:
        self._connect = connect
        self._conn = None
        self._pid = 0
        self._fatal: str | None = None

    def changes(self) -> set[str] | None:
        """Numbers changed since the last call (``""``: any); ``None`` when not listening,
        and then nothing cached may be trusted."""
        if self._pid != os.getpid():  # a forked child: the parent's socket is not ours
            self._conn, self._pid = None, os.getpid()
        try:
            if self._conn is None:
                self._conn = self._listen()
                return {""}  # anything may have changed while nobody listened
            pgconn = self._conn.pgconn
            pgconn.consume_input()  # what the socket holds; never waits
            changed = set()
            while (note := pgconn.notifies()) is not None:
                changed.add(note.extra.decode())
            # A server ending the connection first sends a FATAL message, which libpq hands
            # to the notice handler; the closed socket is only seen on a later read.
            if self._fatal or pgconn.status != ConnStatus.OK:
                raise ConnectionError(f"listening connection ended: {self._fatal}")
            return changed
        except Exception:
            log.warning(
                "registry cache: listening on %s failed; reading the database",
                CHANNEL,
                exc_info=True,
            )
            self.close()
            return None

    def _listen(self):
        raw = self._connect()
        raw.detach()  # ours for good: never handed back to the pool
        conn = raw.dbapi_connection
        self._fatal = None
        conn.add_notice_handler(self._notice)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _notice(self, diagnostic) -> None:
        if diagnostic.severity_nonlocalized in ("FATAL", "PANIC"):
            self._fatal = diagnostic.message_primary or diagnostic.severity_nonlocalized

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):  # already broken
                conn.close()


class RecordCache:
    def __init__(self, seconds: float, connect: Callable[[], object]) -> None:
        self.seconds = seconds
        self.listener = Listener(connect)
        self._entries: dict[str, tuple[Fields, float]] = {}
        self._lock = threading.Lock()

    def get(self, number: str, load: Callable[[str], Fields]) -> Fields:
        """The record of ``number``: from the cache when it is known current, else ``load``."""
        with self._lock:
            changed = self.listener.changes()
            if changed is None or "" in changed:
                self._entries.clear()
            else:
                for n in changed:
                    self._entries.pop(n, None)
            listening = changed is not None
            now = time.monotonic()
            hit = self._entries.get(number)
            if hit is not None and now - hit[1] < self.seconds:
                return hit[0]
        # Read after the notifications were taken: a change committed after this read is
        # notified after it too, and dropped at the next lookup.
        fields = load(number)
        if fields is not None and listening:
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[number] = (fields, now)
        return fields

    def forget(self, number: str) -> None:
        with self._lock:
            self._entries.pop(number, None)

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
            self.listener.close()


def init_app(app: Flask) -> None:
    seconds = float(app.config.get("REGISTRY_CACHE_SECONDS") or 0)
    backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if seconds <= 0 or backend != "postgresql":
        return

    def connect():
        with app.app_context():
            return autocommit_engine().raw_connection()

    app.extensions[EXTENSION] = RecordCache(seconds, connect)
    events.listen(_forget_on_commit)


def cached(number: str, load: Callable[[str], Fields]) -> Fields:
    cache = current_app.extensions.get(EXTENSION)
    return load(number) if cache is None else cache.get(number, load)


def _forget_on_commit(statement, kind: str) -> None:
    """A lifecycle change made here: its records leave this process's cache at commit."""
    cache = current_app.extensions.get(EXTENSION)
    if cache is None:
        return
    numbers = [statement.number]
    for other in (statement.superseded_by, statement.supersedes):
        if other is not None:
            numbers.append(other.number)

    def forget() -> None:
        for number in numbers:
            cache.forget(number)

    on_commit(forget)

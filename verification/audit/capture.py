"""Recording changes to audited models from the ORM session, and writing their events in the
same transaction when it commits.

Collecting: ``before_flush`` notes the old values of changed and deleted rows (an
``onupdate`` timestamp changes during the flush); ``after_flush`` (primary keys known) turns
every row the flush wrote, orphans of a cascade included, into a change with its actor;
ORM bulk ``update()``/``delete()`` statements are recorded row by row (:mod:`.bulk`). Each
change is tagged with the (sub)transaction it was made in, so a savepoint rolled back
takes its changes with it.

Writing, when the outermost transaction commits (``before_commit``): lock the chain's head
(``UPDATE audit_head SET seq = seq WHERE id = 1``: the row lock on PostgreSQL, SQLite's
write lock), read it, chain the events onto it with Core statements on the session's
connection (nothing is flushed again) and move it on. The head is thus the last lock a
transaction takes, and one holding it waits for nothing else: writers queue on it for
the length of a few inserts, the chain never forks, and no deadlock can go through it.

Not recorded (docs/audit.md): Core statements on tables (``table.update()``, raw SQL) and
bulk inserts; migrations; ``flask restore``, which brings its own events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.base import NO_VALUE

from ..timeutil import utcnow
from . import values
from .actor import current_actor
from .chain import ZERO_HASH, event_hash
from .models import AuditEvent, AuditHead

# Never written to the trail, whichever model has them (none of the audited ones do today).
SECRET_COLUMNS = frozenset(
    {"password_hash", "totp_secret", "token_hash", "secret", "code_hash", "security_stamp"}
)

log = logging.getLogger(__name__)
_EVENTS = AuditEvent.__table__
_HEAD = AuditHead.__table__
_BEFORE = "audit.before"  # flush_context.attributes: old values noted before the flush
_ACTOR = "audit.actor"  # flush_context.attributes: who flushes
_DELETING = "audit.deleting"  # session.info: values of rows read just before their DELETE
_PENDING = "audit.pending"  # session.info: [(transaction, change)] not yet written
_COMMITTING = "audit.committing"  # session.info: events written, the commit under way


class AuditChainBroken(RuntimeError):
    """The head row is gone while events exist: nothing more is written until it is fixed."""


# --- registration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    model: type
    object_type: str
    case_id: Callable[[Any], int | None]
    columns: tuple[tuple[str, str], ...]  # (attribute key, column name), secrets left out
    primary_key: tuple[str, ...]  # attribute keys

    def object_id(self, value_of: Callable[[str], Any]) -> str:
        return ",".join(str(value_of(key)) for key in self.primary_key)


_registry: dict[type, Registration] = {}


def _keep_old_value(target, value, oldvalue, initiator):
    return value


def register(
    model: type, *, case_id: Callable[[Any], int | None], exclude: Iterable[str] = ()
) -> None:
    """Audit every insert, update and delete of ``model`` made through the session.

    ``case_id(obj)`` names the case an event belongs to (None for none); ``exclude``
    names columns never to record, beside :data:`SECRET_COLUMNS`.
    """
    mapper = inspect(model)
    left_out = SECRET_COLUMNS | set(exclude)
    columns = tuple(
        (attr.key, attr.columns[0].name)
        for attr in mapper.column_attrs
        if attr.columns[0].name not in left_out and attr.key not in left_out
    )
    primary_key = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
    _registry[model] = Registration(model, model.__table__.name, case_id, columns, primary_key)
    for key, _name in columns:
        attribute = getattr(model, key)
        # Load the old value when an unloaded attribute is set, so "before" is never unknown.
        if not event.contains(attribute, "set", _keep_old_value):
            event.listen(attribute, "set", _keep_old_value, active_history=True, retval=True)
    if not event.contains(model, "before_delete", _before_delete):
        event.listen(model, "before_delete", _before_delete)


def registration_of(model: type) -> Registration | None:
    return _registry.get(model)


def registered() -> dict[type, Registration]:
    return dict(_registry)


def install() -> None:
    """Listen to the Flask-SQLAlchemy session (once per process)."""
    from .bulk import record_bulk_statement

    if event.contains(FlaskSession, "after_flush", _after_flush):
        return
    event.listen(FlaskSession, "before_flush", _before_flush)
    event.listen(FlaskSession, "after_flush", _after_flush)
    event.listen(FlaskSession, "do_orm_execute", record_bulk_statement)
    event.listen(FlaskSession, "before_commit", _before_commit)
    event.listen(FlaskSession, "after_commit", _after_commit)
    event.listen(FlaskSession, "after_soft_rollback", _forget_rolled_back)
    event.listen(FlaskSession, "after_transaction_end", _forget_ended)


# --- changes ------------------------------------------------------------------------------


def change(
    registration: Registration,
    value_of: Callable[[str], Any],
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    obj: Any,
    actor: tuple[int | None, str],
) -> dict[str, Any]:
    """One change, as the event will record it (without seq, time and hashes)."""
    actor_id, actor_label = actor
    return {
        "actor_id": actor_id,
        "actor_label": actor_label,
        "case_id": registration.case_id(obj),
        "object_type": registration.object_type,
        "object_id": registration.object_id(value_of),
        "action": action,
        "before": None if old is None else values.dumps(old),
        "after": None if new is None else values.dumps(new),
    }


def changed_columns(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [n for n in new if values.json_value(old.get(n)) != values.json_value(new[n])]


def queue(session: Session, changes: list[dict[str, Any]]) -> None:
    """Keep changes for the commit, tagged with the (sub)transaction they belong to."""
    if not changes:
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).extend((transaction, c) for c in changes)
    if session.info.get(_COMMITTING):  # flushed by the commit after the events were written
        write_pending(session)


# --- flushes ------------------------------------------------------------------------------


def _value(state, key: str) -> Any:
    if key in state.dict:
        return state.dict[key]
    return getattr(state.obj(), key)  # unloaded: loads it (only for expired attributes)


def _old_values(state, registration: Registration) -> dict[str, Any]:
    old = {}
    for key, name in registration.columns:
        history = state.attrs[key].load_history()
        if history.deleted:
            value = history.deleted[0]
        elif history.unchanged:
            value = history.unchanged[0]
        else:
            value = history.added[0] if history.added else None
        old[name] = None if value is NO_VALUE else value
    return old


def _new_values(state, registration: Registration) -> dict[str, Any]:
    return {name: _value(state, key) for key, name in registration.columns}


def _before_flush(session: Session, flush_context: UOWTransaction, instances) -> None:
    noted = {}
    for obj in (*session.dirty, *session.deleted):
        registration = _registry.get(type(obj))
        if registration is not None:
            state = inspect(obj)
            noted[state] = _old_values(state, registration)
    flush_context.attributes[_BEFORE] = noted
    if any(type(obj) in _registry for obj in (*session.new, *session.dirty, *session.deleted)):
        # Here, not after the flush: finding the signed-in user may load it.
        flush_context.attributes[_ACTOR] = current_actor()


def _before_delete(mapper, connection: Connection, target) -> None:
    """A row about to be deleted, whether the session was told to or the flush found it an
    orphan of a cascade: what is not loaded is read now, while the row is still there."""
    registration = _registry.get(type(target))
    state = inspect(target)
    if registration is None or state.session is None:
        return
    old = {n: state.dict[k] for k, n in registration.columns if k in state.dict}
    missing = [n for k, n in registration.columns if k not in state.dict]
    if missing and state.identity is not None:
        table = mapper.local_table
        where = [c == v for c, v in zip(mapper.primary_key, state.identity, strict=True)]
        row = connection.execute(select(*(table.c[n] for n in missing)).where(*where)).first()
        if row is not None:
            old.update(row._mapping)
    state.session.info.setdefault(_DELETING, {})[state] = old


def _stand_in(state, registration: Registration, old: dict[str, Any]) -> SimpleNamespace:
    """A deleted row's attributes, as they were: nothing is loaded from a row that is gone."""
    known = {k: v for k, v in state.dict.items() if not k.startswith("_")}
    known.update({key: old.get(name) for key, name in registration.columns})
    return SimpleNamespace(**known)


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    noted = flush_context.attributes.get(_BEFORE, {})
    deleting = session.info.pop(_DELETING, {})
    actor = flush_context.attributes.get(_ACTOR) or current_actor()
    new = {inspect(obj) for obj in session.new}
    changes = []
    # Every row this flush wrote, orphans deleted by a cascade included.
    for state, (is_delete, list_only) in list(flush_context.states.items()):
        registration = _registry.get(state.class_)
        obj = state.obj()
        if list_only or registration is None or obj is None:
            continue

        def value_of(key: str, state=state) -> Any:
            return _value(state, key)

        if is_delete:
            old = noted.get(state) or deleting.get(state) or _old_values(state, registration)
            gone = _stand_in(state, registration, old)
            changes.append(
                change(
                    registration, lambda k, g=gone: getattr(g, k), "delete", old, None, gone, actor
                )
            )
        elif state in new:
            after = _new_values(state, registration)
            changes.append(change(registration, value_of, "insert", None, after, obj, actor))
        else:
            old = noted.get(state) or _old_values(state, registration)
            after = _new_values(state, registration)
            names = changed_columns(old, after)
            if names:
                before = {n: old[n] for n in names}
                after = {n: after[n] for n in names}
                changes.append(change(registration, value_of, "update", before, after, obj, actor))
    queue(session, changes)


# --- transactions -------------------------------------------------------------------------


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its changes now belong to the enclosing transaction
    session.flush()  # the last changes, so that they are written below
    write_pending(session)
    session.info[_COMMITTING] = True


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (after_commit is sent for those too)
    if session.info.pop(_PENDING, None):
        log.error("audit: changes committed without their events (commit from a savepoint?)")
    session.info.pop(_COMMITTING, None)


def _within(transaction, ended) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _forget_ended(session: Session, transaction) -> None:
    """The outermost transaction ended, however (``session.close()`` rolls back without a
    rollback event): what it did not write was not kept, and must not be written later."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_COMMITTING, None)


def _forget_rolled_back(session: Session, previous_transaction) -> None:
    """Sent for every rollback, a savepoint's included: its changes go with it."""
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(t, c) for t, c in pending if not _within(t, previous_transaction)]
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_COMMITTING, None)


# --- the chain ----------------------------------------------------------------------------

_LOCK = text("UPDATE audit_head SET seq = seq WHERE id = 1")
_CREATE = text(
    "INSERT INTO audit_head (id, seq, last_hash) SELECT 1, 0, :zero "
    "WHERE NOT EXISTS (SELECT 1 FROM audit_event) ON CONFLICT (id) DO NOTHING"
)


def lock_head(conn: Connection) -> None:
    """Hold the head row until the transaction ends; create it for an empty chain."""
    if conn.execute(_LOCK).rowcount == 1:
        return
    conn.execute(_CREATE, {"zero": ZERO_HASH})
    if conn.execute(_LOCK).rowcount != 1:
        raise AuditChainBroken(
            "The audit_head row is missing while audit events exist; nothing is written "
            "until it is restored. Run `flask audit verify` (docs/audit.md)."
        )


def write_pending(session: Session) -> None:
    """Chain the pending changes onto the head, in the order they were made."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    conn = session.connection()
    lock_head(conn)
    seq, prev_hash = conn.execute(
        select(_HEAD.c.seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
    ).one()
    at = utcnow()
    rows = []
    for _transaction, pending_change in pending:
        seq += 1
        row = {"seq": seq, "at": at, **pending_change, "prev_hash": prev_hash}
        row["hash"] = prev_hash = event_hash(row)
        rows.append(row)
    conn.execute(insert(_EVENTS), rows)
    conn.execute(update(_HEAD).where(_HEAD.c.id == 1).values(seq=seq, last_hash=prev_hash))
    pending.clear()

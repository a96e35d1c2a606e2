"""The watchlist: which organisations may be watched, adding, removing, listing.

Only organisations with at least one statement in the public registry can be found and
watched: a lender learns nothing here that the registry does not already show (which
SMEs use the platform before their first statement is not public). The list is the
lender organisation's, shared by its analysts; each entry records who added it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Organisation, User
from ..extensions import db
from ..statements.models import Statement
from . import portfolio
from .models import NOTE_MAX, Watch

# Ids beyond a 32-bit integer are no row's: answered as unknown, never sent to the database.
MAX_ID = 2**31 - 1
SEARCH_LIMIT = 50


class WatchError(ValueError):
    """A refused change to a watchlist; ``status`` is the HTTP answer (404 or 409)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def _has_statement():
    return exists().where(Statement.organisation_id == Organisation.id)


def watchable(text: str | None = None, limit: int = SEARCH_LIMIT) -> list[Organisation]:
    """Organisations with a statement whose name contains ``text`` (any case), by name."""
    query = select(Organisation).where(_has_statement()).order_by(Organisation.name).limit(limit)
    text = (text or "").strip()[:200]
    if text:
        query = query.where(func.lower(Organisation.name).contains(text.lower(), autoescape=True))
    return list(db.session.scalars(query))


def find_watchable(organisation_id: int) -> Organisation | None:
    if not 1 <= organisation_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Organisation).where(Organisation.id == organisation_id, _has_statement())
    )


def statement_counts(organisation_ids: list[int]) -> dict[int, int]:
    if not organisation_ids:
        return {}
    rows = db.session.execute(
        select(Statement.organisation_id, func.count())
        .where(Statement.organisation_id.in_(organisation_ids))
        .group_by(Statement.organisation_id)
    )
    return {org_id: count for org_id, count in rows}


def latest_statements(organisation_ids: list[int]) -> dict[int, Statement]:
    """Each organisation's most recently issued statement (whatever its status)."""
    if not organisation_ids:
        return {}
    latest: dict[int, Statement] = {}
    statements = db.session.scalars(
        select(Statement)
        .where(Statement.organisation_id.in_(organisation_ids))
        .order_by(Statement.issued_at, Statement.id)
    )
    for statement in statements:
        latest[statement.organisation_id] = statement
    return latest


def watchlist(lender_id: int) -> list[Watch]:
    """The lender organisation's entries, by organisation name."""
    return list(
        db.session.scalars(
            select(Watch)
            .join(Organisation, Organisation.id == Watch.organisation_id)
            .where(Watch.lender_id == lender_id)
            .order_by(Organisation.name, Watch.id)
        )
    )


def watched_ids(lender_id: int) -> set[int]:
    return set(
        db.session.scalars(select(Watch.organisation_id).where(Watch.lender_id == lender_id))
    )


def add(user: User, organisation_id: int, note: str = "") -> Watch:
    """Watch an organisation for ``user``'s lender organisation.

    Raises :class:`WatchError` 404 for an organisation that cannot be watched (unknown, or
    no statement yet) and 409 when it is already on the list.
    """
    organisation = find_watchable(organisation_id)
    if organisation is None:
        raise WatchError(404)
    entry = Watch(
        lender_id=user.organisation_id,
        organisation_id=organisation.id,
        added_by_id=user.id,
        note=" ".join((note or "").split())[:NOTE_MAX],
    )
    try:
        with db.session.begin_nested():  # a concurrent add of the same pair loses here
            db.session.add(entry)
    except IntegrityError:
        raise WatchError(409) from None
    return entry


def remove(user: User, organisation_id: int) -> bool:
    """Take an organisation off the list; False when it was not on it."""
    if not 1 <= organisation_id <= MAX_ID:
        return False
    entry = db.session.scalar(
        select(Watch).where(
            Watch.lender_id == user.organisation_id, Watch.organisation_id == organisation_id
        )
    )
    if entry is None:
        return False
    db.session.delete(entry)
    db.session.flush()
    return True


def portfolio_rows(lender_id: int, today: date) -> list[portfolio.Row]:
    """One row per entry of the lender's watchlist, with its latest statement's figures."""
    entries = watchlist(lender_id)
    latest = latest_statements([e.organisation_id for e in entries])
    return [
        portfolio.row_of(e.organisation, latest.get(e.organisation_id), today, e.note)
        for e in entries
    ]

"""Alerts to lenders: a watched organisation's statement was issued, revoked, superseded or
expired.

The statement lifecycle emits an event (:mod:`verification.statements.events`);
:func:`on_statement_event`, registered when the app is built, writes a note in the app for
every active person (admin or analyst) of each lender watching the statement's organisation,
and queues an email to each. Both happen in the transaction of the event: if it is rolled back,
nobody is told. The notes are rows of the ``notification`` table (the bell counts them, and
``/notifications`` lists them with the rest); ``/lender/alerts`` lists only these.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from ..accounts.models import LENDER_ROLES, Organisation, User
from ..extensions import db
from ..mail.services import queue
from ..messages import N_
from ..notifications.models import Notification
from ..notifications.services import render_text
from ..statements import events
from .models import Watch

# event kind -> the notification kind, the note and the email subject (msgids).
KINDS = {
    "issued": "lender_statement_issued",
    "revoked": "lender_statement_revoked",
    "superseded": "lender_statement_superseded",
    "expired": "lender_statement_expired",
}
MESSAGES = {
    "issued": N_("%(organisation)s, on your watchlist, has a new statement: %(number)s."),
    "revoked": N_("Statement %(number)s of %(organisation)s, on your watchlist, was revoked."),
    "superseded": N_(
        "Statement %(number)s of %(organisation)s, on your watchlist, was superseded by a "
        "newer statement."
    ),
    "expired": N_("Statement %(number)s of %(organisation)s, on your watchlist, has expired."),
}
SUBJECTS = {
    "issued": N_("Watchlist: new statement for %(organisation)s"),
    "revoked": N_("Watchlist: statement of %(organisation)s revoked"),
    "superseded": N_("Watchlist: statement of %(organisation)s superseded"),
    "expired": N_("Watchlist: statement of %(organisation)s expired"),
}
ALERT_KINDS = tuple(KINDS.values())


def init_app(app) -> None:
    events.listen(on_statement_event)


def watchers(organisation_id: int) -> list[User]:
    """Active people of every lender organisation watching ``organisation_id``."""
    lenders = select(Watch.lender_id).where(Watch.organisation_id == organisation_id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.organisation_id.in_(lenders),
                User.role.in_([str(r) for r in LENDER_ROLES]),
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


def on_statement_event(statement, kind: str) -> list[Notification]:
    """Tell the watchers of the statement's organisation; returns the notes written."""
    if kind not in KINDS:
        return []
    organisation = db.session.get(Organisation, statement.organisation_id)
    params = {"organisation": organisation.name, "number": statement.number}
    link = f"/registry/{statement.number}"
    notes = [
        Notification(
            user_id=user.id,
            kind=KINDS[kind],
            message=MESSAGES[kind].template,
            params=params,
            link=link,
        )
        for user in watchers(statement.organisation_id)
    ]
    if not notes:
        return []
    db.session.add_all(notes)
    db.session.flush()
    _email(kind, params, link, [n.user_id for n in notes])
    return notes


def _email(kind: str, params: dict, link: str, user_ids: list[int]) -> None:
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        # one line: a name with a line break must not break the header
        subject = " ".join(render_text(SUBJECTS[kind].template, params).split())
        body = "\n\n".join(
            [
                render_text(MESSAGES[kind].template, params),
                base + link,
                gettext(
                    "You receive this email because your organisation watches %(organisation)s. "
                    "Your watchlist: %(url)s",
                    organisation=params["organisation"],
                    url=base + "/lender/",
                ),
            ]
        )
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id)):
        queue(user.email, subject[:300], body)


def alerts_of(user: User, limit: int = 200) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind.in_(ALERT_KINDS))
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )

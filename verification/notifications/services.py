"""Telling people: a note in the app for each recipient, and an email where the table says so.

The notes are written in the transaction of the event (they are kept or lost with it); the
emails are queued in it too and sent by the worker after the commit
(:func:`verification.mail.services.queue`). Emails are written in the platform's default
language; notes are translated when they are shown, in the reader's language.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update

from ..accounts.models import Role, User
from ..cases.models import Case
from ..extensions import db
from ..mail.services import queue
from ..messages import Message
from ..timeutil import utcnow
from ..workflow.rules import Action
from . import rules
from .models import Notification


def people_of(case: Case) -> rules.CasePeople:
    """The active users in each place on ``case``."""
    active = select(User.id).where(User.active.is_(True))
    sme = db.session.scalars(
        active.where(
            User.organisation_id == case.organisation_id,
            User.role.in_([str(Role.SME_ADMIN), str(Role.SME_MEMBER)]),
        )
    )
    admins = db.session.scalars(
        active.where(
            User.organisation_id == case.verification_body_id, User.role == str(Role.VB_ADMIN)
        )
    )
    assigned = {case.verifier_id, case.reviewer_id} - {None}
    still_active = (
        set(db.session.scalars(active.where(User.id.in_(assigned)))) if assigned else set()
    )
    return rules.CasePeople(
        sme_members=frozenset(sme),
        vb_admins=frozenset(admins),
        verifier=case.verifier_id if case.verifier_id in still_active else None,
        reviewer=case.reviewer_id if case.reviewer_id in still_active else None,
        team=_case_team(case),
    )


def _case_team(case: Case) -> frozenset[int]:
    """Further active members of the body's team on the case, beyond verifier and reviewer."""
    from ..review.accreditation_models import CaseTeamMember

    return frozenset(
        db.session.scalars(
            select(CaseTeamMember.user_id)
            .join(User, User.id == CaseTeamMember.user_id)
            .where(CaseTeamMember.case_id == case.id, User.active.is_(True))
        )
    )


def _stored(value: object) -> object:
    """A parameter as JSON: a Message as its msgid and parameters, a date as ISO text."""
    if isinstance(value, Message):
        return {"msgid": value.template, "params": {k: _stored(v) for k, v in value.params.items()}}
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _shown(value: object) -> object:
    if isinstance(value, dict) and "msgid" in value:
        return render_text(str(value["msgid"]), value.get("params") or {})
    return value


def render_text(message: str, params: dict) -> str:
    """``message`` with ``params`` in the current language; the msgid itself if that fails."""
    values = {k: _shown(v) for k, v in params.items()}
    try:
        return gettext(message, **values)
    except (KeyError, ValueError, TypeError):  # a stored row the current messages do not fit
        return message


def render(notification: Notification) -> str:
    return render_text(notification.message, notification.params or {})


def notify(case: Case, kind: str, actor_user: User | None, **params: object) -> list[Notification]:
    """Tell the people the table names for ``kind`` about ``case``; never the actor.

    ``params`` are the event's own parameters (rules.PARAMS); the case's title and id are
    added here. Raises ``KeyError`` for an unknown kind and ``ValueError`` for a missing
    parameter: both are programming errors.
    """
    rule = rules.RULES[kind]
    stored = {"case": case.title, "case_id": case.id, **{k: _stored(v) for k, v in params.items()}}
    missing = rules.missing_params(kind, stored)
    if missing:
        raise ValueError(f"notification {kind} lacks parameters {missing}")
    people = people_of(case)
    actor_id = actor_user.id if actor_user is not None else None
    link = rules.link_for(kind, stored)
    made = []
    for user_id in rules.recipients(kind, people, actor_id):
        note = Notification(
            user_id=user_id, kind=kind, message=rule.message.template, params=stored, link=link
        )
        db.session.add(note)
        made.append(note)
    db.session.flush()
    if rule.email:
        _email(rule, stored, link, [n.user_id for n in made])
    return made


def notify_transition(case: Case, action: Action, actor_user: User | None) -> list[Notification]:
    """The notifications of a workflow transition just applied (the table decides which)."""
    kind = rules.event_for(action, submitted=case.submitted_at is not None)
    if kind is None:
        return []
    params: dict[str, object] = {}
    if kind == "statement_issued":
        from ..statements.models import IssuanceJob

        params["number"] = db.session.scalar(
            select(IssuanceJob.number).where(IssuanceJob.case_id == case.id)
        )
    return notify(case, kind, actor_user, **params)


def _email(rule: rules.Rule, params: dict, link: str, user_ids: list[int]) -> None:
    if not user_ids:
        return
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        # one line: a title typed with a line break must not break the header
        subject = " ".join(render_text(rule.subject.template, params).split())
        body = "\n\n".join(
            [
                render_text(rule.message.template, params),
                base + link,
                gettext(
                    "You receive this email because of your role on the case. "
                    "Your notifications: %(url)s",
                    url=base + "/notifications",
                ),
            ]
        )
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id)):
        queue(user.email, subject[:300], body)


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(user: User, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0

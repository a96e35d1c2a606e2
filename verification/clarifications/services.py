"""Raising, answering, re-opening and closing clarification requests.

Every check runs before anything is written, so a refusal leaves nothing behind; the
workflow moves only through :func:`verification.cases.services.transition`. While any
request is open the case is ``awaiting_client``; when the last one is answered (or closed)
the platform resumes the review as the system actor.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..accounts.models import User
from ..cases.models import Case
from ..cases.services import log, methodology_of, transition
from ..evidence.services import EvidenceRejected, add_evidence
from ..extensions import db
from ..messages import N_
from ..notifications.services import notify
from ..timeutil import utcnow
from ..workflow.rules import RESPONDING_STATES, REVIEWING_STATES, Action, Actor, State
from .models import BODY_MAX, SUBJECT_MAX, Clarification, ClarificationMessage, Status

SYSTEM = Actor(user_id=None, is_system=True)
CASE_LEVEL = "case"  # what open_clarification_codes says for a request about the whole case


class ClarificationError(ValueError):
    """Input that cannot be accepted; the message is fit to show the user."""


class NotNow(Exception):
    """Not possible in the current state of the case or the request (a 409)."""


class NotYours(Exception):
    """Not this person's to do (a 403)."""


def today() -> date:
    return utcnow().date()


def for_case(case: Case) -> list[Clarification]:
    return list(
        db.session.scalars(
            select(Clarification).where(Clarification.case_id == case.id).order_by(Clarification.id)
        )
    )


def open_clarification_codes(case: Case) -> tuple[str, ...]:
    """Criterion codes of the open requests (``"case"`` for the whole case), sorted, unique."""
    codes = db.session.scalars(
        select(Clarification.criterion_code).where(
            Clarification.case_id == case.id, Clarification.status == str(Status.OPEN)
        )
    )
    return tuple(sorted({code or CASE_LEVEL for code in codes}))


def get(case: Case, clarification_id: int) -> Clarification | None:
    found = db.session.get(Clarification, clarification_id)
    return found if found is not None and found.case_id == case.id else None


def _about(code: str | None):
    if code is None:
        return N_("the case as a whole")
    return N_("criterion %(code)s", code=code)


def _text(value: str | None, limit: int, empty: str, long: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ClarificationError(empty)
    if len(value) > limit:
        raise ClarificationError(long)
    return value


def _body(value: str | None) -> str:
    return _text(
        value,
        BODY_MAX,
        _("Write a message."),
        _("Keep the message under %(n)s characters.", n=f"{BODY_MAX:,}"),
    )


def _due(due_on: date | None, on: date) -> date:
    if due_on is None:
        raise ClarificationError(_("Give a due date."))
    if due_on < on:
        raise ClarificationError(
            _("The due date %(date)s is in the past; choose today or later.", date=due_on)
        )
    return due_on


def _await_client(case: Case, user: User, actor: Actor, reason: str) -> None:
    """Move the case to awaiting_client (starting the review first if it was assigned)."""
    if case.state == State.ASSIGNED:
        transition(case, Action.START_REVIEW, user, actor, reason=reason)
    if case.state == State.IN_REVIEW:
        transition(case, Action.REQUEST_CLARIFICATION, user, actor, reason=reason)


def _resume_if_settled(case: Case, reason: str) -> None:
    if case.state == State.AWAITING_CLIENT and not open_clarification_codes(case):
        transition(case, Action.RESUME_REVIEW, None, SYSTEM, reason=reason)


def raise_request(
    case: Case,
    user: User,
    actor: Actor,
    criterion_code: str | None,
    subject: str,
    body: str,
    due_on: date | None,
    *,
    on: date | None = None,
) -> Clarification:
    """The case's verifier asks the organisation something, by ``due_on``.

    Raises :class:`NotYours`, :class:`NotNow` or :class:`ClarificationError`; nothing is
    written then.
    """
    if not actor.is_case_verifier:
        raise NotYours(_("Only the case's verifier may raise a clarification request."))
    if State(case.state) not in REVIEWING_STATES:
        raise NotNow(_("Clarification requests can only be raised while the case is in review."))
    code = (criterion_code or "").strip() or None
    if code is not None:
        try:
            methodology_of(case).criterion(code)
        except KeyError:
            raise ClarificationError(_("There is no criterion %(code)s.", code=code)) from None
    subject = _text(
        subject,
        SUBJECT_MAX,
        _("Give the request a subject."),
        _("Keep the subject under %(n)d characters.", n=SUBJECT_MAX),
    )
    body = _body(body)
    due_on = _due(due_on, on or today())
    _await_client(case, user, actor, "clarification requested")
    request = Clarification(
        case_id=case.id,
        criterion_code=code,
        subject=subject,
        due_on=due_on,
        status=str(Status.OPEN),
        raised_by_id=user.id,
    )
    request.messages.append(ClarificationMessage(author_id=user.id, body=body))
    db.session.add(request)
    db.session.flush()
    log(case, user, "clarification_raised", None, None, f"{code or CASE_LEVEL}: {subject}")
    notify(
        case,
        "clarification_raised",
        user,
        about=_about(code),
        subject=subject,
        due_on=due_on,
    )
    return request


def reply(
    request: Clarification,
    case: Case,
    user: User,
    actor: Actor,
    body: str,
    upload: FileStorage | None = None,
    due_on: date | None = None,
    *,
    on: date | None = None,
) -> ClarificationMessage:
    """Add a message to the thread.

    The organisation answers an open request (a file it attaches is stored as evidence of
    the request's criterion), which marks it answered and, once none is open, resumes the
    review. The verifier writing on an answered request asks again (open once more, and the
    case awaits the client again; ``due_on`` may move the due date). Raises
    :class:`NotYours`, :class:`NotNow` or :class:`ClarificationError`; nothing is written then.
    """
    if not (actor.is_case_member or actor.is_case_verifier):
        raise NotYours(_("Only the organisation and the case's verifier write in this thread."))
    if request.status == Status.CLOSED:
        raise NotNow(_("This clarification request is closed."))
    if actor.is_case_member:
        return _answer(request, case, user, body, upload)
    if State(case.state) not in REVIEWING_STATES:
        raise NotNow(_("The verifier can only write here while the case is in review."))
    if upload is not None:
        raise ClarificationError(_("Only the organisation attaches files to its answers."))
    body = _body(body)
    if due_on is not None:
        request.due_on = _due(due_on, on or today())
    reopened = request.status == Status.ANSWERED
    if reopened:
        _await_client(case, user, actor, "clarification requested again")
    request.status = str(Status.OPEN)
    message = ClarificationMessage(author_id=user.id, body=body)
    request.messages.append(message)
    db.session.flush()
    if reopened:
        log(case, user, "clarification_reopened", None, None, request.subject)
    notify(
        case,
        "clarification_reopened",
        user,
        about=_about(request.criterion_code),
        subject=request.subject,
        due_on=request.due_on,
    )
    return message


def _answer(
    request: Clarification, case: Case, user: User, body: str, upload: FileStorage | None
) -> ClarificationMessage:
    if State(case.state) not in RESPONDING_STATES:
        raise NotNow(_("Clarification requests can only be answered while the case is in review."))
    if request.status != Status.OPEN:
        raise NotNow(_("This request is already answered; the verifier may ask again."))
    body = _body(body)
    if upload is not None and request.criterion_code is None:
        raise ClarificationError(
            _(
                "This request is about the case as a whole: files are attached to a "
                "criterion. Nothing was stored."
            )
        )
    evidence = None
    if upload is not None:
        try:
            evidence = add_evidence(case, request.criterion_code, upload, user)
        except EvidenceRejected as exc:
            raise ClarificationError(str(exc)) from None
    request.messages.append(
        ClarificationMessage(
            author_id=user.id, body=body, evidence_file_id=evidence.id if evidence else None
        )
    )
    request.status, request.answered_at = str(Status.ANSWERED), utcnow()
    db.session.flush()
    log(case, user, "clarification_answered", None, None, request.subject)
    notify(case, "clarification_answered", user, subject=request.subject)
    _resume_if_settled(case, "all clarification requests answered")
    return request.messages[-1]


def close(request: Clarification, case: Case, user: User, actor: Actor) -> None:
    """The verifier settles a request. Raises :class:`NotYours` or :class:`NotNow`."""
    if not actor.is_case_verifier:
        raise NotYours(_("Only the case's verifier may close a clarification request."))
    if State(case.state) not in REVIEWING_STATES:
        raise NotNow(_("Requests can only be closed while the case is in review."))
    if request.status == Status.CLOSED:
        raise NotNow(_("This clarification request is already closed."))
    request.status, request.closed_at = str(Status.CLOSED), utcnow()
    db.session.flush()
    log(case, user, "clarification_closed", None, None, request.subject)
    notify(case, "clarification_closed", user, subject=request.subject)
    _resume_if_settled(case, "no clarification request left open")

"""Who is told what: the one table of notifications. Pure: no Flask, no database.

Every event names the people to tell by their place on the case (:class:`Audience`), the
message they read (an untranslated msgid, translated when shown in the reader's language),
the subject of the email, whether an email goes out besides the note in the app, and the
page the note links to. Workflow transitions reach the table through
:data:`TRANSITION_EVENTS`, so every transition is decided here and nowhere else.
docs/notifications.md is this table in words; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ..messages import N_, Message
from ..workflow.rules import Action


class Audience(StrEnum):
    SME_MEMBERS = "sme_members"  # active users of the organisation that owns the case
    VB_ADMINS = "vb_admins"  # active admins of the case's verification body
    LEAD_VERIFIER = "lead_verifier"  # the case's verifier
    TEAM = "team"  # everyone assigned to the case on the body's side (verifier, reviewer, team)
    REVIEWER = "reviewer"  # the case's technical reviewer


class Link(StrEnum):
    CASE = "/cases/{case_id}"
    CLARIFICATIONS = "/cases/{case_id}/clarifications"


@dataclass(frozen=True)
class Rule:
    audiences: frozenset[Audience]
    message: Message  # the template is stored; the parameters come with each event
    subject: Message
    email: bool
    link: Link = Link.CASE


def _rule(*audiences: Audience, message: Message, subject: Message, email: bool, link=Link.CASE):
    return Rule(frozenset(audiences), message, subject, email, link)


SME, ADMINS, LEAD, TEAM, REVIEWER = (
    Audience.SME_MEMBERS,
    Audience.VB_ADMINS,
    Audience.LEAD_VERIFIER,
    Audience.TEAM,
    Audience.REVIEWER,
)

# Parameters every event has; some events add their own (see PARAMS).
COMMON_PARAMS = ("case", "case_id")

RULES: dict[str, Rule] = {
    "case_submitted": _rule(
        ADMINS,
        SME,
        message=N_("Case “%(case)s” was submitted for verification."),
        subject=N_("Case submitted: %(case)s"),
        email=True,
    ),
    "team_assigned": _rule(
        SME,
        TEAM,
        message=N_("A verifier and a technical reviewer were assigned to case “%(case)s”."),
        subject=N_("Team assigned: %(case)s"),
        email=True,
    ),
    "clarification_raised": _rule(
        SME,
        message=N_(
            "The verifier asks for clarification on %(about)s of case “%(case)s”: "
            "%(subject)s (due %(due_on)s)."
        ),
        subject=N_("Clarification requested: %(case)s"),
        email=True,
        link=Link.CLARIFICATIONS,
    ),
    "clarification_reopened": _rule(
        SME,
        message=N_(
            "The verifier asks again about %(about)s of case “%(case)s”: %(subject)s "
            "(due %(due_on)s)."
        ),
        subject=N_("Clarification requested again: %(case)s"),
        email=True,
        link=Link.CLARIFICATIONS,
    ),
    "clarification_answered": _rule(
        LEAD,
        message=N_(
            "The organisation answered the clarification request “%(subject)s” on case “%(case)s”."
        ),
        subject=N_("Clarification answered: %(case)s"),
        email=True,
        link=Link.CLARIFICATIONS,
    ),
    "clarification_closed": _rule(
        SME,
        message=N_(
            "The verifier closed the clarification request “%(subject)s” on case “%(case)s”."
        ),
        subject=N_("Clarification closed: %(case)s"),
        email=False,
        link=Link.CLARIFICATIONS,
    ),
    "nonconformity_raised": _rule(
        SME,
        message=N_("A non-conformity was raised on %(criterion)s of case “%(case)s”."),
        subject=N_("Non-conformity raised: %(case)s"),
        email=True,
    ),
    "correction_submitted": _rule(
        LEAD,
        message=N_("The organisation submitted a correction on %(criterion)s of case “%(case)s”."),
        subject=N_("Correction submitted: %(case)s"),
        email=True,
    ),
    "sent_to_technical_review": _rule(
        REVIEWER,
        ADMINS,
        message=N_("Case “%(case)s” is ready for technical review."),
        subject=N_("Ready for technical review: %(case)s"),
        email=True,
    ),
    "returned_to_verifier": _rule(
        LEAD,
        message=N_("The technical reviewer returned case “%(case)s” to the verifier."),
        subject=N_("Returned to the verifier: %(case)s"),
        email=True,
    ),
    "approved": _rule(
        SME,
        ADMINS,
        LEAD,
        message=N_("Case “%(case)s” was approved; the statement is being issued."),
        subject=N_("Approved: %(case)s"),
        email=False,
    ),
    "statement_issued": _rule(
        SME,
        ADMINS,
        TEAM,
        message=N_("Statement %(number)s was issued for case “%(case)s”."),
        subject=N_("Statement issued: %(case)s"),
        email=True,
    ),
    "issuance_failed": _rule(
        ADMINS,
        REVIEWER,
        message=N_("Issuing the statement for case “%(case)s” failed; it needs attention."),
        subject=N_("Statement issuance failed: %(case)s"),
        email=True,
    ),
    "case_withdrawn": _rule(
        ADMINS,
        TEAM,
        SME,
        message=N_("Case “%(case)s” was withdrawn by the organisation."),
        subject=N_("Case withdrawn: %(case)s"),
        email=True,
    ),
}

# Parameters an event needs beyond COMMON_PARAMS (the caller passes them to notify()). A
# parameter that must itself be translated is passed as a Message (``about``: "criterion E1"
# or "the case as a whole") and stored as its msgid and parameters.
PARAMS: dict[str, tuple[str, ...]] = {
    "clarification_raised": ("about", "subject", "due_on"),
    "clarification_reopened": ("about", "subject", "due_on"),
    "clarification_answered": ("subject",),
    "clarification_closed": ("subject",),
    "nonconformity_raised": ("criterion",),
    "correction_submitted": ("criterion",),
    "statement_issued": ("number",),
}

# Every workflow action, and the event it notifies (None: nobody is told of it, because the
# step is told by a richer event of its own or is no news to anyone but the actor).
TRANSITION_EVENTS: dict[Action, str | None] = {
    Action.SUBMIT: "case_submitted",
    Action.ASSIGN: "team_assigned",
    Action.START_REVIEW: None,  # the verifier's own step; the organisation learns from findings
    Action.REQUEST_CLARIFICATION: None,  # told by clarification_raised, with the question
    Action.RESUME_REVIEW: None,  # told by clarification_answered / clarification_closed
    Action.SEND_TO_TECHNICAL_REVIEW: "sent_to_technical_review",
    Action.RETURN_TO_VERIFIER: "returned_to_verifier",
    Action.APPROVE: "approved",
    Action.ISSUE: "statement_issued",
    Action.WITHDRAW: "case_withdrawn",
}


def event_for(action: Action, *, submitted: bool = True) -> str | None:
    """The event a transition notifies; ``KeyError`` for an action the table forgot.

    A case withdrawn before it was ever submitted is nobody else's news: the verification
    body never saw it.
    """
    kind = TRANSITION_EVENTS[action]
    if action is Action.WITHDRAW and not submitted:
        return None
    return kind


@dataclass(frozen=True)
class CasePeople:
    """The user ids in each place on one case (computed by the service)."""

    sme_members: frozenset[int] = frozenset()
    vb_admins: frozenset[int] = frozenset()
    verifier: int | None = None
    reviewer: int | None = None
    team: frozenset[int] = frozenset()  # further members of the body's case team

    def of(self, audience: Audience) -> frozenset[int]:
        assigned = frozenset(i for i in (self.verifier, self.reviewer) if i is not None)
        return {
            Audience.SME_MEMBERS: self.sme_members,
            Audience.VB_ADMINS: self.vb_admins,
            Audience.LEAD_VERIFIER: frozenset(i for i in (self.verifier,) if i is not None),
            Audience.REVIEWER: frozenset(i for i in (self.reviewer,) if i is not None),
            Audience.TEAM: assigned | self.team,
        }[audience]


def recipients(kind: str, people: CasePeople, actor_id: int | None) -> list[int]:
    """Who is told of ``kind``, in id order; the actor is never told of their own action."""
    rule = RULES[kind]
    told: set[int] = set()
    for audience in rule.audiences:
        told |= people.of(audience)
    told.discard(actor_id)  # type: ignore[arg-type]
    return sorted(told)


def missing_params(kind: str, params: Iterable[str]) -> list[str]:
    """Parameters ``kind`` needs that ``params`` lacks (a programming error if any)."""
    have = set(params)
    return [p for p in (*COMMON_PARAMS, *PARAMS.get(kind, ())) if p not in have]


def link_for(kind: str, params: Mapping[str, object]) -> str:
    return RULES[kind].link.value.format(case_id=params["case_id"])

"""States, transitions and guards of a verification case.

Views, templates, services and tests all ask :func:`refusals` and :func:`allowed_actions`;
nothing else decides whether an action may happen. The functions take plain facts, so the
rules can be read and tested without an app or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..messages import N_, Message


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    IN_REVIEW = "in_review"
    AWAITING_CLIENT = "awaiting_client"
    IN_TECHNICAL_REVIEW = "in_technical_review"
    APPROVED = "approved"
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SUBMIT = "submit"
    ASSIGN = "assign"
    START_REVIEW = "start_review"
    REQUEST_CLARIFICATION = "request_clarification"
    RESUME_REVIEW = "resume_review"
    SEND_TO_TECHNICAL_REVIEW = "send_to_technical_review"
    RETURN_TO_VERIFIER = "return_to_verifier"
    APPROVE = "approve"
    ISSUE = "issue"
    WITHDRAW = "withdraw"


# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    Action.SUBMIT: (frozenset({State.DRAFT}), State.SUBMITTED),
    Action.ASSIGN: (frozenset({State.SUBMITTED}), State.ASSIGNED),
    Action.START_REVIEW: (frozenset({State.ASSIGNED}), State.IN_REVIEW),
    Action.REQUEST_CLARIFICATION: (frozenset({State.IN_REVIEW}), State.AWAITING_CLIENT),
    Action.RESUME_REVIEW: (frozenset({State.AWAITING_CLIENT}), State.IN_REVIEW),
    Action.SEND_TO_TECHNICAL_REVIEW: (frozenset({State.IN_REVIEW}), State.IN_TECHNICAL_REVIEW),
    Action.RETURN_TO_VERIFIER: (frozenset({State.IN_TECHNICAL_REVIEW}), State.IN_REVIEW),
    Action.APPROVE: (frozenset({State.IN_TECHNICAL_REVIEW}), State.APPROVED),
    Action.ISSUE: (frozenset({State.APPROVED}), State.ISSUED),
    Action.WITHDRAW: (
        frozenset(
            {
                State.DRAFT,
                State.SUBMITTED,
                State.ASSIGNED,
                State.IN_REVIEW,
                State.AWAITING_CLIENT,
                State.IN_TECHNICAL_REVIEW,
            }
        ),
        State.WITHDRAWN,
    ),
}

# States in which the organisation may still change its answers and evidence.
EDITABLE_STATES = frozenset({State.DRAFT})
# States in which the verifier may record findings and raise clarification requests.
REVIEWING_STATES = frozenset({State.ASSIGNED, State.IN_REVIEW, State.AWAITING_CLIENT})
# States in which the organisation answers clarification requests and non-conformities.
RESPONDING_STATES = frozenset({State.ASSIGNED, State.IN_REVIEW, State.AWAITING_CLIENT})

OPINIONS = ("unmodified", "modified", "adverse", "disclaimer")
ASSURANCE_LEVELS = ("limited", "reasonable")


@dataclass(frozen=True)
class Actor:
    """Who is asking, described relative to the case."""

    user_id: int | None
    is_case_member: bool = False  # belongs to the organisation that owns the case
    is_case_vb_admin: bool = False  # admin of the verification body the case was sent to
    is_case_verifier: bool = False
    is_case_reviewer: bool = False
    is_system: bool = False  # the issuance worker


@dataclass(frozen=True)
class CaseFacts:
    state: State
    unanswered_mandatory: tuple[str, ...] = ()
    missing_evidence: tuple[str, ...] = ()
    # What the statement prints about the case's scope (sites, organisational boundary).
    sites_missing: bool = False
    boundary_missing: bool = False
    without_finding: tuple[str, ...] = ()
    # The verified carbon figures differ from the reported ones by more than the threshold.
    material_misstatement: bool = False
    open_clarifications: tuple[str, ...] = ()  # criterion codes (or "case") still open
    open_major_nc: tuple[str, ...] = ()  # criteria with an open major non-conformity
    open_minor_nc: tuple[str, ...] = ()
    # The verifier's conclusion; None until drafted.
    opinion: str | None = None
    opinion_basis: str = ""
    assurance_level: str | None = None
    materiality_set: bool = False
    verifier_id: int | None = None
    reviewer_id: int | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    verifier_id: int | None
    reviewer_id: int | None
    verifier_eligible: bool
    reviewer_eligible: bool
    # Filled by the independence checks (accreditation scope, conflicts of interest, team).
    problems: tuple[Message, ...] = ()


def _listed(codes: tuple[str, ...]) -> str:
    return ", ".join(codes)


STATE_NAMES = {
    State.DRAFT: N_("draft"),
    State.SUBMITTED: N_("submitted"),
    State.ASSIGNED: N_("assigned"),
    State.IN_REVIEW: N_("in review"),
    State.AWAITING_CLIENT: N_("awaiting the client"),
    State.IN_TECHNICAL_REVIEW: N_("in technical review"),
    State.APPROVED: N_("approved"),
    State.ISSUED: N_("issued"),
    State.WITHDRAWN: N_("withdrawn"),
}


def refusals(
    action: Action, facts: CaseFacts, actor: Actor, assignment: Assignment | None = None
) -> list[Message]:
    """Every reason ``actor`` may not take ``action`` now; an empty list means allowed."""
    sources, _target = TRANSITIONS[action]
    reasons: list[Message] = []
    if facts.state not in sources:
        reasons.append(
            N_("Not possible while the case is %(state)s.", state=STATE_NAMES[facts.state])
        )
    reasons += _who(action, actor)
    reasons += _what(action, facts, assignment)
    return reasons


def _who(action: Action, actor: Actor) -> list[Message]:
    allowed = {
        Action.SUBMIT: actor.is_case_member,
        Action.WITHDRAW: actor.is_case_member,
        Action.ASSIGN: actor.is_case_vb_admin,
        Action.START_REVIEW: actor.is_case_verifier,
        Action.REQUEST_CLARIFICATION: actor.is_case_verifier,
        Action.RESUME_REVIEW: actor.is_case_verifier or actor.is_system,
        Action.SEND_TO_TECHNICAL_REVIEW: actor.is_case_verifier,
        Action.RETURN_TO_VERIFIER: actor.is_case_reviewer,
        Action.APPROVE: actor.is_case_reviewer,
        Action.ISSUE: actor.is_system,
    }[action]
    if allowed:
        return []
    return [
        {
            Action.SUBMIT: N_("Only a member of the organisation may do this."),
            Action.WITHDRAW: N_("Only a member of the organisation may do this."),
            Action.ASSIGN: N_("Only an administrator of the verification body may do this."),
            Action.START_REVIEW: N_("Only the case's verifier may do this."),
            Action.REQUEST_CLARIFICATION: N_("Only the case's verifier may do this."),
            Action.RESUME_REVIEW: N_("Only the case's verifier may do this."),
            Action.SEND_TO_TECHNICAL_REVIEW: N_("Only the case's verifier may do this."),
            Action.RETURN_TO_VERIFIER: N_("Only the case's technical reviewer may do this."),
            Action.APPROVE: N_("Only the case's technical reviewer may do this."),
            Action.ISSUE: N_("Only the issuance service may do this, after approval."),
        }[action]
    ]


def _what(action: Action, facts: CaseFacts, assignment: Assignment | None) -> list[Message]:
    reasons: list[Message] = []
    if action is Action.SUBMIT:
        if facts.unanswered_mandatory:
            reasons.append(
                N_(
                    "Mandatory criteria not answered: %(codes)s.",
                    codes=_listed(facts.unanswered_mandatory),
                )
            )
        if facts.missing_evidence:
            reasons.append(
                N_(
                    "Evidence required but not attached: %(codes)s.",
                    codes=_listed(facts.missing_evidence),
                )
            )
        if facts.sites_missing:
            reasons.append(N_("List the sites the case covers (case details)."))
        if facts.boundary_missing:
            reasons.append(N_("State the organisational boundary (case details)."))
    elif action is Action.ASSIGN and assignment is not None:
        if assignment.verifier_id is None or assignment.reviewer_id is None:
            reasons.append(N_("Choose both a verifier and a technical reviewer."))
        elif assignment.verifier_id == assignment.reviewer_id:
            reasons.append(
                N_("The technical reviewer must be a different person from the verifier.")
            )
        if assignment.verifier_id is not None and not assignment.verifier_eligible:
            reasons.append(N_("The chosen verifier is not a verifier of this verification body."))
        if assignment.reviewer_id is not None and not assignment.reviewer_eligible:
            reasons.append(N_("The chosen reviewer is not a reviewer of this verification body."))
        reasons += list(assignment.problems)
    elif action is Action.RESUME_REVIEW and facts.open_clarifications:
        reasons.append(
            N_(
                "Clarification requests still open: %(codes)s.",
                codes=_listed(facts.open_clarifications),
            )
        )
    elif action is Action.SEND_TO_TECHNICAL_REVIEW:
        if facts.without_finding:
            reasons.append(
                N_("Criteria without a finding: %(codes)s.", codes=_listed(facts.without_finding))
            )
        if facts.open_clarifications:
            reasons.append(
                N_(
                    "Clarification requests still open: %(codes)s.",
                    codes=_listed(facts.open_clarifications),
                )
            )
        reasons += conclusion_problems(facts)
    elif action in (Action.APPROVE, Action.ISSUE) and (
        facts.reviewer_id is None or facts.reviewer_id == facts.verifier_id
    ):
        reasons.append(N_("An independent technical reviewer must be assigned."))
    return reasons


def conclusion_problems(facts: CaseFacts) -> list[Message]:
    """Whether the drafted conclusion is complete and consistent with the findings.

    An unmodified opinion cannot stand beside an open major non-conformity or a material
    misstatement; any other opinion needs its basis written out.
    """
    reasons: list[Message] = []
    if facts.opinion is None or facts.assurance_level is None or not facts.materiality_set:
        reasons.append(
            N_("Draft the conclusion first: level of assurance, materiality and opinion.")
        )
        return reasons
    if facts.opinion == "unmodified":
        if facts.open_major_nc:
            reasons.append(
                N_(
                    "An unmodified opinion cannot be given while major non-conformities are "
                    "open: %(codes)s.",
                    codes=_listed(facts.open_major_nc),
                )
            )
        if facts.material_misstatement:
            reasons.append(
                N_(
                    "An unmodified opinion cannot be given: the verified emissions differ from "
                    "the reported ones by more than the materiality threshold."
                )
            )
    elif not facts.opinion_basis.strip():
        reasons.append(N_("A modified, adverse or disclaimer opinion needs its basis written out."))
    return reasons


def permitted(action: Action, actor: Actor) -> bool:
    """Whether ``actor`` is someone who may ever take ``action`` on this case."""
    return not _who(action, actor)


def allowed_actions(facts: CaseFacts, actor: Actor) -> list[Action]:
    """Actions whose state and actor conditions hold now (data guards may still refuse)."""
    return [
        action
        for action in Action
        if facts.state in TRANSITIONS[action][0] and not _who(action, actor)
    ]


def target(action: Action) -> State:
    return TRANSITIONS[action][1]

"""The workflow guards, with plain facts: no app, no database."""

import pytest

from verification.workflow.rules import (
    TRANSITIONS,
    Action,
    Actor,
    Assignment,
    CaseFacts,
    State,
    allowed_actions,
    permitted,
    refusals,
)

MEMBER = Actor(user_id=1, is_case_member=True)
VB_ADMIN = Actor(user_id=2, is_case_vb_admin=True)
VERIFIER = Actor(user_id=3, is_case_verifier=True)
REVIEWER = Actor(user_id=4, is_case_reviewer=True)
STRANGER = Actor(user_id=9)


def test_submit_needs_answers_and_evidence():
    facts = CaseFacts(State.DRAFT, unanswered_mandatory=("E1", "S1"), missing_evidence=("E1",))
    reasons = [str(r) for r in refusals(Action.SUBMIT, facts, MEMBER)]
    assert reasons == [
        "Mandatory criteria not answered: E1, S1.",
        "Evidence required but not attached: E1.",
    ]
    assert refusals(Action.SUBMIT, CaseFacts(State.DRAFT), MEMBER) == []


def test_only_members_submit_and_only_from_draft():
    assert [str(r) for r in refusals(Action.SUBMIT, CaseFacts(State.DRAFT), VERIFIER)] == [
        "Only a member of the organisation may do this."
    ]
    assert [str(r) for r in refusals(Action.SUBMIT, CaseFacts(State.SUBMITTED), MEMBER)] == [
        "Not possible while the case is submitted."
    ]


@pytest.mark.parametrize(
    "assignment, reason",
    [
        (Assignment(3, 3, True, True), "must be a different person"),
        (Assignment(3, None, True, False), "Choose both"),
        (Assignment(3, 4, False, True), "chosen verifier is not a verifier"),
        (Assignment(3, 4, True, False), "chosen reviewer is not a reviewer"),
    ],
)
def test_assignment_guards(assignment, reason):
    reasons = [
        str(r) for r in refusals(Action.ASSIGN, CaseFacts(State.SUBMITTED), VB_ADMIN, assignment)
    ]
    assert any(reason in r for r in reasons), reasons


def test_assignment_of_eligible_independent_team_is_allowed():
    ok = Assignment(3, 4, True, True)
    assert refusals(Action.ASSIGN, CaseFacts(State.SUBMITTED), VB_ADMIN, ok) == []


# A conclusion that lets the case go to technical review when nothing else is open.
CONCLUDED = dict(opinion="unmodified", assurance_level="limited", materiality_set=True)


def test_technical_review_needs_a_finding_on_every_criterion():
    facts = CaseFacts(
        State.IN_REVIEW, without_finding=("G2",), verifier_id=3, reviewer_id=4, **CONCLUDED
    )
    assert [str(r) for r in refusals(Action.SEND_TO_TECHNICAL_REVIEW, facts, VERIFIER)] == [
        "Criteria without a finding: G2."
    ]
    done = CaseFacts(State.IN_REVIEW, verifier_id=3, reviewer_id=4, **CONCLUDED)
    assert refusals(Action.SEND_TO_TECHNICAL_REVIEW, done, VERIFIER) == []


def test_technical_review_needs_a_drafted_conclusion():
    facts = CaseFacts(State.IN_REVIEW, verifier_id=3, reviewer_id=4)
    assert [str(r) for r in refusals(Action.SEND_TO_TECHNICAL_REVIEW, facts, VERIFIER)] == [
        "Draft the conclusion first: level of assurance, materiality and opinion."
    ]


def test_technical_review_waits_for_open_clarifications():
    facts = CaseFacts(
        State.IN_REVIEW, verifier_id=3, reviewer_id=4, open_clarifications=("E1",), **CONCLUDED
    )
    assert [str(r) for r in refusals(Action.SEND_TO_TECHNICAL_REVIEW, facts, VERIFIER)] == [
        "Clarification requests still open: E1."
    ]


@pytest.mark.parametrize(
    "facts, expected",
    [
        (dict(opinion="unmodified", open_major_nc=("S1",)), "major non-conformities are open: S1"),
        (dict(opinion="unmodified", material_misstatement=True), "materiality threshold"),
        (dict(opinion="modified", opinion_basis=" "), "needs its basis written out"),
        (dict(opinion="adverse", opinion_basis=""), "needs its basis written out"),
        (dict(opinion="disclaimer", opinion_basis=""), "needs its basis written out"),
    ],
)
def test_the_opinion_must_agree_with_the_findings(facts, expected):
    given = {**CONCLUDED, **facts}
    case = CaseFacts(State.IN_REVIEW, verifier_id=3, reviewer_id=4, **given)
    reasons = [str(r) for r in refusals(Action.SEND_TO_TECHNICAL_REVIEW, case, VERIFIER)]
    assert len(reasons) == 1 and expected in reasons[0], reasons


@pytest.mark.parametrize(
    "facts",
    [
        # A modified or adverse opinion with its basis may stand beside open problems.
        dict(opinion="modified", opinion_basis="Scope 3 excluded.", open_major_nc=("S1",)),
        dict(opinion="adverse", opinion_basis="Misstated.", material_misstatement=True),
        # An open minor non-conformity does not bar an unmodified opinion.
        dict(opinion="unmodified", open_minor_nc=("G1",)),
    ],
)
def test_consistent_opinions_are_allowed(facts):
    case = CaseFacts(State.IN_REVIEW, verifier_id=3, reviewer_id=4, **{**CONCLUDED, **facts})
    assert refusals(Action.SEND_TO_TECHNICAL_REVIEW, case, VERIFIER) == []


def test_clarification_moves_the_case_to_the_client_and_back():
    in_review = CaseFacts(State.IN_REVIEW, verifier_id=3, reviewer_id=4)
    assert refusals(Action.REQUEST_CLARIFICATION, in_review, VERIFIER) == []
    for actor in (MEMBER, REVIEWER, VB_ADMIN, STRANGER):
        assert refusals(Action.REQUEST_CLARIFICATION, in_review, actor), actor
    waiting = CaseFacts(State.AWAITING_CLIENT, open_clarifications=("E1", "case"))
    system = Actor(user_id=None, is_system=True)
    assert [str(r) for r in refusals(Action.RESUME_REVIEW, waiting, system)] == [
        "Clarification requests still open: E1, case."
    ]
    answered = CaseFacts(State.AWAITING_CLIENT)
    assert refusals(Action.RESUME_REVIEW, answered, system) == []
    assert refusals(Action.RESUME_REVIEW, answered, VERIFIER) == []
    assert refusals(Action.RESUME_REVIEW, answered, MEMBER)
    # While waiting on the client, the case cannot go to technical review.
    assert refusals(
        Action.SEND_TO_TECHNICAL_REVIEW, CaseFacts(State.AWAITING_CLIENT, **CONCLUDED), VERIFIER
    )


def test_only_the_reviewer_returns_a_case_and_only_from_technical_review():
    facts = CaseFacts(State.IN_TECHNICAL_REVIEW, verifier_id=3, reviewer_id=4)
    assert refusals(Action.RETURN_TO_VERIFIER, facts, REVIEWER) == []
    for actor in (VERIFIER, VB_ADMIN, MEMBER, STRANGER):
        assert refusals(Action.RETURN_TO_VERIFIER, facts, actor), actor
    approved = CaseFacts(State.APPROVED, verifier_id=3, reviewer_id=4)
    assert [str(r) for r in refusals(Action.RETURN_TO_VERIFIER, approved, REVIEWER)] == [
        "Not possible while the case is approved."
    ]


def test_independence_problems_refuse_the_assignment():
    from verification.messages import N_

    problem = N_("Ann Verifier holds no accreditation covering cbam-installation.")
    refused = Assignment(3, 4, True, True, problems=(problem,))
    reasons = [
        str(r) for r in refusals(Action.ASSIGN, CaseFacts(State.SUBMITTED), VB_ADMIN, refused)
    ]
    assert reasons == ["Ann Verifier holds no accreditation covering cbam-installation."]


def test_only_the_reviewer_approves():
    facts = CaseFacts(State.IN_TECHNICAL_REVIEW, verifier_id=3, reviewer_id=4)
    assert refusals(Action.APPROVE, facts, REVIEWER) == []
    for actor in (VERIFIER, VB_ADMIN, MEMBER, STRANGER):
        assert refusals(Action.APPROVE, facts, actor), actor
        assert not permitted(Action.APPROVE, actor)


def test_issue_only_after_approval_and_only_by_the_system():
    system = Actor(user_id=None, is_system=True)
    approved = CaseFacts(State.APPROVED, verifier_id=3, reviewer_id=4)
    assert refusals(Action.ISSUE, approved, system) == []
    assert refusals(Action.ISSUE, approved, REVIEWER)
    issued = CaseFacts(State.ISSUED, verifier_id=3, reviewer_id=4)
    assert [str(r) for r in refusals(Action.ISSUE, issued, system)] == [
        "Not possible while the case is issued."
    ]


def test_allowed_actions_per_state_and_actor():
    assert allowed_actions(CaseFacts(State.DRAFT), MEMBER) == [Action.SUBMIT, Action.WITHDRAW]
    assert allowed_actions(CaseFacts(State.SUBMITTED), VB_ADMIN) == [Action.ASSIGN]
    assert allowed_actions(CaseFacts(State.IN_REVIEW), VERIFIER) == [
        Action.REQUEST_CLARIFICATION,
        Action.SEND_TO_TECHNICAL_REVIEW,
    ]
    assert allowed_actions(CaseFacts(State.AWAITING_CLIENT), VERIFIER) == [Action.RESUME_REVIEW]
    assert allowed_actions(CaseFacts(State.IN_TECHNICAL_REVIEW), REVIEWER) == [
        Action.RETURN_TO_VERIFIER,
        Action.APPROVE,
    ]
    assert allowed_actions(CaseFacts(State.ISSUED), MEMBER) == []
    assert allowed_actions(CaseFacts(State.IN_REVIEW), STRANGER) == []


def test_nothing_leaves_issued_or_withdrawn():
    for action, (sources, _target) in TRANSITIONS.items():
        assert State.ISSUED not in sources, action
        assert State.WITHDRAWN not in sources, action


def test_awaiting_the_client_may_still_be_withdrawn():
    assert refusals(Action.WITHDRAW, CaseFacts(State.AWAITING_CLIENT), MEMBER) == []

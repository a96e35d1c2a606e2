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


def test_technical_review_needs_a_finding_on_every_criterion():
    facts = CaseFacts(State.IN_REVIEW, without_finding=("G2",), verifier_id=3, reviewer_id=4)
    assert [str(r) for r in refusals(Action.SEND_TO_TECHNICAL_REVIEW, facts, VERIFIER)] == [
        "Criteria without a finding: G2."
    ]


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
        Action.SEND_TO_TECHNICAL_REVIEW
    ]
    assert allowed_actions(CaseFacts(State.ISSUED), MEMBER) == []
    assert allowed_actions(CaseFacts(State.IN_REVIEW), STRANGER) == []


def test_nothing_leaves_issued_or_withdrawn():
    for action, (sources, _target) in TRANSITIONS.items():
        assert State.ISSUED not in sources, action
        assert State.WITHDRAWN not in sources, action


def test_a_material_misstatement_blocks_technical_review():
    facts = CaseFacts(State.IN_REVIEW, verifier_id=3, reviewer_id=4, material_misstatement=True)
    reasons = [str(r) for r in refusals(Action.SEND_TO_TECHNICAL_REVIEW, facts, VERIFIER)]
    assert len(reasons) == 1 and "materiality threshold" in reasons[0]

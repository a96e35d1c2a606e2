"""The table of who is told what: plain data, no app, no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from verification.notifications import rules
from verification.notifications.rules import Audience, CasePeople, recipients
from verification.workflow.rules import Action

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"

PEOPLE = CasePeople(
    sme_members=frozenset({1, 2}),
    vb_admins=frozenset({3}),
    verifier=4,
    reviewer=5,
    team=frozenset({6}),
)
NAMES = {
    Audience.SME_MEMBERS: "SME members",
    Audience.VB_ADMINS: "VB admins",
    Audience.LEAD_VERIFIER: "lead verifier",
    Audience.REVIEWER: "reviewer",
    Audience.TEAM: "team",
}


def test_every_workflow_action_is_decided_in_the_table():
    assert set(rules.TRANSITION_EVENTS) == set(Action)
    for action in Action:
        kind = rules.event_for(action)
        assert kind is None or kind in rules.RULES, action


def test_withdrawing_a_draft_is_nobody_elses_news():
    assert rules.event_for(Action.WITHDRAW) == "case_withdrawn"
    assert rules.event_for(Action.WITHDRAW, submitted=False) is None
    assert rules.event_for(Action.SUBMIT, submitted=False) == "case_submitted"


def test_the_events_the_issue_names_are_all_there():
    assert {
        "case_submitted",
        "team_assigned",
        "clarification_raised",
        "clarification_answered",
        "nonconformity_raised",
        "correction_submitted",
        "sent_to_technical_review",
        "returned_to_verifier",
        "approved",
        "statement_issued",
        "issuance_failed",
    } <= set(rules.RULES)


@pytest.mark.parametrize("kind", sorted(rules.RULES))
def test_each_message_fits_its_parameters(kind):
    """Every placeholder is a parameter the event has, and every parameter is used."""
    rule = rules.RULES[kind]
    given = {p: "x" for p in (*rules.COMMON_PARAMS, *rules.PARAMS.get(kind, ()))}
    for message in (rule.message, rule.subject):
        assert not message.params  # the table holds templates only
        message.template % given  # KeyError for a placeholder without a parameter
    used = set(re.findall(r"%\((\w+)\)s", rule.message.template + rule.subject.template))
    assert used >= set(rules.PARAMS.get(kind, ())), "a parameter no message shows"
    assert rules.missing_params(kind, given) == []
    assert rules.missing_params(kind, ["case"]) == [
        p for p in ("case_id", *rules.PARAMS.get(kind, ()))
    ]


def test_nobody_is_told_of_their_own_action():
    assert recipients("clarification_raised", PEOPLE, actor_id=1) == [2]
    assert recipients("case_submitted", PEOPLE, actor_id=2) == [1, 3]
    assert recipients("clarification_answered", PEOPLE, actor_id=1) == [4]
    assert recipients("clarification_answered", PEOPLE, actor_id=4) == []


def test_places_on_the_case():
    assert PEOPLE.of(Audience.TEAM) == {4, 5, 6}
    assert PEOPLE.of(Audience.LEAD_VERIFIER) == {4}
    assert PEOPLE.of(Audience.REVIEWER) == {5}
    unstaffed = CasePeople(sme_members=frozenset({1}))
    assert unstaffed.of(Audience.TEAM) == set() and unstaffed.of(Audience.REVIEWER) == set()
    assert recipients("statement_issued", unstaffed, actor_id=None) == [1]


@pytest.mark.parametrize(
    ("kind", "told"),
    [
        ("case_submitted", [1, 2, 3]),
        ("team_assigned", [1, 2, 4, 5, 6]),
        ("clarification_raised", [1, 2]),
        ("clarification_answered", [4]),
        ("nonconformity_raised", [1, 2]),
        ("correction_submitted", [4]),
        ("sent_to_technical_review", [3, 5]),
        ("returned_to_verifier", [4]),
        ("approved", [1, 2, 3, 4]),
        ("statement_issued", [1, 2, 3, 4, 5, 6]),
        ("issuance_failed", [3, 5]),
    ],
)
def test_who_is_told(kind, told):
    assert recipients(kind, PEOPLE, actor_id=None) == told


def test_links():
    assert rules.link_for("case_submitted", {"case_id": 7}) == "/cases/7"
    assert rules.link_for("clarification_raised", {"case_id": 7}) == "/cases/7/clarifications"


def _doc_rows() -> dict[str, list[str]]:
    """The rows of the table under the marker comment in docs/notifications.md."""
    text = DOC.read_text().split("<!-- the table")[1]
    rows = {}
    for line in text.splitlines()[3:]:  # the comment, the heading and the rule
        if not line.startswith("|"):
            break
        kind, *cells = [c.strip() for c in line.strip("|").split("|")]
        rows[kind.strip("`")] = cells
    return rows


def test_the_documentation_says_what_the_table_does():
    documented = _doc_rows()
    assert set(documented) == set(rules.RULES)
    for kind, (_when, told, email, _link) in documented.items():
        rule = rules.RULES[kind]
        assert {t.strip() for t in told.split(",")} == {NAMES[a] for a in rule.audiences}, kind
        assert email == ("yes" if rule.email else "no"), kind

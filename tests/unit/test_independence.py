"""The independence checks on a proposed case team, with plain facts: no app, no database."""

from __future__ import annotations

from datetime import date

import pytest

from verification.review.independence import (
    NO_SECTOR,
    Accreditation,
    CaseScope,
    Declaration,
    EarlierCase,
    Person,
    Proposal,
    accreditation_gaps,
    check,
    conflicts,
    first_uncovered_day,
    lookback_start,
    reviewer_problems,
    verifier_problems,
    years_before,
)

TODAY = date(2026, 3, 10)
ORG = 7
SCOPE = CaseScope(
    case_id=100,
    organisation_id=ORG,
    organisation_name="Riverside Textiles",
    methodology_code="sme-esg-starter",
    sector="C",
    period_start=date(2025, 1, 1),
    period_end=date(2025, 12, 31),
)


def accreditation(codes=("sme-esg-starter",), sectors=("C",), start="2020-01-01", end="2030-12-31"):
    return Accreditation(
        frozenset(codes),
        frozenset(sectors),
        date.fromisoformat(start),
        date.fromisoformat(end),
        "CNAS",
        "CNAS-1",
    )


def person(user_id=1, name="Chen Jing", email="chen@vb.example", accreditations=None, declared=()):
    held = (accreditation(),) if accreditations is None else tuple(accreditations)
    return Person(user_id, name, email, held, tuple(declared))


def texts(messages) -> list[str]:
    return [str(m) for m in messages]


# --- accreditation scope -------------------------------------------------------------------


def test_a_covering_accreditation_leaves_nothing_to_say():
    assert accreditation_gaps(person(), SCOPE, TODAY) == []


def test_methodology_not_covered():
    p = person(accreditations=[accreditation(codes=("other-scheme",))])
    assert texts(accreditation_gaps(p, SCOPE, TODAY)) == [
        "Chen Jing holds no accreditation for the methodology sme-esg-starter."
    ]


def test_sector_not_covered_names_the_section():
    p = person(accreditations=[accreditation(sectors=("A", "F"))])
    assert texts(accreditation_gaps(p, SCOPE, TODAY)) == [
        "Chen Jing holds no accreditation for the sector C - Manufacturing."
    ]


def test_empty_sectors_cover_nothing():
    p = person(accreditations=[accreditation(sectors=())])
    assert "no accreditation for the sector" in texts(accreditation_gaps(p, SCOPE, TODAY))[0]


def test_no_accreditation_at_all_gives_both_reasons():
    assert texts(accreditation_gaps(person(accreditations=[]), SCOPE, TODAY)) == [
        "Chen Jing holds no accreditation for the methodology sme-esg-starter.",
        "Chen Jing holds no accreditation for the sector C - Manufacturing.",
    ]


def test_methodology_and_sector_must_be_on_one_accreditation():
    split = [accreditation(sectors=("A",)), accreditation(codes=("other-scheme",), sectors=("C",))]
    assert texts(accreditation_gaps(person(accreditations=split), SCOPE, TODAY)) == [
        "Chen Jing holds no single accreditation covering both the methodology "
        "sme-esg-starter and the sector C - Manufacturing."
    ]


def test_expired_accreditation():
    p = person(accreditations=[accreditation(end="2026-03-09")])  # ended yesterday
    (reason,) = texts(accreditation_gaps(p, SCOPE, TODAY))
    assert "is not in force on 2026-03-10" in reason
    assert "from 2025-01-01 to 2026-03-10" in reason


def test_valid_on_the_assignment_day_itself_is_enough():
    assert (
        accreditation_gaps(person(accreditations=[accreditation(end="2026-03-10")]), SCOPE, TODAY)
        == []
    )


@pytest.mark.parametrize(
    "start, end, gap",
    [
        ("2025-01-01", "2030-12-31", None),  # from the first day of the period
        ("2025-01-02", "2030-12-31", "2025-01-01"),  # one day late
        ("2026-01-01", "2030-12-31", "2025-01-01"),  # granted after the period
        ("2027-01-01", "2030-12-31", "2025-01-01"),  # not in force yet
        ("2020-01-01", "2025-06-30", "2025-07-01"),  # lapsed during the period
    ],
)
def test_the_whole_period_and_the_assignment_day_must_be_covered(start, end, gap):
    p = person(accreditations=[accreditation(start=start, end=end)])
    reasons = texts(accreditation_gaps(p, SCOPE, TODAY))
    if gap is None:
        assert reasons == []
    else:
        assert len(reasons) == 1 and f"is not in force on {gap};" in reasons[0], reasons


def test_a_period_ending_after_today_must_be_covered_to_its_end():
    future = CaseScope(**{**SCOPE.__dict__, "period_end": date(2026, 12, 31)})
    p = person(accreditations=[accreditation(end="2026-06-30")])
    (reason,) = texts(accreditation_gaps(p, future, TODAY))
    assert "not in force on 2026-07-01" in reason and "to 2026-12-31" in reason


def test_a_renewal_that_follows_without_a_gap_covers_the_span():
    renewed = [accreditation(end="2025-06-30"), accreditation(start="2025-07-01")]
    assert accreditation_gaps(person(accreditations=renewed), SCOPE, TODAY) == []
    gap = [accreditation(end="2025-06-30"), accreditation(start="2025-07-02")]
    (reason,) = texts(accreditation_gaps(person(accreditations=gap), SCOPE, TODAY))
    assert "not in force on 2025-07-01" in reason


def test_a_renewal_for_another_sector_does_not_continue_the_span():
    mixed = [accreditation(end="2025-06-30"), accreditation(start="2025-07-01", sectors=("A",))]
    (reason,) = texts(accreditation_gaps(person(accreditations=mixed), SCOPE, TODAY))
    assert "not in force on 2025-07-01" in reason


def test_first_uncovered_day_edges():
    d = date.fromisoformat
    assert first_uncovered_day([], d("2025-01-01"), d("2025-01-01")) == d("2025-01-01")
    assert (
        first_uncovered_day([(d("2025-01-01"), d("2025-01-01"))], d("2025-01-01"), d("2025-01-01"))
        is None
    )
    spans = [(d("2025-01-01"), d("9999-12-31"))]  # no overflow at the end of the calendar
    assert first_uncovered_day(spans, d("2025-01-01"), d("9999-12-31")) is None


def test_a_case_without_sector_is_refused_once_for_the_case():
    scope = CaseScope(**{**SCOPE.__dict__, "sector": None})
    reasons = check(Proposal(person(), (person(2, "Li Na"),), None), scope, (), TODAY)
    assert reasons == [NO_SECTOR]


# --- conflicts of interest -----------------------------------------------------------------


def declared(ended=None, organisation=ORG, started="2019-05-01"):
    return Declaration(
        organisation,
        "former employee",
        date.fromisoformat(started),
        date.fromisoformat(ended) if ended else None,
    )


def test_three_years_back_is_the_same_calendar_day():
    assert lookback_start(TODAY) == date(2023, 3, 10)
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)


@pytest.mark.parametrize(
    "ended, conflict",
    [
        (None, True),  # ongoing
        ("2026-01-31", True),
        ("2023-03-10", True),  # ended exactly three years ago: still within
        ("2023-03-09", False),  # a day more than three years ago
        ("2010-01-01", False),
    ],
)
def test_declared_relationship_within_three_years(ended, conflict):
    p = person(declared=[declared(ended)])
    reasons = texts(conflicts(p, SCOPE, (), TODAY))
    assert bool(reasons) is conflict, reasons
    if conflict:
        assert reasons[0].startswith(
            "Chen Jing has a declared relationship with Riverside Textiles within the last "
            "three years: former employee, from 2019-05-01 to "
        )


def test_a_relationship_with_another_organisation_is_not_a_conflict():
    assert conflicts(person(declared=[declared(organisation=ORG + 1)]), SCOPE, (), TODAY) == []


def test_ongoing_relationship_is_said_so():
    (reason,) = texts(conflicts(person(declared=[declared()]), SCOPE, (), TODAY))
    assert reason.endswith("from 2019-05-01 to today (ongoing).")


def test_consultant_on_this_submission_case_insensitive():
    history = [EarlierCase(SCOPE.case_id, TODAY, " Chen@VB.Example ")]
    assert texts(conflicts(person(), SCOPE, history, TODAY)) == [
        "Chen Jing is named as the consultant who helped prepare this submission."
    ]


@pytest.mark.parametrize(
    "opened, conflict",
    [("2025-02-01", True), ("2023-03-10", True), ("2023-03-09", False)],
)
def test_consultant_on_an_earlier_case_within_three_years(opened, conflict):
    history = [EarlierCase(5, date.fromisoformat(opened), "chen@vb.example")]
    reasons = texts(conflicts(person(), SCOPE, history, TODAY))
    assert bool(reasons) is conflict
    if conflict:
        assert reasons == [
            "Chen Jing is named as the consultant who helped prepare a case of Riverside "
            f"Textiles opened on {opened}."
        ]


def test_another_consultant_is_no_conflict():
    history = [EarlierCase(5, TODAY, "someone.else@example.com"), EarlierCase(6, TODAY, None)]
    assert conflicts(person(), SCOPE, history, TODAY) == []


def test_reviewers_need_no_accreditation_but_may_have_conflicts():
    reviewer = person(9, "Omar Haddad", "omar@vb.example", accreditations=[])
    assert reviewer_problems(reviewer, SCOPE, (), TODAY) == []
    assert verifier_problems(reviewer, SCOPE, (), TODAY) != []
    history = [EarlierCase(5, TODAY, "OMAR@vb.example")]
    assert texts(reviewer_problems(reviewer, SCOPE, history, TODAY)) == [
        "Omar Haddad is named as the consultant who helped prepare a case of Riverside "
        f"Textiles opened on {TODAY.isoformat()}."
    ]


# --- the whole proposal --------------------------------------------------------------------

LEAD = person(1, "Chen Jing", "chen@vb.example")
MEMBER = person(2, "Li Na", "li@vb.example")
REVIEWER = person(9, "Omar Haddad", "omar@vb.example", accreditations=[])


def test_an_eligible_team_passes():
    assert check(Proposal(LEAD, (MEMBER,), REVIEWER, date(2026, 4, 30)), SCOPE, (), TODAY) == []


def test_reviewer_on_the_team_is_refused():
    accredited_reviewer = person(9, "Omar Haddad", "omar@vb.example")
    reasons = texts(
        check(Proposal(LEAD, (accredited_reviewer,), accredited_reviewer), SCOPE, (), TODAY)
    )
    assert reasons == [
        "Omar Haddad is on the verification team and cannot also be the technical reviewer."
    ]


def test_lead_listed_again_among_the_team():
    reasons = texts(check(Proposal(LEAD, (LEAD,), REVIEWER), SCOPE, (), TODAY))
    assert reasons == ["Chen Jing is the lead verifier; leave them out of the other team members."]


def test_every_member_is_checked_and_each_reason_names_the_person():
    unaccredited = person(2, "Li Na", "li@vb.example", accreditations=[])
    conflicted = person(9, "Omar Haddad", "omar@vb.example", declared=[declared()])
    reasons = texts(check(Proposal(LEAD, (unaccredited,), conflicted), SCOPE, (), TODAY))
    assert [r.split(" ")[0:2] for r in reasons] == [["Li", "Na"], ["Li", "Na"], ["Omar", "Haddad"]]


def test_a_reason_said_twice_is_said_once():
    conflicted = person(declared=[declared()])
    reasons = check(Proposal(conflicted, (), conflicted), SCOPE, (), TODAY)
    assert len(reasons) == 1


def test_due_date_in_the_past():
    assert texts(check(Proposal(LEAD, (), REVIEWER, date(2026, 3, 9)), SCOPE, (), TODAY)) == [
        "The due date 2026-03-09 is in the past."
    ]
    assert check(Proposal(LEAD, (), REVIEWER, TODAY), SCOPE, (), TODAY) == []

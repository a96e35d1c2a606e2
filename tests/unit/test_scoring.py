"""Scoring engine esg-2 on plain inputs (no app, no database): the rules of docs/scoring.md,
checked by hand, and the properties every score keeps (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verification.methodologies.model import load_file
from verification.methodologies.registry import DATA_DIR
from verification.scoring.esg2 import score
from verification.scoring.model import CriterionFacts as F
from verification.scoring.model import ScoreInput
from verification.scoring.plan import improvement_plan

CORE = load_file(DATA_DIR / "sme-esg-core-1.0.0.yaml")
STARTER = load_file(DATA_DIR / "sme-esg-starter-1.0.0.yaml")
D = Decimal


def card(criteria, methodology=STARTER, sector=None):
    return score(ScoreInput(methodology=methodology, criteria=criteria, sector=sector))


ALL_CONFORM = {
    "E1": F("12000", "kWh", ("a" * 64,), "conforms"),
    "E2": F("yes", None, (), "conforms"),
    "E3": F("yes", None, (), "conforms"),
    "S1": F("yes", None, (), "conforms"),
    "S2": F("40", None, (), "conforms"),
    "G1": F("yes", None, (), "conforms"),
    "G2": F("The director.", None, (), "conforms"),
}


def test_everything_conforming_scores_100():
    result = card(ALL_CONFORM)
    assert result.overall == D(100)
    assert [(p.code, p.score) for p in result.pillars] == [("E", 100), ("S", 100), ("G", 100)]
    assert {c.rule for c in result.criteria} == {"finding.conforms"}


def test_rules_by_hand():
    # The starter's E pillar: E1 (w3, evidence required), E2 (w2), E3 (w1); pillars 40/30/30.
    given = {
        **ALL_CONFORM,
        "E1": F("12000", "kWh", (), "conforms"),  # claim without its required evidence: 0 of 3
        "E2": F("yes", None, (), "minor_nc"),  # open minor NC keeps half: 1 of 2
        "E3": F("yes", None, (), "not_applicable"),  # leaves the denominator
    }
    result = card(given)
    by = {c.code: c for c in result.criteria}
    assert (by["E1"].earned, by["E1"].possible, by["E1"].rule) == (0, 3, "evidence.missing")
    assert (by["E2"].earned, by["E2"].possible, by["E2"].rule) == (1, 2, "finding.minor_nc")
    assert (by["E3"].earned, by["E3"].possible, by["E3"].rule) == (0, 0, "not_applicable")
    e = result.pillar("E").score
    assert e == D(1) / D(5) * 100  # 1 of (3 + 2) = 20
    assert result.overall == (D(40) * e + D(30) * 100 + D(30) * 100) / 100  # 68
    assert str(by["E1"].why) == (
        "Evidence is required and none is attached: the claim earns 0 of 3."
    )


def test_closing_a_major_nonconformity_restores_the_points():
    open_nc = card({**ALL_CONFORM, "G1": F("yes", None, (), "major_nc")})
    closed = card({**ALL_CONFORM, "G1": F("yes", None, (), "major_nc", nc_closed=True)})
    assert open_nc.criterion("G1").earned == 0 and closed.criterion("G1").earned == 2
    assert closed.criterion("G1").rule == "finding.nc_closed"
    assert closed.overall == 100 > open_nc.overall


def test_answer_types_share():
    m = CORE
    partial = next(c for c in m.criteria if c.answer_type == "yes_no_partial")
    choice = next(c for c in m.criteria if c.answer_type == "choice")
    middle = sorted(choice.options, key=lambda o: o.points)[1]
    result = card({partial.code: F("partial"), choice.code: F(middle.value)}, m)
    assert result.criterion(partial.code).earned == partial.weight * D("0.5")
    assert result.criterion(choice.code).earned == choice.weight * middle.points
    assert result.criterion(partial.code).rule == "self_declared"


def test_sector_weightings_change_the_pillar_not_the_points():
    answered = {c.code: F("yes") for c in CORE.criteria if c.answer_type == "yes_no"}
    plain, manufacturing = card(answered, CORE), card(answered, CORE, sector="C")
    assert [c.earned for c in plain.criteria] == [c.earned for c in manufacturing.criteria]
    factors = {t.code: t.sector_factor for t in manufacturing.themes}
    assert factors == {t: CORE.sector_weights["C"].get(t, D(1)) for t in factors}
    assert any(f != 1 for f in factors.values())


def test_grade_bands_from_the_methodology():
    everything = {}
    for c in CORE.criteria:
        if c.answer_type in ("yes_no", "yes_no_partial"):
            everything[c.code] = F("yes", None, ("e" * 64,), "conforms")
        elif c.answer_type == "choice":
            best = max(c.options, key=lambda o: o.points).value
            everything[c.code] = F(best, None, ("e" * 64,), "conforms")
        elif c.answer_type == "number":
            everything[c.code] = F("1", c.units[0] if c.units else None, ("e" * 64,), "conforms")
        else:
            everything[c.code] = F("x", None, ("e" * 64,), "conforms")
    top = card(everything, CORE)
    assert top.overall == 100 and top.grade == CORE.grades[0].grade
    assert card({}, CORE).grade == CORE.grades[-1].grade  # nothing answered: 0, the lowest band


def test_the_plan_ranks_actions_by_the_points_they_add():
    given = ScoreInput(
        STARTER,
        {
            **ALL_CONFORM,
            "E1": F("12000", "kWh", (), "conforms"),
            "G1": F("yes", None, (), "major_nc"),
        },
    )
    current = score(given)
    plan = improvement_plan(given, current)
    assert [(a.kind, a.criterion) for a in plan] == [
        ("attach_evidence", "E1"),  # 3 points in E (weight 40)
        ("correct_nonconformity", "G1"),  # 2 points in G (weight 30)
    ]
    # Each gain is what re-running the engine with the action done gives, exactly.
    fixed = replace(given, criteria={**given.criteria, "E1": F("12000", "kWh", ("n",), "conforms")})
    assert plan[0].gain == score(fixed).overall - current.overall


# --- properties ------------------------------------------------------------------------

FINDINGS = (None, "conforms", "observation", "minor_nc", "major_nc", "not_applicable")


def _answers(c):
    if c.answer_type in ("yes_no",):
        return st.sampled_from([None, "yes", "no"])
    if c.answer_type == "yes_no_partial":
        return st.sampled_from([None, "yes", "partial", "no"])
    if c.answer_type == "choice":
        return st.sampled_from([None, *[o.value for o in c.options]])
    if c.answer_type == "evidence":
        return st.just(None)
    return st.sampled_from([None, "12", "text"])


@st.composite
def inputs(draw, methodology=CORE):
    criteria = {}
    for c in methodology.criteria:
        if not draw(st.booleans()):
            continue
        criteria[c.code] = F(
            answer=draw(_answers(c)),
            unit=c.units[0] if c.units else None,
            evidence=("f" * 64,) if draw(st.booleans()) else (),
            finding=draw(st.sampled_from(FINDINGS)),
            nc_closed=draw(st.booleans()),
        )
    sector = draw(st.sampled_from([None, *sorted(methodology.sector_weights)]))
    return ScoreInput(methodology, criteria, sector)


@settings(max_examples=60, deadline=None)
@given(inputs())
def test_scores_stay_within_bounds(given_input):
    result = score(given_input)
    for c in result.criteria:
        assert 0 <= c.earned <= c.possible
    for value in [
        result.overall,
        *(p.score for p in result.pillars),
        *(t.score for t in result.themes),
    ]:
        assert value is None or 0 <= value <= 100
    if result.overall is not None and CORE.grades:
        assert result.grade == next(g.grade for g in CORE.grades if result.overall >= g.min)


@settings(max_examples=60, deadline=None)
@given(inputs(), st.data())
def test_more_evidence_or_a_closed_nonconformity_never_lowers_a_score(given_input, data):
    before = score(given_input)
    code = data.draw(st.sampled_from([c.code for c in CORE.criteria]))
    facts = given_input.criteria.get(code, F())
    for better in (replace(facts, evidence=("new" * 16,)), replace(facts, nc_closed=True)):
        after = score(replace(given_input, criteria={**given_input.criteria, code: better}))
        assert after.criterion(code).earned >= before.criterion(code).earned
        assert (after.overall or 0) >= (before.overall or 0)
        for p_before, p_after in zip(before.pillars, after.pillars, strict=True):
            assert (p_after.score or 0) >= (p_before.score or 0)


@settings(max_examples=60, deadline=None)
@given(inputs(), st.data())
def test_not_applicable_items_do_not_change_the_others(given_input, data):
    code = data.draw(st.sampled_from([c.code for c in CORE.criteria]))
    facts = given_input.criteria.get(code, F())
    marked = replace(
        given_input,
        criteria={**given_input.criteria, code: replace(facts, finding="not_applicable")},
    )
    before, after = score(given_input), score(marked)
    assert after.criterion(code).possible == 0
    for b, a in zip(before.criteria, after.criteria, strict=True):
        if b.code != code:
            assert (a.earned, a.possible, a.rule) == (b.earned, b.possible, b.rule)


@settings(max_examples=40, deadline=None)
@given(inputs())
def test_the_same_inputs_give_the_same_hashes(given_input):
    shuffled = replace(given_input, criteria=dict(reversed(list(given_input.criteria.items()))))
    first, second = score(given_input), score(shuffled)
    assert first.input_hash == second.input_hash and first.output_hash == second.output_hash
    changed = replace(given_input, sector="Z" if given_input.sector != "Z" else "C")
    assert score(changed).input_hash != first.input_hash


@pytest.mark.parametrize(
    "status, peers, band", [("self_declared", 9, None), ("verified", 4, None), ("verified", 5, 2)]
)
def test_carbon_rating_needs_verified_figures_and_five_peers(status, peers, band):
    from verification.scoring.model import Benchmark, CarbonFacts

    bench = Benchmark("employee", "employee", peers, D(10), D(20), D(30)) if peers >= 5 else None
    carbon = CarbonFacts(status, D(1000), D("2.5"), D(15), "employee", "employee", bench)
    rating = score(ScoreInput(STARTER, ALL_CONFORM, carbon=carbon)).carbon
    assert rating.band == band and rating.data_quality == D("2.5")
    if band is None:
        assert str(rating.why).startswith("Not rated")

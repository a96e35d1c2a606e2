"""The starter scoring engine and the carbon engine: exact decimals, traceable results."""

from decimal import Decimal
from pathlib import Path

import pytest

from verification.carbon.engine import CarbonError, calculate, convert, factor_library
from verification.methodologies.model import load_file
from verification.scoring.engine import CriterionInput, score

METHODOLOGY = load_file(
    Path(__file__).resolve().parents[2]
    / "verification/methodologies/data/sme-esg-starter-1.0.0.yaml"
)
ALL_YES = {
    "E1": CriterionInput("12000", True, "conforms"),
    "E2": CriterionInput("yes", False, "conforms"),
    "E3": CriterionInput("yes", False, "conforms"),
    "S1": CriterionInput("yes", False, "conforms"),
    "S2": CriterionInput("40", False, "conforms"),
    "G1": CriterionInput("yes", False, "conforms"),
    "G2": CriterionInput("The director.", False, "conforms"),
}


def test_everything_conforming_scores_100():
    card = score(METHODOLOGY, ALL_YES)
    assert card.overall == Decimal(100)
    assert card.pillars == {"E": Decimal(100), "S": Decimal(100), "G": Decimal(100)}


def test_claim_without_required_evidence_earns_nothing():
    inputs = {**ALL_YES, "E1": CriterionInput("12000", False, "conforms")}
    card = score(METHODOLOGY, inputs)
    e1 = next(c for c in card.criteria if c.code == "E1")
    assert (e1.earned, e1.possible) == (Decimal(0), Decimal(3))
    # E weights: E1 3, E2 2, E3 1 -> 3 of 6 lost
    assert card.pillars["E"] == Decimal(50)
    # overall = (40*50 + 30*100 + 30*100) / 100
    assert card.overall == Decimal(80)


def test_findings_scale_points_and_not_applicable_leaves_the_denominator():
    inputs = {
        **ALL_YES,
        "E2": CriterionInput("yes", False, "minor_nc"),
        "E3": CriterionInput("yes", False, "not_applicable"),
        "G1": CriterionInput("yes", False, "major_nc"),
    }
    card = score(METHODOLOGY, inputs)
    # E: (3 + 1) of (3 + 2) -> 80; G: G1 weight 2 lost of 3 -> 33.33...
    assert card.pillars["E"] == Decimal(80)
    assert card.as_dict()["pillars"]["G"] == "33.3"
    assert card.as_dict()["overall"] == "72.0"  # (40*80 + 30*100 + 30*33.33) / 100


def test_unanswered_methodology_scores_zero_not_nothing():
    card = score(METHODOLOGY, {})
    assert card.overall == Decimal(0)


def test_china_grid_2023_factor_reproduces_the_published_value():
    factor = factor_library()["cn-grid-2023-national"]
    assert factor.value == Decimal("0.5306")
    assert "No. 47 of 2025" in factor.source
    line = calculate(Decimal("23.26"), "MWh", "cn-grid-2023-national")
    assert line.basis_quantity == Decimal("23260")
    assert line.emissions_kg == Decimal("12341.756")  # 23260 x 0.5306, exact
    assert line.as_dict()["emissions_t"] == "12.341756"


def test_uk_electricity_2024():
    line = calculate(Decimal("1000"), "kWh", "uk-desnz-2024-electricity")
    assert line.emissions_kg == Decimal("207.05000")
    assert line.factor.gases == "CO2e"


@pytest.mark.parametrize(
    "quantity, unit, key, message",
    [
        (Decimal("10"), "litre", "cn-grid-2023-national", "cannot be converted"),
        (Decimal("10"), "furlongs_per_fortnight", "cn-grid-2023-national", "Unknown unit"),
        (Decimal("10"), "kWh", "no-such-factor", "not in the factor library"),
        (Decimal("-1"), "kWh", "cn-grid-2023-national", "non-negative"),
    ],
)
def test_bad_input_is_a_clear_error(quantity, unit, key, message):
    with pytest.raises(CarbonError, match=message):
        calculate(quantity, unit, key)


def test_unit_conversion_is_exact():
    assert convert(Decimal("1.5"), "GJ", "kWh") == Decimal("416.6666666666666666666666667")
    assert convert(Decimal("2"), "MWh", "kWh") == Decimal("2000")

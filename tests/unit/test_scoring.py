"""The starter scoring engine: exact decimals, the rules of docs/scoring.md."""

from decimal import Decimal
from pathlib import Path

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

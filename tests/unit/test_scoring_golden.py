"""Golden scorecards: a fixed, varied set of facts per shipped methodology and the whole
canonical output it must give, byte for byte. A change to any rule shows up here; if it is
intended it needs a new engine version (old scorecards keep theirs) and new golden files:
``UPDATE_GOLDEN=1 pytest tests/unit/test_scoring_golden.py``, then read the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from verification.methodologies.model import load_file
from verification.methodologies.registry import DATA_DIR
from verification.scoring.canonical import output_dict
from verification.scoring.esg2 import score
from verification.scoring.model import CriterionFacts, ScoreInput

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "scorecards"
SHIPPED = (
    "sme-esg-starter",
    "sme-esg-core",
    "ghg-inventory",
    "product-footprint",
    "cbam-installation",
)
FINDINGS = ("conforms", "observation", "minor_nc", "major_nc", "not_applicable", None)


def facts_for(methodology) -> ScoreInput:
    """Every answer type, evidence present and missing, every finding, closed and open NCs."""
    criteria = {}
    for i, c in enumerate(methodology.criteria):
        if i % 7 == 6:
            continue  # some items unanswered and unreviewed
        if c.answer_type in ("yes_no", "yes_no_partial"):
            answer = ("yes", "partial" if c.answer_type == "yes_no_partial" else "yes", "no")[i % 3]
        elif c.answer_type == "choice":
            answer = c.options[i % len(c.options)].value
        elif c.answer_type == "number":
            answer = str(100 + i)
        elif c.answer_type == "text":
            answer = f"Answer {i}"
        else:
            answer = None
        finding = FINDINGS[i % len(FINDINGS)]
        criteria[c.code] = CriterionFacts(
            answer=answer,
            unit=c.units[0] if c.units else None,
            evidence=(f"{i:064x}",) if i % 3 else (),
            finding=finding,
            nc_closed=finding in ("minor_nc", "major_nc") and i % 4 == 0,
        )
    sector = "C" if "C" in methodology.sector_weights else None
    return ScoreInput(methodology, criteria, sector)


@pytest.mark.parametrize("code", SHIPPED)
def test_golden_scorecard(code):
    methodology = load_file(DATA_DIR / f"{code}-1.0.0.yaml")
    card = score(facts_for(methodology))
    produced = {**output_dict(card), "output_sha256": card.output_hash}
    path = GOLDEN / f"{code}-1.0.0.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(produced, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    expected = json.loads(path.read_text())
    assert produced == expected
    # The methodology file itself is part of the input: its hash is in the golden output.
    assert expected["methodology_sha256"] == methodology.content_hash

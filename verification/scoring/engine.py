"""A first, deliberately simple score: a weighted sum of criterion points.

Rules (also in docs/scoring.md):
- a criterion earns 1 point of its weight when answered positively ("yes", any number,
  non-empty text) and 0 for "no" or no answer;
- where evidence is required, a claim without evidence earns nothing;
- a verifier's finding scales the points: conforms and observation keep them, a minor
  non-conformity halves them, a major one removes them; not applicable takes the
  criterion out of the denominator;
- pillar score = earned / possible x 100; overall = pillar scores weighted by the
  methodology's pillar weights (pillars with nothing possible are left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..methodologies.model import PILLARS, Methodology

ENGINE_VERSION = "starter-1"
FINDING_FACTOR = {
    "conforms": Decimal(1),
    "observation": Decimal(1),
    "minor_nc": Decimal("0.5"),
    "major_nc": Decimal(0),
}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class CriterionInput:
    answer: str | None
    has_evidence: bool
    finding: str | None  # None while not yet reviewed


@dataclass(frozen=True)
class CriterionScore:
    code: str
    pillar: str
    earned: Decimal
    possible: Decimal
    reason: str


@dataclass(frozen=True)
class Scorecard:
    overall: Decimal | None
    pillars: dict[str, Decimal | None]
    criteria: tuple[CriterionScore, ...]
    engine_version: str
    methodology: str

    def as_dict(self) -> dict:
        return {
            "overall": display(self.overall),
            "pillars": {p: display(v) for p, v in self.pillars.items()},
            "engine_version": self.engine_version,
            "methodology": self.methodology,
            "method": f"weighted sum of criterion points (engine {self.engine_version})",
        }


def display(value: Decimal | None) -> str | None:
    """One decimal place, rounded half up; the stored values stay exact."""
    if value is None:
        return None
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _positive(answer_type: str, answer: str | None) -> bool:
    if answer is None or not answer.strip():
        return False
    if answer_type == "yes_no":
        return answer == "yes"
    return True


def score(methodology: Methodology, inputs: dict[str, CriterionInput]) -> Scorecard:
    """Score every criterion of ``methodology``; missing inputs count as unanswered."""
    results: list[CriterionScore] = []
    for c in methodology.criteria:
        given = inputs.get(c.code, CriterionInput(None, False, None))
        if given.finding == "not_applicable":
            results.append(
                CriterionScore(
                    c.code,
                    c.pillar,
                    Decimal(0),
                    Decimal(0),
                    "Not applicable: left out of the total.",
                )
            )
            continue
        if not _positive(c.answer_type, given.answer):
            earned, reason = Decimal(0), "No positive answer."
        elif c.evidence_required and not given.has_evidence:
            earned, reason = Decimal(0), "Evidence is required and none is attached."
        elif given.finding is None:
            earned, reason = c.weight, "Self-declared; not yet verified."
        else:
            earned = c.weight * FINDING_FACTOR[given.finding]
            reason = f"Answered; verifier finding: {given.finding.replace('_', ' ')}."
        results.append(CriterionScore(c.code, c.pillar, earned, c.weight, reason))

    pillars: dict[str, Decimal | None] = {}
    for p in PILLARS:
        possible = sum((r.possible for r in results if r.pillar == p), Decimal(0))
        earned = sum((r.earned for r in results if r.pillar == p), Decimal(0))
        pillars[p] = earned / possible * HUNDRED if possible else None
    weighted = [(methodology.pillar_weights[p], v) for p, v in pillars.items() if v is not None]
    total_weight = sum((w for w, _ in weighted), Decimal(0))
    overall = sum((w * v for w, v in weighted), Decimal(0)) / total_weight if total_weight else None
    return Scorecard(
        overall=overall,
        pillars=pillars,
        criteria=tuple(results),
        engine_version=ENGINE_VERSION,
        methodology=f"{methodology.code} {methodology.version}",
    )

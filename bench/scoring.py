"""Scoring engine benchmark: one 300-criterion case through `esg-2`, and its improvement plan.

`.venv/bin/python bench/scoring.py` from the repository root; see bench/README.md.
The baseline, measured in the same run, is the least any engine must do for such a case:
one pass over its 300 criteria multiplying and summing their Decimal weights. The ratio
says how much the rules, the explanation tree and the two SHA-256 hashes cost over that.
"""

import gc
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verification.methodologies.model import parse  # noqa: E402
from verification.scoring.esg2 import score  # noqa: E402
from verification.scoring.model import CriterionFacts, ScoreInput  # noqa: E402
from verification.scoring.plan import improvement_plan  # noqa: E402

CRITERIA = 300
RUNS = 50
TARGET_MS = 20.0
TYPES = ("yes_no", "yes_no_partial", "number", "choice", "text", "evidence")
FINDINGS = ("conforms", "observation", "minor_nc", "major_nc", "not_applicable", None)


def methodology():
    """A methodology of 300 criteria over 3 pillars and 15 themes, every answer type."""
    themes = [
        {"code": f"T{i}", "pillar": "ESG"[i % 3], "title": f"Theme {i}", "weight": 1 + i % 3}
        for i in range(15)
    ]
    criteria = []
    for i in range(CRITERIA):
        kind = TYPES[i % len(TYPES)]
        item = {
            "code": f"C{i:03d}",
            "theme": f"T{i % 15}",
            "question": f"Question {i}?",
            "answer": kind,
            "weight": 1 + i % 4,
            "references": [f"GRI {i}"],
            "evidence": "required" if i % 2 else "optional",
        }
        if kind == "choice":
            item["options"] = [
                {"value": "none", "label": "None", "points": 0},
                {"value": "some", "label": "Some", "points": 0.5},
                {"value": "full", "label": "Full", "points": 1},
            ]
        if kind == "number":
            item["units"] = ["kWh"]
        criteria.append(item)
    doc = {
        "code": "bench",
        "version": "1.0.0",
        "title": "Bench",
        "pillars": {"E": {"weight": 40}, "S": {"weight": 30}, "G": {"weight": 30}},
        "themes": themes,
        "grades": [{"grade": "A", "min": 70}, {"grade": "B", "min": 40}, {"grade": "C", "min": 0}],
        "sectors": {"C": {"themes": {"T0": 1.5, "T3": 1.2}}},
        "criteria": criteria,
    }
    return parse(doc, source="bench", content_hash="0" * 64)


def case_input(m):
    answers = {
        "yes_no": "yes",
        "yes_no_partial": "partial",
        "number": "1200",
        "choice": "some",
        "text": "Described.",
        "evidence": None,
    }
    facts = {
        c.code: CriterionFacts(
            answers[c.answer_type],
            c.units[0] if c.units else None,
            (f"{i:064x}",) if i % 5 else (),
            FINDINGS[i % 6],
            i % 4 == 0,
        )
        for i, c in enumerate(m.criteria)
    }
    return ScoreInput(m, facts, sector="C")


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, min(samples) * 1000


def main() -> int:
    m = methodology()
    given = case_input(m)
    weights = [c.weight for c in m.criteria]
    shares = [Decimal("0.5")] * len(weights)
    baseline_ms, _ = timed(
        lambda: sum((w * s for w, s in zip(weights, shares, strict=True)), Decimal(0)), RUNS
    )
    cold = time.perf_counter()
    card = score(given)
    cold_ms = (time.perf_counter() - cold) * 1000
    median_ms, best_ms = timed(lambda: score(given), RUNS)
    plan_ms, _ = timed(lambda: improvement_plan(given, card), 3)
    actions = len(improvement_plan(given, card))
    print(f"scoring a {CRITERIA}-criterion case (engine {card.engine_version}, {RUNS} runs)")
    print(f"  first run            {cold_ms:8.2f} ms")
    print(
        f"  per case (median)    {median_ms:8.2f} ms   best {best_ms:.2f} ms"
        f"   target < {TARGET_MS:.0f} ms"
    )
    ratio = median_ms / baseline_ms
    print(f"  baseline (weights)   {baseline_ms:8.3f} ms   ratio {ratio:,.0f}x")
    print(f"  improvement plan     {plan_ms:8.1f} ms   ({actions} actions, one engine run each)")
    print(f"  overall {card.overall:.1f}, grade {card.grade}, output {card.output_hash[:12]}")
    print("  result:", "within target" if median_ms < TARGET_MS else "ABOVE TARGET")
    return 0 if median_ms < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())

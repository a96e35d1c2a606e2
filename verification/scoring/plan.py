"""The improvement plan: the open actions ranked by the points each would add.

Each action is tried by re-running the engine on the case's inputs with that one action
done; the gain is the new overall score minus the current one. Nothing is estimated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from ..messages import N_, Message
from ..methodologies.model import Criterion
from .esg2 import NONE, answer_share, score
from .model import CriterionFacts, Scorecard, ScoreInput


@dataclass(frozen=True)
class Action:
    kind: str  # "answer" | "attach_evidence" | "correct_nonconformity" | "improve"
    criterion: str
    gain: Decimal  # points of the overall score (0-100) the action would add
    what: Message


def _best_answer(c: Criterion) -> str:
    if c.answer_type in ("yes_no", "yes_no_partial"):
        return "yes"
    if c.answer_type == "choice":
        return max(c.options, key=lambda o: o.points).value
    return "1" if c.answer_type == "number" else "answered"


def _candidates(given: ScoreInput):
    """(kind, criterion, the facts after the action, what to do) for every open action."""
    for c in given.methodology.criteria:
        facts = given.criteria.get(c.code, NONE)
        if facts.finding == "not_applicable":
            continue
        evidence = facts.evidence or (("<new evidence>",) if c.evidence_required else ())
        if c.answer_type == "evidence":
            if not facts.evidence:
                yield (
                    "attach_evidence",
                    c,
                    replace(facts, evidence=("<new evidence>",)),
                    N_("Attach the evidence asked for in %(code)s.", code=c.code),
                )
            continue
        share = answer_share(c, facts)
        if not (facts.answer or "").strip():
            yield (
                "answer",
                c,
                replace(facts, answer=_best_answer(c), evidence=evidence),
                N_("Answer %(code)s (with evidence where it is required).", code=c.code),
            )
            continue
        if c.evidence_required and not facts.evidence and share:
            yield (
                "attach_evidence",
                c,
                replace(facts, evidence=evidence),
                N_("Attach evidence for your answer to %(code)s.", code=c.code),
            )
        if facts.finding in ("minor_nc", "major_nc") and not facts.nc_closed:
            yield (
                "correct_nonconformity",
                c,
                replace(facts, nc_closed=True),
                N_(
                    "Correct the non-conformity on %(code)s and have the verifier close it.",
                    code=c.code,
                ),
            )
        if share < 1:
            best = replace(facts, answer=_best_answer(c), evidence=evidence, finding=None)
            yield (
                "improve",
                c,
                best,
                N_("Improve the practice behind %(code)s to earn its full weight.", code=c.code),
            )


def improvement_plan(given: ScoreInput, current: Scorecard | None = None) -> list[Action]:
    """Open actions that would raise the overall score, the largest gain first."""
    base = (current or score(given)).overall or Decimal(0)
    actions = []
    for kind, criterion, after, what in _candidates(given):
        trial = replace(given, criteria={**given.criteria, criterion.code: after})
        gain = (score(trial, hashed=False).overall or Decimal(0)) - base
        if gain > 0:
            actions.append(Action(kind, criterion.code, gain, what))
    order = {c.code: i for i, c in enumerate(given.methodology.criteria)}
    return sorted(actions, key=lambda a: (-a.gain, order[a.criterion], a.kind))


__all__ = ["Action", "CriterionFacts", "improvement_plan"]

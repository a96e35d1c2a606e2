"""Scoring engine ``esg-2``: criterion -> theme -> pillar -> overall 0-100 -> grade, and a
carbon rating. Every rule is written down in docs/scoring.md; each criterion's score says
which rule decided it and why, in words.

Rules, per criterion of weight *w*:
- the answer earns a share: yes 1, partly 0.5, no 0; a choice its option's points; a
  number or text 1 once given; an evidence-only item 1 once evidence is attached;
- where the methodology requires evidence, a claim without evidence earns nothing;
- the verifier's finding keeps a part: conforms or observation all, an open minor
  non-conformity half, an open major one nothing, a non-conformity closed after its
  correction all; not applicable takes the criterion out of the denominator;
- not yet reviewed: the answer's share, marked self-declared.
Theme score = earned / possible x 100. Pillar = theme scores weighted by theme weight
times the sector's multiplier; overall = pillar scores weighted by pillar weight (a theme
or pillar with nothing possible is left out). Grade = the first band whose lower bound the
overall score reaches.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from ..messages import N_
from ..methodologies.model import Criterion, Methodology
from .canonical import input_hash, output_hash
from .model import (
    CarbonFacts,
    CarbonRating,
    CriterionFacts,
    CriterionScore,
    PillarScore,
    Scorecard,
    ScoreInput,
    ThemeScore,
)

ENGINE_VERSION = "esg-2"
ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)
FINDING_FACTOR = {
    "conforms": ONE,
    "observation": ONE,
    "minor_nc": Decimal("0.5"),
    "major_nc": ZERO,
}
MIN_PEERS = 5  # a sector benchmark needs at least this many verified peers
NONE = CriterionFacts()


def answer_share(criterion: Criterion, facts: CriterionFacts) -> Decimal:
    """What the answer alone earns, as a share of the weight (0 to 1)."""
    if criterion.answer_type == "evidence":
        return ONE if facts.evidence else ZERO
    answer = (facts.answer or "").strip()
    if not answer:
        return ZERO
    if criterion.answer_type in ("yes_no", "yes_no_partial"):
        return {"yes": ONE, "partial": Decimal("0.5")}.get(answer, ZERO)
    if criterion.answer_type == "choice":
        option = criterion.option(answer)
        return option.points if option is not None else ZERO
    return ONE


def score_criterion(criterion: Criterion, facts: CriterionFacts) -> CriterionScore:
    w = criterion.weight

    def result(earned, possible, rule, share, factor, why) -> CriterionScore:
        return CriterionScore(
            code=criterion.code,
            theme=criterion.theme,
            pillar=criterion.pillar,
            weight=w,
            earned=earned,
            possible=possible,
            rule=rule,
            answer_share=share,
            finding_factor=factor,
            evidence=facts.evidence,
            why=why,
        )

    if facts.finding == "not_applicable":
        return result(
            ZERO,
            ZERO,
            "not_applicable",
            ZERO,
            None,
            N_("The verifier found it not applicable: left out of the total."),
        )
    share = answer_share(criterion, facts)
    if not share:
        if criterion.answer_type == "evidence":
            why = N_("No evidence attached: 0 of %(w)s.", w=w)
        elif not (facts.answer or "").strip():
            why = N_("Not answered: 0 of %(w)s.", w=w)
        else:
            why = N_("The answer earns no points: 0 of %(w)s.", w=w)
        return result(ZERO, w, "answer.none", share, None, why)
    if criterion.evidence_required and not facts.evidence:
        return result(
            ZERO,
            w,
            "evidence.missing",
            share,
            None,
            N_("Evidence is required and none is attached: the claim earns 0 of %(w)s.", w=w),
        )
    claimed = w * share
    if facts.finding is None:
        return result(
            claimed,
            w,
            "self_declared",
            share,
            None,
            N_("Self-declared, not yet verified: %(earned)s of %(w)s.", earned=claimed, w=w),
        )
    if facts.finding in ("minor_nc", "major_nc") and facts.nc_closed:
        return result(
            claimed,
            w,
            "finding.nc_closed",
            share,
            ONE,
            N_(
                "Non-conformity corrected and closed by the verifier: %(earned)s of %(w)s.",
                earned=claimed,
                w=w,
            ),
        )
    factor = FINDING_FACTOR[facts.finding]
    earned = claimed * factor
    if facts.finding == "conforms":
        why = N_("Verified, conforms: %(earned)s of %(w)s.", earned=earned, w=w)
    elif facts.finding == "observation":
        why = N_("Verified with an observation: %(earned)s of %(w)s.", earned=earned, w=w)
    elif facts.finding == "minor_nc":
        why = N_("Open minor non-conformity keeps half: %(earned)s of %(w)s.", earned=earned, w=w)
    else:
        why = N_("Open major non-conformity: 0 of %(w)s until it is corrected and closed.", w=w)
    return result(earned, w, f"finding.{facts.finding}", share, factor, why)


def _weighted(pairs: list[tuple[Decimal, Decimal]]) -> Decimal | None:
    total = sum((w for w, _ in pairs), ZERO)
    return sum((w * v for w, v in pairs), ZERO) / total if total else None


def grade_of(methodology: Methodology, overall: Decimal | None) -> str | None:
    if overall is None:
        return None
    return next((g.grade for g in methodology.grades if overall >= g.min), None)


def carbon_rating(facts: CarbonFacts | None) -> CarbonRating | None:
    if facts is None:
        return None

    def rating(band, why) -> CarbonRating:
        return CarbonRating(
            status=facts.status,
            total_kg=facts.total_kg,
            data_quality=facts.data_quality,
            intensity_kg=facts.intensity_kg,
            basis=facts.basis,
            per=facts.per,
            band=band,
            benchmark=facts.benchmark,
            why=why,
        )

    bench = facts.benchmark
    if facts.status != "verified":
        return rating(
            None, N_("Not rated: the figures are self-declared; they are rated once verified.")
        )
    if facts.intensity_kg is None:
        return rating(None, N_("Not rated: no revenue or headcount to compute an intensity."))
    if bench is None or bench.peers < MIN_PEERS:
        return rating(
            None,
            N_(
                "Not rated: fewer than %(n)s verified peers in the sector to compare with.",
                n=MIN_PEERS,
            ),
        )
    if (bench.basis, bench.per) != (facts.basis, facts.per):
        return rating(None, N_("Not rated: the peers' intensities are on another basis."))
    band = (
        1
        if facts.intensity_kg <= bench.p25
        else 2
        if facts.intensity_kg <= bench.p50
        else (3 if facts.intensity_kg <= bench.p75 else 4)
    )
    return rating(
        band,
        N_(
            "Intensity in quarter %(band)s of %(n)s verified peers (1 = lowest emissions).",
            band=band,
            n=bench.peers,
        ),
    )


def score(given: ScoreInput, *, hashed: bool = True) -> Scorecard:
    """The scorecard for ``given``; the same input always gives the same output hash.

    ``hashed=False`` leaves both hashes empty (trial runs of the improvement plan).
    """
    with localcontext() as ctx:
        ctx.prec = 28
        return _score(given, hashed)


def _score(given: ScoreInput, hashed: bool) -> Scorecard:
    m = given.methodology
    criteria = tuple(score_criterion(c, given.criteria.get(c.code, NONE)) for c in m.criteria)
    factors = m.sector_weights.get(given.sector or "", {})
    themes = []
    for t in m.themes:
        mine = [c for c in criteria if c.theme == t.code]
        earned = sum((c.earned for c in mine), ZERO)
        possible = sum((c.possible for c in mine), ZERO)
        themes.append(
            ThemeScore(
                code=t.code,
                pillar=t.pillar,
                title=t.title,
                weight=t.weight,
                sector_factor=factors.get(t.code, ONE),
                earned=earned,
                possible=possible,
                score=earned / possible * HUNDRED if possible else None,
            )
        )
    pillars = tuple(
        PillarScore(
            code=p,
            title=m.pillar_titles.get(p, p),
            weight=w,
            score=_weighted(
                [
                    (t.effective_weight, t.score)
                    for t in themes
                    if t.pillar == p and t.score is not None
                ]
            ),
        )
        for p, w in m.pillar_weights.items()
    )
    overall = _weighted([(p.weight, p.score) for p in pillars if p.score is not None])
    card = Scorecard(
        engine_version=ENGINE_VERSION,
        methodology=m.label,
        methodology_hash=m.content_hash,
        sector=given.sector,
        criteria=criteria,
        themes=tuple(themes),
        pillars=pillars,
        overall=overall,
        grade=grade_of(m, overall),
        carbon=carbon_rating(given.carbon),
        input_hash=input_hash(given) if hashed else "",
    )
    return _with_output_hash(card) if hashed else card


def _with_output_hash(card: Scorecard) -> Scorecard:
    from dataclasses import replace

    return replace(card, output_hash=output_hash(card))

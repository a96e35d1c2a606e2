"""What the scoring engine reads and what it returns. Plain, frozen data; no Flask, no DB."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..messages import Message
from ..methodologies.model import Methodology


@dataclass(frozen=True)
class CriterionFacts:
    """What is known about one criterion of the case."""

    answer: str | None = None
    unit: str | None = None
    evidence: tuple[str, ...] = ()  # SHA-256 of the current files supporting it
    finding: str | None = None  # None until the verifier records one
    nc_closed: bool = False  # a non-conformity the verifier closed after its correction


@dataclass(frozen=True)
class Benchmark:
    """Emissions intensity of verified peer cases of the sector (quartiles, kg CO2e)."""

    basis: str  # "revenue" | "employee"
    per: str  # the denominator's unit
    peers: int
    p25: Decimal
    p50: Decimal
    p75: Decimal


@dataclass(frozen=True)
class CarbonFacts:
    status: str  # "verified" (the case passed verification) | "self_declared"
    total_kg: Decimal
    data_quality: Decimal | None  # 1 best to 5 worst
    intensity_kg: Decimal | None = None  # kg CO2e per one unit of ``per``
    basis: str | None = None
    per: str | None = None
    benchmark: Benchmark | None = None


@dataclass(frozen=True)
class ScoreInput:
    methodology: Methodology
    criteria: dict[str, CriterionFacts]
    sector: str | None = None  # NACE Rev. 2 section letter
    carbon: CarbonFacts | None = None


@dataclass(frozen=True)
class CriterionScore:
    code: str
    theme: str
    pillar: str
    weight: Decimal
    earned: Decimal
    possible: Decimal
    rule: str  # which rule decided, e.g. "finding.major_nc" (docs/scoring.md)
    answer_share: Decimal  # what the answer alone earns, 0 to 1
    finding_factor: Decimal | None  # what the finding keeps, 0 to 1 (None: not reviewed)
    evidence: tuple[str, ...]
    why: Message


@dataclass(frozen=True)
class ThemeScore:
    code: str
    pillar: str
    title: str
    weight: Decimal  # as in the methodology
    sector_factor: Decimal  # the sector weighting applied (1 when none)
    earned: Decimal
    possible: Decimal
    score: Decimal | None  # earned / possible x 100; None when nothing is possible

    @property
    def effective_weight(self) -> Decimal:
        return self.weight * self.sector_factor


@dataclass(frozen=True)
class PillarScore:
    code: str
    title: str
    weight: Decimal
    score: Decimal | None


@dataclass(frozen=True)
class CarbonRating:
    status: str
    total_kg: Decimal
    data_quality: Decimal | None
    intensity_kg: Decimal | None
    basis: str | None
    per: str | None
    band: int | None  # 1 (lowest quarter of verified peers) to 4 (highest); None: not rated
    benchmark: Benchmark | None
    why: Message


@dataclass(frozen=True)
class Scorecard:
    engine_version: str
    methodology: str  # "code version"
    methodology_hash: str
    sector: str | None
    criteria: tuple[CriterionScore, ...]
    themes: tuple[ThemeScore, ...]
    pillars: tuple[PillarScore, ...]
    overall: Decimal | None
    grade: str | None
    carbon: CarbonRating | None
    input_hash: str
    output_hash: str = field(default="")

    def criterion(self, code: str) -> CriterionScore:
        return next(c for c in self.criteria if c.code == code)

    def pillar(self, code: str) -> PillarScore | None:
        return next((p for p in self.pillars if p.code == code), None)

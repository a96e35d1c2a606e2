"""Canonical JSON of a score's inputs and outputs, their SHA-256, and reading inputs back.

Canonical: keys sorted, no spaces, UTF-8, every Decimal as plain decimal text, lists in a
fixed order (criteria in the methodology's order, evidence hashes sorted). The same inputs
always give the same bytes, on any machine and database, so a stored scorecard can be
recomputed years later and compared hash for hash.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from ..messages import Message
from ..methodologies.model import Methodology
from .model import Benchmark, CarbonFacts, CriterionFacts, Scorecard, ScoreInput


def dec(value: Decimal | None) -> str | None:
    """Plain decimal text, never an exponent: ``1E+1`` -> ``"10"``."""
    return None if value is None else format(value, "f")


def canonical_bytes(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(doc: Any) -> str:
    return hashlib.sha256(canonical_bytes(doc)).hexdigest()


def _benchmark(b: Benchmark | None) -> dict | None:
    if b is None:
        return None
    return {
        "basis": b.basis,
        "per": b.per,
        "peers": b.peers,
        "p25": dec(b.p25),
        "p50": dec(b.p50),
        "p75": dec(b.p75),
    }


def input_dict(given: ScoreInput) -> dict:
    m = given.methodology
    carbon = given.carbon
    return {
        "methodology": {"code": m.code, "version": m.version, "sha256": m.content_hash},
        "sector": given.sector,
        "criteria": [
            {
                "code": c.code,
                "answer": f.answer,
                "unit": f.unit,
                "evidence": sorted(f.evidence),
                "finding": f.finding,
                "nc_closed": f.nc_closed,
            }
            for c in m.criteria
            if (f := given.criteria.get(c.code)) is not None
        ],
        "carbon": None
        if carbon is None
        else {
            "status": carbon.status,
            "total_kg": dec(carbon.total_kg),
            "data_quality": dec(carbon.data_quality),
            "intensity_kg": dec(carbon.intensity_kg),
            "basis": carbon.basis,
            "per": carbon.per,
            "benchmark": _benchmark(carbon.benchmark),
        },
    }


def input_hash(given: ScoreInput) -> str:
    return sha256(input_dict(given))


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def input_from_dict(doc: dict, methodology: Methodology) -> ScoreInput:
    """Rebuild the engine's input from its canonical form (``methodology`` already pinned)."""
    carbon = doc.get("carbon")
    bench = carbon.get("benchmark") if carbon else None
    return ScoreInput(
        methodology=methodology,
        sector=doc.get("sector"),
        criteria={
            c["code"]: CriterionFacts(
                answer=c["answer"],
                unit=c["unit"],
                evidence=tuple(c["evidence"]),
                finding=c["finding"],
                nc_closed=c["nc_closed"],
            )
            for c in doc["criteria"]
        },
        carbon=None
        if carbon is None
        else CarbonFacts(
            status=carbon["status"],
            total_kg=Decimal(carbon["total_kg"]),
            data_quality=_d(carbon["data_quality"]),
            intensity_kg=_d(carbon["intensity_kg"]),
            basis=carbon["basis"],
            per=carbon["per"],
            benchmark=None
            if bench is None
            else Benchmark(
                basis=bench["basis"],
                per=bench["per"],
                peers=bench["peers"],
                p25=Decimal(bench["p25"]),
                p50=Decimal(bench["p50"]),
                p75=Decimal(bench["p75"]),
            ),
        ),
    )


def message_dict(message: Message) -> dict:
    return {
        "text": message.template,
        "params": {k: dec(v) if isinstance(v, Decimal) else v for k, v in message.params.items()},
    }


def output_dict(card: Scorecard) -> dict:
    """Everything the scorecard says, except its own output hash."""
    rating = card.carbon
    return {
        "engine_version": card.engine_version,
        "methodology": card.methodology,
        "methodology_sha256": card.methodology_hash,
        "sector": card.sector,
        "input_sha256": card.input_hash,
        "overall": dec(card.overall),
        "grade": card.grade,
        "pillars": [
            {"code": p.code, "title": p.title, "weight": dec(p.weight), "score": dec(p.score)}
            for p in card.pillars
        ],
        "themes": [
            {
                "code": t.code,
                "pillar": t.pillar,
                "title": t.title,
                "weight": dec(t.weight),
                "sector_factor": dec(t.sector_factor),
                "earned": dec(t.earned),
                "possible": dec(t.possible),
                "score": dec(t.score),
            }
            for t in card.themes
        ],
        "criteria": [
            {
                "code": c.code,
                "theme": c.theme,
                "weight": dec(c.weight),
                "earned": dec(c.earned),
                "possible": dec(c.possible),
                "rule": c.rule,
                "answer_share": dec(c.answer_share),
                "finding_factor": dec(c.finding_factor),
                "evidence": list(c.evidence),
                "why": message_dict(c.why),
            }
            for c in card.criteria
        ],
        "carbon": None
        if rating is None
        else {
            "status": rating.status,
            "total_kg": dec(rating.total_kg),
            "data_quality": dec(rating.data_quality),
            "intensity_kg": dec(rating.intensity_kg),
            "basis": rating.basis,
            "per": rating.per,
            "band": rating.band,
            "benchmark": _benchmark(rating.benchmark),
            "why": message_dict(rating.why),
        },
    }


def output_hash(card: Scorecard) -> str:
    return sha256(output_dict(card))

"""Scoring a case from the database: gather the facts, score, store, verify, compare peers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from ..cases.models import Case
from ..extensions import db
from . import canonical
from .esg2 import ENGINE_VERSION, MIN_PEERS, score
from .model import Benchmark, CarbonFacts, CriterionFacts, Scorecard, ScoreInput
from .models import StoredScorecard

VERIFIED_STATES = ("approved", "issued")
ENGINES = {ENGINE_VERSION: score}  # every engine version a stored scorecard may name


def display(value: Decimal | None) -> str | None:
    """One decimal place, rounded half up; the stored values stay exact."""
    return None if value is None else str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _carbon_facts(case: Case, carbon) -> CarbonFacts | None:
    result, _problems = carbon
    if result is None or not result.lines:
        return None
    by_basis = {i.basis: i for i in result.intensities}
    chosen = by_basis.get("revenue") or by_basis.get("employee")
    status = "verified" if case.state in VERIFIED_STATES else "self_declared"
    return CarbonFacts(
        status=status,
        total_kg=result.totals.location_kg,
        data_quality=result.data_quality,
        intensity_kg=chosen.location_kg if chosen else None,
        basis=chosen.basis if chosen else None,
        per=chosen.per if chosen else None,
        benchmark=benchmark(case, chosen.basis, chosen.per) if chosen else None,
    )


def inputs_for(case: Case, *, evidence=None, findings=None, carbon=None) -> ScoreInput:
    """The engine's input for ``case`` as it stands (callers pass what they already hold)."""
    from ..cases import services as cases
    from ..emissions.services import result_of

    methodology = cases.methodology_of(case)
    evidence = cases.evidence_by_criterion(case) if evidence is None else evidence
    findings = cases.findings_by_criterion(case) if findings is None else findings
    carbon = result_of(case) if carbon is None else carbon
    facts = {}
    for c in methodology.criteria:
        answer, finding = case.answer_for(c.code), findings.get(c.code)
        files = evidence.get(c.code, ())
        if answer is None and finding is None and not files:
            continue
        facts[c.code] = CriterionFacts(
            answer=answer.value if answer else None,
            unit=answer.unit if answer else None,
            evidence=tuple(sorted({e.sha256 for e in files})),
            finding=finding.outcome if finding else None,
            nc_closed=bool(finding and finding.is_nonconformity and finding.nc_status == "closed"),
        )
    return ScoreInput(
        methodology=methodology,
        criteria=facts,
        sector=case.sector,
        carbon=_carbon_facts(case, carbon),
    )


def scorecard_for(case: Case, **known) -> tuple[ScoreInput, Scorecard]:
    given = inputs_for(case, **known)
    return given, score(given)


def summary(card: Scorecard) -> dict:
    """What the statement prints and embeds about the ratings (the full tree stays stored)."""
    rating = card.carbon
    return {
        "overall": display(card.overall),
        "grade": card.grade,
        "pillars": {p.code: display(p.score) for p in card.pillars},
        "engine_version": card.engine_version,
        "methodology": card.methodology,
        "input_sha256": card.input_hash,
        "output_sha256": card.output_hash,
        "method": (
            f"engine {card.engine_version}: criterion points (answer, evidence, verifier's "
            "finding) summed per theme, themes weighted within pillars (sector weightings "
            "applied), pillars weighted into 0-100, graded by the methodology's bands"
        ),
        "carbon_rating": None
        if rating is None
        else {
            "status": rating.status,
            "band": rating.band,
            "intensity_kg": canonical.dec(rating.intensity_kg),
            "basis": rating.basis,
            "per": rating.per,
            "data_quality": canonical.dec(rating.data_quality),
            "peers": rating.benchmark.peers if rating.benchmark else 0,
            "why": str(rating.why),
        },
    }


def store(case: Case, given: ScoreInput, card: Scorecard, statement_number: str | None):
    rating = card.carbon
    row = StoredScorecard(
        case_id=case.id,
        statement_number=statement_number,
        engine_version=card.engine_version,
        methodology_code=given.methodology.code,
        methodology_version=given.methodology.version,
        methodology_hash=given.methodology.content_hash,
        sector=given.sector,
        overall=canonical.dec(card.overall),
        grade=card.grade,
        intensity_kg=canonical.dec(rating.intensity_kg)
        if rating and rating.status == "verified"
        else None,
        intensity_basis=rating.basis if rating else None,
        intensity_per=rating.per if rating else None,
        input_hash=card.input_hash,
        output_hash=card.output_hash,
        inputs=canonical.canonical_bytes(canonical.input_dict(given)).decode(),
        output=canonical.canonical_bytes(canonical.output_dict(card)).decode(),
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class Problem:
    scorecard_id: int
    case_id: int
    what: str


def verify_one(row: StoredScorecard) -> list[str]:
    """Why ``row`` cannot be trusted: each check that fails, in words (empty: it holds)."""
    from ..methodologies.releases import frozen

    found = []
    try:
        inputs = json.loads(row.inputs)
        stored_output = json.loads(row.output)
    except ValueError:
        return ["its stored inputs or output are not valid JSON"]
    if canonical.sha256(inputs) != row.input_hash:
        found.append("its stored inputs do not match their hash (the inputs were edited)")
    if canonical.sha256(stored_output) != row.output_hash:
        found.append("its stored output does not match its hash (the output was edited)")
    engine = ENGINES.get(row.engine_version)
    methodology = frozen(row.methodology_code, row.methodology_version, row.methodology_hash)
    if engine is None:
        found.append(f"engine {row.engine_version} is not known to this version of the platform")
    elif methodology is None:
        found.append(
            f"methodology {row.methodology_code} {row.methodology_version} is not published"
        )
    else:
        card = engine(canonical.input_from_dict(inputs, methodology))
        if card.output_hash != row.output_hash:
            found.append(
                f"recomputing gives output {card.output_hash[:12]}, not the stored "
                f"{row.output_hash[:12]}"
            )
    return found


def verify_all():
    """Yield a :class:`Problem` for every stored scorecard that does not recompute identically."""
    rows = db.session.scalars(select(StoredScorecard).order_by(StoredScorecard.id)).yield_per(200)
    for row in rows:
        for what in verify_one(row):
            yield Problem(row.id, row.case_id, what)


def _latest_peers(case: Case, *columns):
    """The latest issued scorecard of each other organisation's case on the same
    methodology code and sector: the peers a case is compared with, never named."""
    query = (
        select(StoredScorecard, Case.organisation_id)
        .join(Case, Case.id == StoredScorecard.case_id)
        .where(
            StoredScorecard.statement_number.is_not(None),
            StoredScorecard.methodology_code == case.methodology_code,
            StoredScorecard.sector == case.sector,
            Case.organisation_id != case.organisation_id,
            *columns,
        )
        .order_by(StoredScorecard.id)
    )
    latest = {}
    for row, organisation in db.session.execute(query):
        latest[organisation] = row
    return list(latest.values())


def _quartiles(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """Quartiles by linear interpolation between closest ranks (the common "type 7")."""
    ordered = sorted(values)

    def at(q: Decimal) -> Decimal:
        pos = (len(ordered) - 1) * q
        low = int(pos)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)

    return at(Decimal("0.25")), at(Decimal("0.5")), at(Decimal("0.75"))


def benchmark(case: Case, basis: str, per: str) -> Benchmark | None:
    if case.sector is None:
        return None
    peers = _latest_peers(
        case,
        StoredScorecard.intensity_kg.is_not(None),
        StoredScorecard.intensity_basis == basis,
        StoredScorecard.intensity_per == per,
    )
    if len(peers) < MIN_PEERS:
        return (
            Benchmark(basis, per, len(peers), Decimal(0), Decimal(0), Decimal(0)) if peers else None
        )
    p25, p50, p75 = _quartiles([Decimal(r.intensity_kg) for r in peers])
    return Benchmark(basis, per, len(peers), p25, p50, p75)


@dataclass(frozen=True)
class PeerPosition:
    peers: int
    below: int  # peers scoring lower than the case
    median: Decimal
    p25: Decimal
    p75: Decimal


def peer_position(case: Case, overall: Decimal | None) -> PeerPosition | None:
    """Where ``overall`` stands among verified peers; None below five peers."""
    if overall is None or case.sector is None:
        return None
    peers = _latest_peers(case, StoredScorecard.overall.is_not(None))
    if len(peers) < MIN_PEERS:
        return None
    scores = [Decimal(r.overall) for r in peers]
    p25, p50, p75 = _quartiles(scores)
    return PeerPosition(len(scores), sum(1 for s in scores if s < overall), p50, p25, p75)

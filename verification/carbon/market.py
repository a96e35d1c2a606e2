"""Market-based Scope 2 (GHG Protocol Scope 2 Guidance): contractual instruments first,
then the region's residual mix, else the grid average with a visible flag.

A certificate (GEC, GO, I-REC) covers one claim: its tracking id may be claimed by one line
only, and MWh it has beyond that line's consumption are not used. A PPA or supplier
contract may feed several lines: its MWh go to the lines that claim it, in line order,
each taking what it still needs; a line claiming one that is used up is over-allocation.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ..messages import N_
from .decimals import ZERO, as_given, plain
from .errors import CarbonError
from .factors import Factor, FactorLibrary
from .gwp import GwpSet
from .lines import co2e_per_basis_unit
from .model import ActivityLine, Instrument
from .result import Allocation, Flag, MarketBased
from .units import convert


class InstrumentLedger:
    """Which lines claimed each instrument, and the MWh it has left, within one input."""

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._by_id = {i.tracking_id: i for i in instruments}
        self._left = {i.tracking_id: i.volume_mwh for i in self._by_id.values()}
        self._claimed_by: dict[str, list[str]] = {}

    def claim(
        self, line: ActivityLine, consumption_mwh: Decimal
    ) -> tuple[list[Allocation], Decimal, list[Flag]]:
        """(allocations, MWh not covered, flags). Raises :class:`CarbonError` for an unknown
        instrument, a certificate claimed twice, or an instrument with no MWh left."""
        allocations: list[Allocation] = []
        flags: list[Flag] = []
        uncovered = consumption_mwh
        for tracking_id in line.instruments:
            instrument = self._by_id.get(tracking_id)
            if instrument is None:
                raise _error(line, N_("instrument %(id)s is not in the input.", id=tracking_id))
            claimants = self._claimed_by.setdefault(tracking_id, [])
            if line.id in claimants:
                raise _error(line, N_("instrument %(id)s is claimed twice.", id=tracking_id))
            if instrument.is_certificate and claimants:
                raise _error(
                    line,
                    N_(
                        "certificate %(id)s is already claimed by line %(first)s; it cannot "
                        "also cover line %(second)s: a certificate covers one claim.",
                        id=tracking_id,
                        first=claimants[0],
                        second=line.id,
                    ),
                )
            if not self._left[tracking_id]:
                raise _error(
                    line,
                    N_(
                        "instrument %(id)s is over-allocated: its %(volume)s MWh are all "
                        "allocated to line(s) %(lines)s.",
                        id=tracking_id,
                        volume=as_given(instrument.volume_mwh),
                        lines=", ".join(claimants),
                    ),
                )
            claimants.append(line.id)
            take = min(self._left[tracking_id], uncovered)
            self._left[tracking_id] -= take
            uncovered -= take
            kg = convert(take, "MWh", "kWh") * instrument.factor_kg_per_kwh
            allocations.append(
                Allocation(tracking_id, instrument.kind, take, instrument.factor_kg_per_kwh, kg)
            )
            flags += _instrument_flags(line, instrument, take, self._left[tracking_id])
        return allocations, uncovered, flags


def market_based(
    line: ActivityLine,
    factor: Factor,
    consumption_mwh: Decimal,
    ledger: InstrumentLedger,
    library: FactorLibrary,
    region: str | None,
    gwp: GwpSet,
) -> tuple[MarketBased, list[Flag]]:
    """Market-based CO2e of one Scope 2 grid-electricity line. Raises :class:`CarbonError`."""
    allocations, uncovered, flags = ledger.claim(line, consumption_mwh)
    # numbers, units and keys only: the chain reads the same in every language
    chain: list[str] = []
    for a in allocations:
        chain.append(
            f"{a.tracking_id} ({a.kind}): {plain(a.mwh)} MWh x "
            f"{as_given(a.factor_kg_per_kwh)} kg CO2e/kWh = {plain(a.co2e_kg)} kg CO2e"
        )
    region = region or factor.region
    residual = library.residual_mix(region)
    remainder_factor = residual or factor
    method = "residual_mix" if residual else "grid_average"
    if residual is None and uncovered:
        flags.append(
            Flag(
                "residual_mix_missing",
                "warning",
                N_(
                    "Residual mix not available for %(region)s; grid average used.",
                    region=region,
                ),
            )
        )
    basis_unit = remainder_factor.basis_unit
    remainder_basis = convert(uncovered, "MWh", basis_unit)
    per_unit = co2e_per_basis_unit(remainder_factor, gwp)
    remainder_kg = remainder_basis * per_unit
    covered = consumption_mwh - uncovered
    chain.append(
        f"{plain(consumption_mwh)} MWh - {plain(covered)} MWh = {plain(uncovered)} MWh"
        f" = {plain(remainder_basis)} {basis_unit} x {plain(per_unit)} kg CO2e/{basis_unit}"
        f" ({remainder_factor.key}) = {plain(remainder_kg)} kg CO2e"
    )
    total = sum((a.co2e_kg for a in allocations), ZERO) + remainder_kg
    parts = [plain(a.co2e_kg) for a in allocations] + [plain(remainder_kg)]
    chain.append(f"{' + '.join(parts)} = {plain(total)} kg CO2e")
    market = MarketBased(
        consumption_mwh=consumption_mwh,
        allocations=tuple(allocations),
        remainder_mwh=uncovered,
        remainder_factor=remainder_factor,
        remainder_method=method,
        remainder_co2e_kg=remainder_kg,
        co2e_kg=total,
        chain=tuple(chain),
    )
    return market, flags


def _instrument_flags(
    line: ActivityLine, instrument: Instrument, take: Decimal, left: Decimal
) -> list[Flag]:
    flags: list[Flag] = []
    tracking_id = instrument.tracking_id
    if not take:
        flags.append(
            Flag(
                "instrument_not_needed",
                "warning",
                N_(
                    "Instrument %(id)s covers nothing: the consumption was already covered "
                    "by the instruments listed before it.",
                    id=tracking_id,
                ),
            )
        )
    elif instrument.is_certificate and left:
        flags.append(
            Flag(
                "certificate_excess",
                "info",
                N_(
                    "%(left)s MWh of certificate %(id)s exceed this line's consumption and "
                    "are not used.",
                    left=plain(left),
                    id=tracking_id,
                ),
            )
        )
    start, end = line.period_start, line.period_end
    if start is None or end is None:
        flags.append(
            Flag(
                "vintage_not_checked",
                "warning",
                N_(
                    "Vintage of instrument %(id)s not checked: the line has no period.",
                    id=tracking_id,
                ),
            )
        )
    elif not start.year <= instrument.vintage <= end.year:
        flags.append(
            Flag(
                "vintage_outside_period",
                "warning",
                N_(
                    "Instrument %(id)s has vintage %(vintage)s, outside the line's reporting "
                    "period (%(start)s to %(end)s).",
                    id=tracking_id,
                    vintage=instrument.vintage,
                    start=start.isoformat(),
                    end=end.isoformat(),
                ),
            )
        )
    return flags


def _error(line: ActivityLine, problem: object) -> CarbonError:
    return CarbonError(
        N_("Line %(line)s: %(problem)s", line=line.id, problem=problem), line_id=line.id
    )

"""The carbon calculation of a case: lines, Scope 2 both ways, totals, intensities, CBAM,
product footprint, data quality and misstatement. Pure and deterministic."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, localcontext

from ..messages import N_
from .decimals import CONTEXT, ZERO
from .errors import CarbonError
from .factors import Factor, FactorLibrary
from .gwp import GwpSet, gwp_set
from .lines import data_quality, emissions, factor_flags
from .market import InstrumentLedger, market_based
from .model import ActivityLine, CalcInput
from .result import (
    ENGINE_VERSION,
    CarbonResult,
    Cbam,
    Flag,
    Intensity,
    LineResult,
    Misstatement,
    ProductFootprint,
    Totals,
    Verification,
)
from .units import CURRENCIES, convert, unit_info

__all__ = ["ENGINE_VERSION", "calculate"]

_THOUSAND = Decimal(1000)


def calculate(inp: CalcInput, library: FactorLibrary) -> CarbonResult:
    """The whole result for one input. Raises :class:`CarbonError` (with ``line_id`` when a
    line is at fault) instead of ever giving a number it cannot justify."""
    with localcontext(CONTEXT):
        gwp = gwp_set(inp.gwp_set)
        ledger = InstrumentLedger(inp.instruments)
        lines = tuple(_line(line, inp, library, ledger, gwp) for line in inp.lines)
        totals = _totals(lines)
        footprint = _footprint(inp, totals)
        return CarbonResult(
            engine_version=ENGINE_VERSION,
            gwp=gwp,
            lines=lines,
            totals=totals,
            intensities=_intensities(inp, totals),
            product_footprint=footprint,
            cbam=_cbam(inp, lines, totals),
            data_quality=_weighted_quality(lines),
            misstatement=_misstatement(lines, inp.materiality),
            flags=_case_flags(lines, footprint),
        )


def _line(
    line: ActivityLine,
    inp: CalcInput,
    library: FactorLibrary,
    ledger: InstrumentLedger,
    gwp: GwpSet,
) -> LineResult:
    try:
        factor = library.get(line.factor)
        found = emissions(line.quantity, line.unit, factor, gwp)
        flags = list(factor_flags(factor, gwp.name))
        market = None
        if line.instruments and not (line.scope == 2 and factor.kind == "grid_average"):
            raise CarbonError(
                N_("only lines with a grid-average electricity factor can claim instruments.")
            )
        if line.scope == 2 and factor.kind == "grid_average":
            consumption = convert(line.quantity, line.unit, "MWh")
            market, market_flags = market_based(
                line, factor, consumption, ledger, library, inp.region, gwp
            )
            flags += market_flags
        verification = _verification(line, factor, found.co2e_kg, gwp)
        if verification and not verification.reason:
            flags.append(
                Flag("verified_without_reason", "warning", N_("Verified value has no reason."))
            )
        quality = data_quality(line)
    except CarbonError as exc:
        if exc.line_id is not None:
            raise
        raise CarbonError(
            N_("Line %(line)s: %(problem)s", line=line.id, problem=exc.message), line_id=line.id
        ) from None
    return LineResult(
        line=line,
        factor=factor,
        basis_quantity=found.basis_quantity,
        energy_tj=found.energy_tj,
        co2_kg=found.co2_kg,
        ch4_kg=found.ch4_kg,
        n2o_kg=found.n2o_kg,
        co2e_kg=found.co2e_kg,
        co2e_method=found.co2e_method,
        chain=found.chain,
        market=market,
        data_quality=quality,
        verification=verification,
        flags=tuple(flags),
    )


def _verification(
    line: ActivityLine, factor: Factor, reported: Decimal, gwp: GwpSet
) -> Verification | None:
    """The verified quantity through the same factor, and the line's misstatement."""
    if line.verified_quantity is None:
        return None
    verified = emissions(line.verified_quantity, line.unit, factor, gwp).co2e_kg
    difference = reported - verified
    return Verification(
        quantity=line.verified_quantity,
        reason=line.verified_reason,
        co2e_kg=verified,
        difference_kg=difference,
        misstatement=abs(difference) / verified if verified else None,
    )


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _totals(lines: tuple[LineResult, ...]) -> Totals:
    scope1 = _sum(r.co2e_kg for r in lines if r.line.scope == 1)
    scope2 = [r for r in lines if r.line.scope == 2]
    location2 = _sum(r.co2e_kg for r in scope2)
    market2 = _sum(r.market_co2e_kg for r in scope2)
    by_category: dict[str, Decimal] = {}
    for r in lines:
        if r.line.scope == 3:
            by_category[r.line.category] = by_category.get(r.line.category, ZERO) + r.co2e_kg
    scope3 = _sum(by_category.values())
    return Totals(
        scope1_kg=scope1,
        scope2_location_kg=location2,
        scope2_market_kg=market2,
        scope3_kg=scope3,
        scope3_by_category=dict(sorted(by_category.items())),
        location_kg=scope1 + location2 + scope3,
        market_kg=scope1 + market2 + scope3,
    )


def _intensities(inp: CalcInput, totals: Totals) -> tuple[Intensity, ...]:
    denominators: list[tuple[str, str, Decimal]] = []
    if inp.revenue is not None:
        amount, currency = inp.revenue
        if currency not in CURRENCIES:
            raise CarbonError(
                N_(
                    "Case settings: the revenue currency %(currency)s is not one of %(known)s.",
                    currency=str(currency),
                    known=", ".join(CURRENCIES),
                )
            )
        denominators.append(("revenue", currency, amount))
    if inp.employees is not None:
        denominators.append(("employee", "employee", inp.employees))
    if inp.production is not None:
        quantity, unit, _ = inp.production
        _product_unit(unit)
        denominators.append(("product", unit, quantity))
    return tuple(
        Intensity(basis, per, d, totals.location_kg / d, totals.market_kg / d)
        for basis, per, d in denominators
    )


def _product_unit(unit: str) -> None:
    try:
        unit_info(unit)
    except CarbonError as exc:
        raise CarbonError(
            N_("Case settings: production unit: %(problem)s", problem=exc.message)
        ) from None


def _footprint(inp: CalcInput, totals: Totals) -> ProductFootprint | None:
    if inp.production is None:
        return None
    quantity, unit, declared_unit = inp.production
    _product_unit(unit)
    return ProductFootprint(
        declared_unit=declared_unit,
        unit=unit,
        quantity=quantity,
        scope1_kg=totals.scope1_kg / quantity,
        scope2_location_kg=totals.scope2_location_kg / quantity,
        scope2_market_kg=totals.scope2_market_kg / quantity,
        scope3_kg=totals.scope3_kg / quantity,
        location_kg=totals.location_kg / quantity,
        market_kg=totals.market_kg / quantity,
    )


def _cbam(inp: CalcInput, lines: tuple[LineResult, ...], totals: Totals) -> Cbam | None:
    goods = inp.cbam_goods_tonnes
    if goods is None:
        return None
    direct = totals.scope1_kg / _THOUSAND
    electricity = _sum(
        r.co2e_kg for r in lines if r.line.scope == 2 and r.factor.kind == "grid_average"
    )
    indirect = electricity / _THOUSAND
    return Cbam(
        goods_tonnes=goods,
        direct_t=direct,
        indirect_t=indirect,
        direct_t_per_t=direct / goods,
        indirect_t_per_t=indirect / goods,
        total_t_per_t=(direct + indirect) / goods,
    )


def _weighted_quality(lines: tuple[LineResult, ...]) -> Decimal | None:
    weight = _sum(r.co2e_kg for r in lines)
    if not weight:
        return None
    return _sum(r.co2e_kg * r.data_quality for r in lines) / weight


def _misstatement(lines: tuple[LineResult, ...], materiality: Decimal) -> Misstatement:
    checked = [r for r in lines if r.verification is not None]
    reported = _sum(r.co2e_kg for r in checked)
    verified = _sum(r.verification.co2e_kg for r in checked if r.verification)
    ratio: Decimal | None
    if verified:
        ratio = abs(reported - verified) / verified
        material = ratio > materiality
    else:
        # nothing verified, or verified as zero: a ratio has no meaning; any difference is material
        ratio = None
        material = reported != verified
    return Misstatement(len(checked), reported, verified, ratio, materiality, material)


def _case_flags(
    lines: tuple[LineResult, ...], footprint: ProductFootprint | None
) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    published = sum(1 for r in lines if r.co2e_method == "published")
    if published:
        flags.append(
            Flag(
                "gwp_not_applied",
                "info",
                N_(
                    "%(count)s line(s) use factors published as CO2e; the case's GWP set was "
                    "not applied to them.",
                    count=published,
                ),
            )
        )
    if footprint is not None and any(r.line.scope == 2 for r in lines):
        flags.append(
            Flag(
                "footprint_operational_electricity",
                "info",
                N_(
                    "The product footprint uses the electricity factors of the lines "
                    "(operational grid factors); life-cycle electricity factors are not shipped."
                ),
            )
        )
    return tuple(flags)

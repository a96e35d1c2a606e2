"""One activity quantity through one emission factor, with every step written out.

A mass of fuel against an IPCC factor (per TJ) goes mass -> Gg -> TJ through the factor's
net calorific value; any other quantity is converted straight to the factor's basis unit.
Then kg of each gas, and CO2e with the case's GWP set (or CO2e as the dataset published it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ..messages import N_
from .decimals import ZERO, as_given, plain
from .errors import CarbonError
from .factors import Factor
from .gwp import GwpSet
from .model import ActivityLine
from .result import Flag
from .units import convert, is_convertible, unit_info


@dataclass(frozen=True)
class Emissions:
    basis_quantity: Decimal
    energy_tj: Decimal | None
    co2_kg: Decimal | None
    ch4_kg: Decimal | None
    n2o_kg: Decimal | None
    co2e_kg: Decimal
    co2e_method: str  # "gwp" | "published"
    chain: tuple[str, ...]


def emissions(quantity: Decimal, unit: str, factor: Factor, gwp: GwpSet) -> Emissions:
    """Emissions of ``quantity`` ``unit`` under ``factor``.

    Raises :class:`CarbonError` when the unit cannot reach the factor's basis.
    """
    chain: list[str] = []
    basis, energy_tj = _to_basis(quantity, unit, factor, chain)
    per = factor.basis_unit
    if factor.co2e is not None:
        co2e = basis * factor.co2e
        # as published: the flag gwp_not_applied says the case's set was not used
        chain.append(
            f"{plain(basis)} {per} x {as_given(factor.co2e)} kg CO2e/{per} = {plain(co2e)} kg CO2e"
        )
        return Emissions(basis, energy_tj, None, None, None, co2e, "published", tuple(chain))

    gases: list[Decimal | None] = []
    for gas, value in (("CO2", factor.co2), ("CH4", factor.ch4), ("N2O", factor.n2o)):
        if value is None:
            gases.append(None)
            continue
        kg = basis * value
        gases.append(kg)
        chain.append(
            f"{plain(basis)} {per} x {as_given(value)} kg {gas}/{per} = {plain(kg)} kg {gas}"
        )
    co2, ch4, n2o = gases
    co2e = ZERO
    terms: list[str] = []
    for mass, gas, weight in ((co2, "CO2", None), (ch4, "CH4", gwp.ch4), (n2o, "N2O", gwp.n2o)):
        if mass is None:
            continue
        co2e += mass if weight is None else mass * weight
        terms.append(f"{plain(mass)} kg {gas}" + ("" if weight is None else f" x {weight}"))
    chain.append(f"{' + '.join(terms)} = {plain(co2e)} kg CO2e ({gwp.name})")
    return Emissions(basis, energy_tj, co2, ch4, n2o, co2e, "gwp", tuple(chain))


def _to_basis(
    quantity: Decimal, unit: str, factor: Factor, chain: list[str]
) -> tuple[Decimal, Decimal | None]:
    """(quantity in the factor's basis unit, TJ when it went through the NCV)."""
    basis_unit = factor.basis_unit
    given = f"{as_given(quantity)} {unit}"
    if factor.ncv_tj_per_gg is not None and not is_convertible(unit, basis_unit):
        if is_convertible(unit, "Gg"):
            gg = convert(quantity, unit, "Gg")
            tj = gg * factor.ncv_tj_per_gg
            chain.append(f"{given} = {plain(gg)} Gg")
            chain.append(
                f"{plain(gg)} Gg x {as_given(factor.ncv_tj_per_gg)} TJ/Gg (NCV) = {plain(tj)} TJ"
            )
            if basis_unit == "TJ":
                return tj, tj
            basis = convert(tj, "TJ", basis_unit)
            chain.append(f"{plain(tj)} TJ = {plain(basis)} {basis_unit}")
            return basis, tj
        if is_convertible(unit, "m3"):
            raise CarbonError(
                N_(
                    "%(unit)s is a volume, and factor %(factor)s is per %(basis)s: its source "
                    "gives a net calorific value per mass (TJ/Gg) and no density, so enter the "
                    "mass of fuel (t, kg) or its energy.",
                    unit=unit,
                    factor=factor.key,
                    basis=basis_unit,
                )
            )
    try:
        basis = convert(quantity, unit, basis_unit)
    except CarbonError as exc:
        raise CarbonError(
            N_(
                "%(problem)s Factor %(factor)s is per %(basis)s.",
                problem=exc.message,
                factor=factor.key,
                basis=basis_unit,
            )
        ) from None
    if unit != basis_unit:
        chain.append(f"{given} = {plain(basis)} {basis_unit}")
    return basis, None


def data_quality(line: ActivityLine) -> int:
    """1 (verified metered or invoice data) to 5 (spend-based); see docs/carbon.md."""
    if line.data_type == "spend" or unit_info(line.unit).currency:
        return 5
    verified = line.verified_quantity is not None
    if line.data_type in ("metered", "invoice"):
        return 1 if verified else 2
    return 3 if verified else 4


@lru_cache(maxsize=512)
def factor_flags(factor: Factor, gwp_name: str) -> tuple[Flag, ...]:
    """What a reader must know about a factor's coverage (the same for every line using it)."""
    if not factor.per_gas:
        return (
            Flag(
                "gwp_not_applied",
                "info",
                N_(
                    "Factor %(factor)s is published as CO2e with the dataset's own GWP values; "
                    "the case's GWP set %(gwp)s was not applied to it.",
                    factor=factor.key,
                    gwp=gwp_name,
                ),
            ),
        )
    if factor.ch4 is None and factor.n2o is None:
        return (
            Flag(
                "co2_only",
                "info",
                N_(
                    "Factor %(factor)s covers CO2 only; CH4 and N2O are not included.",
                    factor=factor.key,
                ),
            ),
        )
    return ()


def co2e_per_basis_unit(factor: Factor, gwp: GwpSet) -> Decimal:
    """kg CO2e per basis unit of a factor, under the GWP set unless published as CO2e."""
    if factor.co2e is not None:
        return factor.co2e
    total = ZERO
    for value, weight in ((factor.co2, gwp.co2), (factor.ch4, gwp.ch4), (factor.n2o, gwp.n2o)):
        if value is not None:
            total += value * weight
    return total

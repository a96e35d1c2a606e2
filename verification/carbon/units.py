"""Units of activity data: pint with exact decimals, and cached conversion multipliers.

pint's own ``therm`` is the EC therm: 100,000 Btu with the ISO Btu of 1,055.056 J, so
1 therm = 105.5056 MJ = 29.307111... kWh. pint's ``US_therm`` (105.4804 MJ) is another unit.

Money is one base dimension per currency: CNY, USD, EUR and GBP convert to nothing but
themselves, because the engine never invents an exchange rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import cache, lru_cache

import pint

from ..messages import N_
from .decimals import CONTEXT
from .errors import CarbonError

CURRENCIES = ("CNY", "USD", "EUR", "GBP")
_DEFINITIONS = (
    "tonne_kilometre = tonne * kilometre = tkm = tonne_km",
    # pint knows m**3, m^3 and m³ but not "m3", the spelling on most invoices
    "cubic_metre = meter ** 3 = m3",
    *(f"{code} = [currency_{code}]" for code in CURRENCIES),
)
_MAX_UNIT_LENGTH = 40

# Friendly names for the dimensions an error message may mention.
_DIMENSION_NAMES = {
    "[mass]": "mass",
    "[length]": "distance",
    "[length] ** 3": "volume",
    "[mass] * [length] ** 2 / [time] ** 2": "energy",
    "[length] * [mass]": "mass x distance",
    "[mass] * [length]": "mass x distance",
    **{f"[currency_{code}]": f"money ({code})" for code in CURRENCIES},
}


@cache
def registry() -> pint.UnitRegistry:
    """The engine's unit registry (built once: it takes about a quarter of a second)."""
    # pint evaluates definitions in the current decimal context: make it ours, always
    with localcontext(CONTEXT):
        ureg: pint.UnitRegistry = pint.UnitRegistry(non_int_type=Decimal)
        for definition in _DEFINITIONS:
            ureg.define(definition)
    return ureg


@dataclass(frozen=True)
class UnitInfo:
    """A parsed unit: its size in pint's root units, exactly, and its dimension."""

    text: str
    dimensionality: str
    root_factor: Fraction

    @property
    def dimension(self) -> str:
        """A readable name for the dimension ("energy", "mass", "money (CNY)", ...)."""
        return _DIMENSION_NAMES.get(self.dimensionality, self.dimensionality)

    @property
    def currency(self) -> str | None:
        prefix = "[currency_"
        if self.dimensionality.startswith(prefix) and self.dimensionality.endswith("]"):
            return self.dimensionality[len(prefix) : -1]
        return None


@lru_cache(maxsize=1024)
def unit_info(unit: str) -> UnitInfo:
    """Parse a unit. Raises :class:`CarbonError` for an empty, unknown or unusable unit."""
    if not isinstance(unit, str) or not unit.strip():
        raise CarbonError(N_("The unit is missing."))
    if len(unit) > _MAX_UNIT_LENGTH:
        raise CarbonError(N_("Unknown unit %(unit)s.", unit=unit[:_MAX_UNIT_LENGTH] + "..."))
    ureg = registry()
    with localcontext(CONTEXT):  # pint computes (and caches) root factors in this context
        return _parse(ureg, unit)


def _parse(ureg: pint.UnitRegistry, unit: str) -> UnitInfo:
    try:
        parsed = ureg.parse_units(unit)
    except (pint.errors.PintError, ValueError, AttributeError, TypeError):
        # pint raises ValueError for "12 kWh" or "kWh/2" (a number inside a unit)
        raise CarbonError(N_("Unknown unit %(unit)s.", unit=unit)) from None
    dimensionality = str(parsed.dimensionality)
    if dimensionality == "dimensionless":
        raise CarbonError(N_("%(unit)s is not a unit of measure.", unit=unit))
    if ureg.Quantity(Decimal(0), parsed).to_root_units().magnitude != 0:
        # degC and the like: a scale with an offset is not a multiple, so no multiplier
        raise CarbonError(N_("%(unit)s has an offset scale and cannot be used.", unit=unit))
    factor, _ = ureg.get_root_units(parsed)
    if not isinstance(factor, int | Decimal):
        # never let a binary float into the arithmetic
        raise CarbonError(N_("%(unit)s has no exact decimal definition.", unit=unit))
    # Fraction of a Decimal or int is exact: the ratio of two units stays rational.
    return UnitInfo(unit, dimensionality, Fraction(factor))


@lru_cache(maxsize=4096)
def multiplier(unit: str, to: str) -> tuple[Decimal, Decimal]:
    """(numerator, denominator) with ``quantity in to = quantity x num / den``, exactly.

    Raises :class:`CarbonError` naming both units when they are unknown or incompatible.
    """
    source, target = unit_info(unit), unit_info(to)
    if source.dimensionality != target.dimensionality:
        if source.currency and target.currency:
            raise CarbonError(
                N_(
                    "%(unit)s cannot be converted to %(to)s: the engine does not convert "
                    "between currencies (no exchange rate is assumed).",
                    unit=unit,
                    to=to,
                )
            )
        raise CarbonError(
            N_(
                "%(unit)s (%(dimension)s) cannot be converted to %(to)s (%(to_dimension)s).",
                unit=unit,
                dimension=source.dimension,
                to=to,
                to_dimension=target.dimension,
            )
        )
    ratio = source.root_factor / target.root_factor
    return Decimal(ratio.numerator), Decimal(ratio.denominator)


def convert(quantity: Decimal, unit: str, to: str) -> Decimal:
    """``quantity`` in ``unit`` expressed in ``to``; exact unless the ratio does not terminate
    (1 GJ = 1000/3.6 kWh), when the one division rounds at 28 significant digits.

    Raises :class:`CarbonError` for unknown or incompatible units.
    """
    num, den = multiplier(unit, to)
    value = CONTEXT.multiply(quantity, num)
    return value if den == 1 else CONTEXT.divide(value, den)


def is_convertible(unit: str, to: str) -> bool:
    """Whether ``unit`` converts to ``to``. Raises :class:`CarbonError` for an unknown unit."""
    return unit_info(unit).dimensionality == unit_info(to).dimensionality

"""Activity quantity x emission factor, with units converted by pint and exact decimals.

The result carries everything needed to trace the number: the quantity as given, the
conversion to the factor's basis, the factor with its dataset, version and source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import pint
import yaml

ENGINE_VERSION = "carbon-starter-1"
_FACTORS_FILE = Path(__file__).with_name("factors.yaml")


class CarbonError(ValueError):
    """Input the engine cannot turn into a figure; the message says which and why."""


@dataclass(frozen=True)
class Factor:
    key: str
    dataset: str
    version: str
    region: str
    activity: str
    value: Decimal
    unit: str  # e.g. "kg CO2/kWh"
    basis: str  # the activity unit the value is per, e.g. "kWh"
    gases: str
    source: str
    licence: str


@dataclass(frozen=True)
class CarbonLine:
    quantity: Decimal
    unit: str
    basis_quantity: Decimal  # quantity converted to the factor's basis unit
    factor: Factor
    emissions_kg: Decimal
    engine_version: str = ENGINE_VERSION

    @property
    def emissions_t(self) -> Decimal:
        return self.emissions_kg / Decimal(1000)

    def as_dict(self) -> dict:
        return {
            "quantity": plain(self.quantity),
            "unit": self.unit,
            "basis_quantity": plain(self.basis_quantity),
            "basis_unit": self.factor.basis,
            "emissions_kg": plain(self.emissions_kg),
            "emissions_t": plain(self.emissions_t),
            "gases": self.factor.gases,
            "engine_version": self.engine_version,
            "factor": {
                "key": self.factor.key,
                "value": str(self.factor.value),
                "unit": self.factor.unit,
                "dataset": self.factor.dataset,
                "version": self.factor.version,
                "region": self.factor.region,
                "source": self.factor.source,
                "licence": self.factor.licence,
            },
        }


def plain(value: Decimal) -> str:
    """Exact decimal text without exponent or trailing zeros (for data, not display)."""
    return format(value.normalize(), "f")


@cache
def _units() -> pint.UnitRegistry:
    return pint.UnitRegistry(non_int_type=Decimal)


@cache
def factor_library() -> dict[str, Factor]:
    """Every shipped factor by key."""
    rows = yaml.safe_load(_FACTORS_FILE.read_text(encoding="utf-8"))
    return {
        row["key"]: Factor(
            key=row["key"],
            dataset=row["dataset"],
            version=str(row["version"]),
            region=row["region"],
            activity=row["activity"],
            value=Decimal(str(row["value"])),
            unit=row["unit"],
            basis=row["basis"],
            gases=row["gases"],
            source=" ".join(row["source"].split()),
            licence=row["licence"],
        )
        for row in rows
    }


def get_factor(key: str) -> Factor:
    """Raises :class:`CarbonError` when the factor is not in the library."""
    try:
        return factor_library()[key]
    except KeyError:
        raise CarbonError(f"Emission factor {key!r} is not in the factor library.") from None


def convert(quantity: Decimal, unit: str, to_unit: str) -> Decimal:
    """Convert exactly; raises :class:`CarbonError` for unknown or incompatible units."""
    ureg = _units()
    try:
        value = ureg.Quantity(quantity, unit).to(to_unit).magnitude
    except pint.errors.DimensionalityError:
        raise CarbonError(f"{unit} cannot be converted to {to_unit}.") from None
    except pint.errors.UndefinedUnitError:
        raise CarbonError(f"Unknown unit {unit!r}.") from None
    return Decimal(value)


def calculate(quantity: Decimal, unit: str, factor_key: str) -> CarbonLine:
    """Emissions of one activity quantity. Raises :class:`CarbonError`."""
    if not quantity.is_finite() or quantity < 0:
        raise CarbonError("The quantity must be a non-negative number.")
    factor = get_factor(factor_key)
    basis_quantity = convert(quantity, unit, factor.basis)
    return CarbonLine(
        quantity=quantity,
        unit=unit,
        basis_quantity=basis_quantity,
        factor=factor,
        emissions_kg=basis_quantity * factor.value,
    )

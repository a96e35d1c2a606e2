"""What the engine gives back: every figure with the steps and factor that produced it.

All quantities of gas are kg unless the name says otherwise; nothing is rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..messages import Message
from .factors import Factor
from .gwp import GwpSet
from .model import ActivityLine

ENGINE_VERSION = "carbon-2"


@dataclass(frozen=True)
class Flag:
    """Something a reader of the figure must know: ``severity`` is "warning" or "info"."""

    code: str
    severity: str
    message: Message


@dataclass(frozen=True)
class Allocation:
    """Part of a line's electricity covered by one contractual instrument."""

    tracking_id: str
    kind: str
    mwh: Decimal
    factor_kg_per_kwh: Decimal
    co2e_kg: Decimal


@dataclass(frozen=True)
class MarketBased:
    """Market-based Scope 2 for one electricity line."""

    consumption_mwh: Decimal
    allocations: tuple[Allocation, ...]
    remainder_mwh: Decimal
    remainder_factor: Factor  # the residual-mix factor, or the line's grid average
    remainder_method: str  # "residual_mix" | "grid_average"
    remainder_co2e_kg: Decimal
    co2e_kg: Decimal
    chain: tuple[str, ...]


@dataclass(frozen=True)
class Verification:
    quantity: Decimal
    reason: str | None
    co2e_kg: Decimal
    difference_kg: Decimal  # reported - verified
    misstatement: Decimal | None  # |reported - verified| / verified; None when verified is 0


@dataclass(frozen=True)
class LineResult:
    line: ActivityLine
    factor: Factor
    basis_quantity: Decimal  # the line's quantity in the factor's basis unit
    energy_tj: Decimal | None  # set when a mass of fuel went through the NCV
    co2_kg: Decimal | None
    ch4_kg: Decimal | None
    n2o_kg: Decimal | None
    co2e_kg: Decimal  # location-based for Scope 2
    co2e_method: str  # "gwp": from the gases with the case's set; "published": as published
    chain: tuple[str, ...]
    market: MarketBased | None  # Scope 2 lines only
    data_quality: int
    verification: Verification | None
    flags: tuple[Flag, ...]

    @property
    def market_co2e_kg(self) -> Decimal:
        return self.market.co2e_kg if self.market else self.co2e_kg


@dataclass(frozen=True)
class Totals:
    scope1_kg: Decimal
    scope2_location_kg: Decimal
    scope2_market_kg: Decimal
    scope3_kg: Decimal
    scope3_by_category: dict[str, Decimal]  # sorted by category
    location_kg: Decimal  # scope 1 + scope 2 location-based + scope 3
    market_kg: Decimal  # scope 1 + scope 2 market-based + scope 3


@dataclass(frozen=True)
class Intensity:
    """kg CO2e of the whole case per one unit of the denominator."""

    basis: str  # "revenue" | "employee" | "product"
    per: str  # the denominator's unit: "CNY", "employee", "t", ...
    denominator: Decimal
    location_kg: Decimal
    market_kg: Decimal


@dataclass(frozen=True)
class ProductFootprint:
    """The case's emissions attributed to its one product, per declared unit."""

    declared_unit: str
    unit: str
    quantity: Decimal
    scope1_kg: Decimal
    scope2_location_kg: Decimal
    scope2_market_kg: Decimal
    scope3_kg: Decimal
    location_kg: Decimal
    market_kg: Decimal


@dataclass(frozen=True)
class Cbam:
    """Specific embedded emissions, t CO2e per tonne of good."""

    goods_tonnes: Decimal
    direct_t: Decimal  # Scope 1
    indirect_t: Decimal  # Scope 2 electricity, location-based
    direct_t_per_t: Decimal
    indirect_t_per_t: Decimal
    total_t_per_t: Decimal


@dataclass(frozen=True)
class Misstatement:
    """Reported against verified CO2e over the lines that have a verified value."""

    lines: int
    reported_kg: Decimal
    verified_kg: Decimal
    misstatement: Decimal | None  # |reported - verified| / verified; None if nothing verified
    materiality: Decimal
    material: bool


@dataclass(frozen=True)
class CarbonResult:
    engine_version: str
    gwp: GwpSet
    lines: tuple[LineResult, ...]
    totals: Totals
    intensities: tuple[Intensity, ...]
    product_footprint: ProductFootprint | None
    cbam: Cbam | None
    data_quality: Decimal | None  # CO2e-weighted mean of the line scores
    misstatement: Misstatement
    flags: tuple[Flag, ...]

    @property
    def material(self) -> bool:
        return self.misstatement.material

    def as_dict(self) -> dict[str, Any]:
        from .document import result_to_dict

        return result_to_dict(self)

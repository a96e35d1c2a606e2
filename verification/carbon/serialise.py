"""A result as plain JSON-ready data: every Decimal as exact text, keys in a fixed order.

Computed figures are written without exponent or trailing zeros ("38235.6"); published
factor values keep the digits they were published with ("0.18290"). Gas figures are kg.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .decimals import as_given, plain
from .factors import Factor
from .result import CarbonResult, Flag, LineResult, MarketBased, Verification


def _d(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def _given(value: Decimal | None) -> str | None:
    return None if value is None else as_given(value)


def _flags(flags: tuple[Flag, ...]) -> list[dict[str, str]]:
    return [{"code": f.code, "severity": f.severity, "message": str(f.message)} for f in flags]


def result_to_dict(result: CarbonResult) -> dict[str, Any]:
    """The whole result as nested dicts, lists, strings, ints, booleans and None.

    A factor's dict is one object shared by ``factors`` and every line that uses it.
    """
    t = result.totals
    used = {r.factor.key: r.factor for r in result.lines}
    used.update(
        (r.market.remainder_factor.key, r.market.remainder_factor) for r in result.lines if r.market
    )
    # one dict per factor, shared by the lines that use it
    factors = {key: _factor(used[key]) for key in sorted(used)}
    return {
        "engine_version": result.engine_version,
        "gwp": {
            "set": result.gwp.name,
            "co2": as_given(result.gwp.co2),
            "ch4": as_given(result.gwp.ch4),
            "n2o": as_given(result.gwp.n2o),
            "description": str(result.gwp.description),
            "source": result.gwp.source,
        },
        "totals": {
            "scope1_kg": plain(t.scope1_kg),
            "scope2_location_kg": plain(t.scope2_location_kg),
            "scope2_market_kg": plain(t.scope2_market_kg),
            "scope3_kg": plain(t.scope3_kg),
            "scope3_by_category": {k: plain(v) for k, v in t.scope3_by_category.items()},
            "location_kg": plain(t.location_kg),
            "market_kg": plain(t.market_kg),
        },
        "intensities": [
            {
                "basis": i.basis,
                "per": i.per,
                "denominator": plain(i.denominator),
                "location_kg": plain(i.location_kg),
                "market_kg": plain(i.market_kg),
            }
            for i in result.intensities
        ],
        "product_footprint": None
        if result.product_footprint is None
        else {
            "declared_unit": result.product_footprint.declared_unit,
            "unit": result.product_footprint.unit,
            "quantity": plain(result.product_footprint.quantity),
            **{
                f"{name}_kg": plain(getattr(result.product_footprint, f"{name}_kg"))
                for name in (
                    "scope1",
                    "scope2_location",
                    "scope2_market",
                    "scope3",
                    "location",
                    "market",
                )
            },
        },
        "cbam": None
        if result.cbam is None
        else {
            "goods_tonnes": plain(result.cbam.goods_tonnes),
            "direct_t": plain(result.cbam.direct_t),
            "indirect_t": plain(result.cbam.indirect_t),
            "direct_t_per_t": plain(result.cbam.direct_t_per_t),
            "indirect_t_per_t": plain(result.cbam.indirect_t_per_t),
            "total_t_per_t": plain(result.cbam.total_t_per_t),
        },
        "data_quality": _d(result.data_quality),
        "misstatement": {
            "lines": result.misstatement.lines,
            "reported_kg": plain(result.misstatement.reported_kg),
            "verified_kg": plain(result.misstatement.verified_kg),
            "misstatement": _d(result.misstatement.misstatement),
            "materiality": plain(result.misstatement.materiality),
            "material": result.misstatement.material,
        },
        "material": result.material,
        "flags": _flags(result.flags),
        "lines": [_line(r, factors) for r in result.lines],
        "factors": factors,
    }


def _line(r: LineResult, factors: dict[str, dict[str, Any]]) -> dict[str, Any]:
    line = r.line
    return {
        "line": {
            "id": line.id,
            "scope": line.scope,
            "category": line.category,
            "factor": line.factor,
            "quantity": as_given(line.quantity),
            "unit": line.unit,
            "site": line.site,
            "period_start": line.period_start.isoformat() if line.period_start else None,
            "period_end": line.period_end.isoformat() if line.period_end else None,
            "data_type": line.data_type,
            "evidence": list(line.evidence),
            "verified_quantity": _given(line.verified_quantity),
            "verified_reason": line.verified_reason,
            "instruments": list(line.instruments),
        },
        "factor": factors[r.factor.key],
        "basis_quantity": plain(r.basis_quantity),
        "basis_unit": r.factor.basis_unit,
        "energy_tj": _d(r.energy_tj),
        "co2_kg": _d(r.co2_kg),
        "ch4_kg": _d(r.ch4_kg),
        "n2o_kg": _d(r.n2o_kg),
        "co2e_kg": plain(r.co2e_kg),
        "co2e_method": r.co2e_method,
        "market_co2e_kg": plain(r.market_co2e_kg),
        "market": _market(r.market),
        "data_quality": r.data_quality,
        "verification": _verification(r.verification),
        "chain": list(r.chain),
        "flags": _flags(r.flags),
    }


def _market(m: MarketBased | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "consumption_mwh": plain(m.consumption_mwh),
        "allocations": [
            {
                "tracking_id": a.tracking_id,
                "kind": a.kind,
                "mwh": plain(a.mwh),
                "factor_kg_per_kwh": as_given(a.factor_kg_per_kwh),
                "co2e_kg": plain(a.co2e_kg),
            }
            for a in m.allocations
        ],
        "remainder_mwh": plain(m.remainder_mwh),
        "remainder_factor": m.remainder_factor.key,
        "remainder_method": m.remainder_method,
        "remainder_co2e_kg": plain(m.remainder_co2e_kg),
        "co2e_kg": plain(m.co2e_kg),
        "chain": list(m.chain),
    }


def _verification(v: Verification | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "quantity": as_given(v.quantity),
        "reason": v.reason,
        "co2e_kg": plain(v.co2e_kg),
        "difference_kg": plain(v.difference_kg),
        "misstatement": _d(v.misstatement),
    }


def _factor(f: Factor) -> dict[str, Any]:
    return {
        "key": f.key,
        "dataset": f.dataset,
        "version": f.version,
        "region": f.region,
        "activity": f.activity,
        "table": f.table,
        "basis_unit": f.basis_unit,
        "co2": _given(f.co2),
        "ch4": _given(f.ch4),
        "n2o": _given(f.n2o),
        "co2e": _given(f.co2e),
        "ncv_tj_per_gg": _given(f.ncv_tj_per_gg),
        "gases": f.gases,
        "source": f.source,
        "licence": f.licence,
        "scope_hint": f.scope_hint,
        "kind": f.kind,
    }

"""The JSON schemas of the API's requests and answers (``components.schemas``), and the
small builders both this module and :mod:`verification.registry.openapi` use."""

from __future__ import annotations

from typing import Any

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _obj(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed object: every property listed is required unless named in ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [{"type": "null"}, schema]}


STRING = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
DECIMAL = {
    "type": "string",
    "pattern": DECIMAL_PATTERN,
    "description": "An exact decimal written as text, without exponent.",
}
DECIMAL_OR_NULL = {"oneOf": [{"type": "null"}, DECIMAL]}
# Input numbers: a decimal as a string ("12.5"), or a JSON integer; never a JSON float.
DECIMAL_IN = {
    "type": ["string", "integer"],
    "pattern": DECIMAL_PATTERN,
    "description": 'A decimal written as a string ("12.5"), or a JSON integer.',
}
WHOLE_IN = {"type": ["integer", "string"], "pattern": "^[0-9]+$"}
DATE_IN = {"type": "string", "format": "date"}
STRINGS = {"type": "array", "items": STRING}
NUMBER = {"type": "string", "pattern": r"^VS-[0-9]{4}-[0-9]{6}$"}

SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": STRING, "status": {"type": "integer"}}),
    "CarbonProblems": _obj(
        {
            "error": STRING,
            "problems": {
                "type": "array",
                "items": STRING,
                "minItems": 1,
                "description": "Every problem found, each naming its JSON path or line.",
            },
            "status": {"type": "integer", "const": 422},
        }
    ),
    "Statement": _obj(
        {
            "number": NUMBER,
            "status": {
                "enum": ["valid", "revoked", "superseded", "expired"],
                "description": "Computed when asked: a valid statement past valid_until "
                "reads expired.",
            },
            "organisation": STRING,
            "verification_body": STRING,
            "methodology": STRING,
            "issued_at": {"type": "string", "format": "date-time"},
            "valid_until": {"type": "string", "format": "date"},
            "revoked_at": {
                **_nullable({"type": "string", "format": "date-time"}),
                "description": "When the verification body revoked it; null if not revoked.",
            },
            "revocation_reason": {**TEXT_OR_NULL, "description": "The public reason."},
            "superseded_by": {
                **_nullable(NUMBER),
                "description": "The corrected statement that replaced this one.",
            },
            "superseded_at": _nullable({"type": "string", "format": "date-time"}),
            "supersession_reason": {**TEXT_OR_NULL, "description": "The public reason."},
            "supersedes": {
                **_nullable(NUMBER),
                "description": "The statement this one corrects and replaced.",
            },
            "pdf_sha256": SHA256,
            "data_sha256": SHA256,
            "timestamped_at": {
                **_nullable({"type": "string", "format": "date-time"}),
                "description": "The time the signature's RFC 3161 timestamp attests, from a "
                "timestamp authority; null when the statement was signed without one.",
            },
            "pdf_url": {"type": "string", "format": "uri"},
            "page_url": {"type": "string", "format": "uri"},
        }
    ),
    "StatementList": _obj(
        {
            "statements": {"type": "array", "items": _ref("Statement")},
            "total": {"type": "integer", "minimum": 0, "description": "Matches, all pages."},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "pages": {"type": "integer", "minimum": 1},
        }
    ),
    "Check": _obj(
        {
            "ok": {"type": ["boolean", "null"], "description": "null: could not be decided"},
            "message": {"type": "string", "description": "The answer in plain words."},
        }
    ),
    "VerifyReport": _obj(
        {
            "sha256": SHA256,
            "ok": {"type": "boolean", "description": "Every check passed."},
            "statement_number": {
                "type": ["string", "null"],
                "description": "The registered statement the file is, or claims to be.",
            },
            "checks": _obj(
                {
                    "signature_intact": _ref("Check"),
                    "signer_trusted": _ref("Check"),
                    "registered": _ref("Check"),
                    "status": _ref("Check"),
                },
                optional=("status",),
            ),
            "statement": _ref("Statement"),
        },
        optional=("statement",),
    ),
    # --- POST /api/v1/carbon/calc: the input document (docs/carbon.md) -------------------
    "CarbonInput": _obj(
        {
            "format": {"const": "carbon-input/1"},
            "gwp_set": {
                "enum": ["AR5", "AR6", "AR6-fossil-CH4", "AR6-non-fossil-CH4"],
                "default": "AR6",
            },
            "materiality": {**DECIMAL_IN, "default": "0.05"},
            "region": {"type": "string", "minLength": 1},
            "revenue": _obj(
                {"amount": DECIMAL_IN, "currency": {"enum": ["CNY", "USD", "EUR", "GBP"]}}
            ),
            "employees": DECIMAL_IN,
            "production": _obj(
                {
                    "quantity": DECIMAL_IN,
                    "unit": {"type": "string", "minLength": 1},
                    "declared_unit": {"type": "string", "minLength": 1},
                }
            ),
            "cbam_goods_tonnes": DECIMAL_IN,
            "instruments": {"type": "array", "items": _ref("InstrumentIn")},
            "lines": {"type": "array", "items": _ref("LineIn")},
        },
        optional=(
            "format",
            "gwp_set",
            "materiality",
            "region",
            "revenue",
            "employees",
            "production",
            "cbam_goods_tonnes",
            "instruments",
        ),
    ),
    "InstrumentIn": _obj(
        {
            "tracking_id": {"type": "string", "minLength": 1},
            "kind": {"enum": ["gec", "go", "irec", "ppa", "supplier"]},
            "volume_mwh": DECIMAL_IN,
            "vintage": WHOLE_IN,
            "region": {"type": "string", "minLength": 1},
            "factor_kg_per_kwh": {**DECIMAL_IN, "default": "0"},
        },
        optional=("region", "factor_kg_per_kwh"),
    ),
    "LineIn": _obj(
        {
            "id": {"type": "string", "minLength": 1},
            "scope": {"type": ["integer", "string"], "enum": [1, 2, 3, "1", "2", "3"]},
            "category": {"type": "string", "minLength": 1},
            "factor": {"type": "string", "minLength": 1, "description": "A factor key."},
            "quantity": DECIMAL_IN,
            "unit": {"type": "string", "minLength": 1},
            "site": {"type": "string", "minLength": 1},
            "period_start": DATE_IN,
            "period_end": DATE_IN,
            "data_type": {"enum": ["metered", "invoice", "estimate", "spend"]},
            "evidence": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "verified_quantity": DECIMAL_IN,
            "verified_reason": {"type": "string", "minLength": 1},
            "instruments": {"type": "array", "items": {"type": "string", "minLength": 1}},
        },
        optional=(
            "site",
            "period_start",
            "period_end",
            "evidence",
            "verified_quantity",
            "verified_reason",
            "instruments",
        ),
    ),
    # --- the result (carbon/serialise.py) ---------------------------------------------
    "Flag": _obj(
        {
            "code": STRING,
            "severity": {"enum": ["warning", "info"]},
            "message": {"type": "string", "description": "In English."},
        }
    ),
    "Factor": _obj(
        {
            "key": STRING,
            "dataset": STRING,
            "version": STRING,
            "region": STRING,
            "activity": STRING,
            "table": STRING,
            "basis_unit": STRING,
            "co2": DECIMAL_OR_NULL,
            "ch4": DECIMAL_OR_NULL,
            "n2o": DECIMAL_OR_NULL,
            "co2e": DECIMAL_OR_NULL,
            "ncv_tj_per_gg": DECIMAL_OR_NULL,
            "gases": STRING,
            "source": STRING,
            "licence": STRING,
            "scope_hint": {"type": ["integer", "null"]},
            "kind": {"enum": ["grid_average", "residual_mix", "fuel", "other"]},
        }
    ),
    "LineEcho": _obj(
        {
            "id": STRING,
            "scope": {"enum": [1, 2, 3]},
            "category": STRING,
            "factor": STRING,
            "quantity": DECIMAL,
            "unit": STRING,
            "site": TEXT_OR_NULL,
            "period_start": _nullable({"type": "string", "format": "date"}),
            "period_end": _nullable({"type": "string", "format": "date"}),
            "data_type": STRING,
            "evidence": STRINGS,
            "verified_quantity": DECIMAL_OR_NULL,
            "verified_reason": TEXT_OR_NULL,
            "instruments": STRINGS,
        }
    ),
    "Market": _obj(
        {
            "consumption_mwh": DECIMAL,
            "allocations": {
                "type": "array",
                "items": _obj(
                    {
                        "tracking_id": STRING,
                        "kind": STRING,
                        "mwh": DECIMAL,
                        "factor_kg_per_kwh": DECIMAL,
                        "co2e_kg": DECIMAL,
                    }
                ),
            },
            "remainder_mwh": DECIMAL,
            "remainder_factor": STRING,
            "remainder_method": {"enum": ["residual_mix", "grid_average"]},
            "remainder_co2e_kg": DECIMAL,
            "co2e_kg": DECIMAL,
            "chain": STRINGS,
        }
    ),
    "LineResult": _obj(
        {
            "line": _ref("LineEcho"),
            "factor": _ref("Factor"),
            "basis_quantity": DECIMAL,
            "basis_unit": STRING,
            "energy_tj": DECIMAL_OR_NULL,
            "co2_kg": DECIMAL_OR_NULL,
            "ch4_kg": DECIMAL_OR_NULL,
            "n2o_kg": DECIMAL_OR_NULL,
            "co2e_kg": DECIMAL,
            "co2e_method": {"enum": ["gwp", "published"]},
            "market_co2e_kg": DECIMAL,
            "market": _nullable(_ref("Market")),
            "data_quality": {"type": "integer", "minimum": 1, "maximum": 5},
            "verification": _nullable(
                _obj(
                    {
                        "quantity": DECIMAL,
                        "reason": TEXT_OR_NULL,
                        "co2e_kg": DECIMAL,
                        "difference_kg": DECIMAL,
                        "misstatement": DECIMAL_OR_NULL,
                    }
                )
            ),
            "chain": STRINGS,
            "flags": {"type": "array", "items": _ref("Flag")},
        }
    ),
    "CarbonResult": _obj(
        {
            "engine_version": STRING,
            "gwp": _obj(
                {
                    "set": STRING,
                    "co2": DECIMAL,
                    "ch4": DECIMAL,
                    "n2o": DECIMAL,
                    "description": STRING,
                    "source": STRING,
                }
            ),
            "totals": _obj(
                {
                    "scope1_kg": DECIMAL,
                    "scope2_location_kg": DECIMAL,
                    "scope2_market_kg": DECIMAL,
                    "scope3_kg": DECIMAL,
                    "scope3_by_category": {"type": "object", "additionalProperties": DECIMAL},
                    "location_kg": DECIMAL,
                    "market_kg": DECIMAL,
                }
            ),
            "intensities": {
                "type": "array",
                "items": _obj(
                    {
                        "basis": STRING,
                        "per": STRING,
                        "denominator": DECIMAL,
                        "location_kg": DECIMAL,
                        "market_kg": DECIMAL,
                    }
                ),
            },
            "product_footprint": _nullable(
                _obj(
                    {
                        "declared_unit": STRING,
                        "unit": STRING,
                        "quantity": DECIMAL,
                        "scope1_kg": DECIMAL,
                        "scope2_location_kg": DECIMAL,
                        "scope2_market_kg": DECIMAL,
                        "scope3_kg": DECIMAL,
                        "location_kg": DECIMAL,
                        "market_kg": DECIMAL,
                    }
                )
            ),
            "cbam": _nullable(
                _obj(
                    {
                        "goods_tonnes": DECIMAL,
                        "direct_t": DECIMAL,
                        "indirect_t": DECIMAL,
                        "direct_t_per_t": DECIMAL,
                        "indirect_t_per_t": DECIMAL,
                        "total_t_per_t": DECIMAL,
                    }
                )
            ),
            "data_quality": DECIMAL_OR_NULL,
            "misstatement": _obj(
                {
                    "lines": {"type": "integer", "minimum": 0},
                    "reported_kg": DECIMAL,
                    "verified_kg": DECIMAL,
                    "misstatement": DECIMAL_OR_NULL,
                    "materiality": DECIMAL,
                    "material": {"type": "boolean"},
                }
            ),
            "material": {"type": "boolean"},
            "flags": {"type": "array", "items": _ref("Flag")},
            "lines": {"type": "array", "items": _ref("LineResult")},
            "factors": {"type": "object", "additionalProperties": _ref("Factor")},
        }
    ),
}

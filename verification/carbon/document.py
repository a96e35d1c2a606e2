"""The JSON document the CLI (``flask carbon calc``) and the API take, and the result back.

Numbers are JSON strings ("12.5") so nothing passes through a binary float; integers are
also accepted where a whole number is meant. The format is documented, with a worked
example, in docs/carbon.md. Every problem is reported at once, each naming its JSON path.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from ..messages import N_, Message
from .errors import CarbonError
from .model import ActivityLine, CalcInput, Instrument
from .serialise import result_to_dict

__all__ = ["FORMAT", "parse_document", "result_to_dict"]

FORMAT = "carbon-input/1"
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TOP = {
    "format",
    "gwp_set",
    "materiality",
    "region",
    "revenue",
    "employees",
    "production",
    "cbam_goods_tonnes",
    "instruments",
    "lines",
}
_LINE = {
    "id",
    "scope",
    "category",
    "factor",
    "quantity",
    "unit",
    "site",
    "period_start",
    "period_end",
    "data_type",
    "evidence",
    "verified_quantity",
    "verified_reason",
    "instruments",
}
_INSTRUMENT = {"tracking_id", "kind", "volume_mwh", "vintage", "region", "factor_kg_per_kwh"}


class _Reader:
    """Reads typed values out of JSON objects, noting each problem with its path."""

    def __init__(self) -> None:
        self.problems: list[Message] = []

    def problem(self, path: str, message: Message | str) -> None:
        self.problems.append(N_("%(path)s: %(problem)s", path=path, problem=message))

    def obj(self, value: Any, path: str, keys: set[str], required: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, N_("must be an object."))
            return None
        for key in sorted(set(value) - keys, key=str):
            self.problem(f"{path}.{key}", N_("unknown field."))
        for key in sorted(required - set(value)):
            self.problem(f"{path}.{key}", N_("is required."))
        return value

    def decimal(self, value: Any, path: str) -> Decimal | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
            return Decimal(value.strip())
        if isinstance(value, float):
            self.problem(
                path, N_('write the number as a string, e.g. "12.5", so no digit is lost.')
            )
        else:
            self.problem(path, N_('must be a decimal number written as a string, e.g. "12.5".'))
        return None

    def integer(self, value: Any, path: str) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        self.problem(path, N_("must be a whole number."))
        return None

    def text(self, value: Any, path: str, *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(path, N_("must be a non-empty string."))
        return None

    def day(self, value: Any, path: str) -> date | None:
        if value is None:
            return None
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(path, N_("must be a date written YYYY-MM-DD."))
        return None

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.problem(path, N_("must be a list of strings."))
            return ()
        found = [self.text(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return tuple(v for v in found if v is not None)

    def build(self, path: str, make: Any, **fields: Any) -> Any:
        """The model object, or None (noting why) when a field is missing or invalid."""
        if any(v is _BAD for v in fields.values()):
            return None
        try:
            return make(**fields)
        except CarbonError as exc:
            self.problem(path, exc.message)
            return None


_BAD = object()  # a field already reported as a problem


def parse_document(doc: dict) -> CalcInput:
    """The calculation input in a JSON document (already parsed into Python objects).

    Raises :class:`CarbonError`; its ``problems`` name every bad field by JSON path.
    """
    r = _Reader()
    top = r.obj(doc, "$", _TOP, {"lines"})
    if top is None:
        raise CarbonError(N_("The document has problems."), problems=tuple(r.problems))
    if "format" in top and top["format"] != FORMAT:
        r.problem("$.format", N_("must be %(format)s.", format=FORMAT))

    def get(obj: dict, key: str, path: str, read: Any, default: Any = None) -> Any:
        """The field read with ``read``; ``default`` when absent (``_BAD``: required)."""
        if key not in obj or obj[key] is None:
            if default is _BAD and key in obj:  # absent ones were reported by r.obj
                r.problem(f"{path}.{key}", N_("is required."))
            return default
        value = read(obj[key], f"{path}.{key}")
        return _BAD if value is None else value

    instruments = []
    raw_instruments = top.get("instruments", [])
    if not isinstance(raw_instruments, list):
        r.problem("$.instruments", N_("must be a list."))
        raw_instruments = []
    for i, raw in enumerate(raw_instruments):
        path = f"$.instruments[{i}]"
        item = r.obj(raw, path, _INSTRUMENT, {"tracking_id", "kind", "volume_mwh", "vintage"})
        if item is None:
            continue
        fields = {
            "tracking_id": get(item, "tracking_id", path, r.text, _BAD),
            "kind": get(item, "kind", path, r.text, _BAD),
            "volume_mwh": get(item, "volume_mwh", path, r.decimal, _BAD),
            "vintage": get(item, "vintage", path, r.integer, _BAD),
            "region": get(item, "region", path, r.text),
            "factor_kg_per_kwh": get(item, "factor_kg_per_kwh", path, r.decimal, Decimal(0)),
        }
        instruments.append(r.build(path, Instrument, **fields))

    lines = []
    raw_lines = top.get("lines")
    if not isinstance(raw_lines, list):
        if "lines" in top:
            r.problem("$.lines", N_("must be a list."))
        raw_lines = []
    required = {"id", "scope", "category", "factor", "quantity", "unit", "data_type"}
    for i, raw in enumerate(raw_lines):
        path = f"$.lines[{i}]"
        item = r.obj(raw, path, _LINE, required)
        if item is None:
            continue
        fields = {
            "id": get(item, "id", path, r.text, _BAD),
            "scope": get(item, "scope", path, r.integer, _BAD),
            "category": get(item, "category", path, r.text, _BAD),
            "factor": get(item, "factor", path, r.text, _BAD),
            "quantity": get(item, "quantity", path, r.decimal, _BAD),
            "unit": get(item, "unit", path, r.text, _BAD),
            "site": get(item, "site", path, r.text),
            "period_start": get(item, "period_start", path, r.day),
            "period_end": get(item, "period_end", path, r.day),
            "data_type": get(item, "data_type", path, r.text, _BAD),
            "evidence": get(item, "evidence", path, r.texts, ()),
            "verified_quantity": get(item, "verified_quantity", path, r.decimal),
            "verified_reason": get(item, "verified_reason", path, r.text),
            "instruments": get(item, "instruments", path, r.texts, ()),
        }
        lines.append(r.build(path, ActivityLine, **fields))

    settings = {
        "gwp_set": get(top, "gwp_set", "$", r.text, "AR6"),
        "materiality": get(top, "materiality", "$", r.decimal, Decimal("0.05")),
        "region": get(top, "region", "$", r.text),
        "employees": get(top, "employees", "$", r.decimal),
        "cbam_goods_tonnes": get(top, "cbam_goods_tonnes", "$", r.decimal),
        "revenue": _revenue(r, top.get("revenue")),
        "production": _production(r, top.get("production")),
    }
    result = None
    if not r.problems and None not in lines and None not in instruments:
        result = r.build("$", CalcInput, lines=lines, instruments=instruments, **settings)
    if result is None:
        raise CarbonError(N_("The document has problems."), problems=tuple(r.problems))
    return result


def _revenue(r: _Reader, raw: Any) -> Any:
    if raw is None:
        return None
    item = r.obj(raw, "$.revenue", {"amount", "currency"}, {"amount", "currency"})
    if item is None or "amount" not in item or "currency" not in item:
        return _BAD
    amount = r.decimal(item["amount"], "$.revenue.amount")
    currency = r.text(item["currency"], "$.revenue.currency")
    return _BAD if amount is None or currency is None else (amount, currency)


def _production(r: _Reader, raw: Any) -> Any:
    if raw is None:
        return None
    keys = {"quantity", "unit", "declared_unit"}
    item = r.obj(raw, "$.production", keys, keys)
    if item is None or not keys <= set(item):
        return _BAD
    quantity = r.decimal(item["quantity"], "$.production.quantity")
    unit = r.text(item["unit"], "$.production.unit")
    label = r.text(item["declared_unit"], "$.production.declared_unit")
    if quantity is None or unit is None or label is None:
        return _BAD
    return (quantity, unit, label)

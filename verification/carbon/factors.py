"""Emission factors as data with provenance, loaded from CSV and checked row by row.

The CSV format (one header row, then one factor per row; UTF-8, a BOM is allowed) is the
one an admin uses to import a new dataset version. Columns, all required in the header:

key            unique id a case's activity lines refer to, e.g. ``ipcc2006-t2.3-gas-diesel-oil``
               (lower case letters, digits, ``.``, ``_``, ``-``)
dataset        the publication series, e.g. "UK DESNZ greenhouse gas conversion factors"
version        the dataset version, e.g. "2024"
region         where the factor applies, e.g. ``CN``, ``GB``, ``CN-GD``, ``GLOBAL``
activity       what the factor is for, e.g. "gas/diesel oil, stationary combustion"
table          the table in the source, e.g. "Vol. 2 Ch. 2 Table 2.3" (may be empty)
basis_unit     the unit the values are per (TJ, kWh, litre, tkm, GBP, ...)
co2, ch4, n2o  kg of each gas per basis unit (empty where not published)
co2e           kg CO2e per basis unit as published, for datasets that publish only CO2e
               (give either per-gas values or co2e, not both)
ncv_tj_per_gg  net calorific value (TJ per Gg), for fuel factors per unit of energy, so a
               mass of fuel can be converted to energy
gases          what the values cover, e.g. "CO2", "CO2, CH4, N2O", "CO2e (dataset's own GWP)"
source         the publication, e.g. "MEE and NBS of China, announcement No. 47 of 2025"
licence        the licence of the publication
scope_hint     1, 2, 3 or empty
kind           grid_average, residual_mix, fuel or other

Numbers are plain decimals ("0.18290", "74100"): no exponent, no thousands separator, no
sign. Row numbers in errors count the header as row 1, as a spreadsheet does.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from ..messages import N_, Message
from .errors import CarbonError
from .missing import MISSING, MissingFactor
from .units import is_convertible

__all__ = [
    "COLUMNS",
    "DATA_DIR",
    "KINDS",
    "MISSING",
    "Factor",
    "FactorLibrary",
    "MissingFactor",
    "load_csv",
    "shipped_library",
]

DATA_DIR = Path(__file__).with_name("data")
KINDS = ("grid_average", "residual_mix", "fuel", "other")
COLUMNS = (
    "key",
    "dataset",
    "version",
    "region",
    "activity",
    "table",
    "basis_unit",
    "co2",
    "ch4",
    "n2o",
    "co2e",
    "ncv_tj_per_gg",
    "gases",
    "source",
    "licence",
    "scope_hint",
    "kind",
)
_REQUIRED_TEXT = ("dataset", "version", "region", "activity", "gases", "source", "licence")
_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class Factor:
    key: str
    dataset: str
    version: str
    region: str
    activity: str
    table: str
    basis_unit: str
    co2: Decimal | None
    ch4: Decimal | None
    n2o: Decimal | None
    co2e: Decimal | None
    ncv_tj_per_gg: Decimal | None
    gases: str
    source: str
    licence: str
    scope_hint: int | None
    kind: str

    @property
    def per_gas(self) -> bool:
        """True when the factor gives gases separately (the case's GWP set applies)."""
        return self.co2e is None


class FactorLibrary(Mapping[str, Factor]):
    """Factors by key. Raises :class:`CarbonError` when two factors share a key."""

    def __init__(self, factors: Iterable[Factor]) -> None:
        by_key: dict[str, Factor] = {}
        for factor in factors:
            if factor.key in by_key:
                raise CarbonError(N_("Factor %(key)s is defined twice.", key=factor.key))
            by_key[factor.key] = factor
        self._factors = by_key

    def __getitem__(self, key: str) -> Factor:
        return self._factors[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._factors)

    def __len__(self) -> int:
        return len(self._factors)

    def get(self, key: str) -> Factor:  # type: ignore[override]
        """The factor. Raises :class:`CarbonError` when it is not in the library."""
        try:
            return self._factors[key]
        except (KeyError, TypeError):
            raise CarbonError(N_("Factor %(key)s is not in the library.", key=str(key))) from None

    def residual_mix(self, region: str) -> Factor | None:
        """The residual-mix factor for the region (the latest version if several), or None."""
        found = [
            f for f in self._factors.values() if f.kind == "residual_mix" and f.region == region
        ]
        return max(found, key=lambda f: (f.version, f.key)) if found else None


def load_csv(text: str, *, source_name: str) -> list[Factor]:
    """Every factor in a CSV text, or nothing.

    Raises :class:`CarbonError` whose ``problems`` name every bad row and why.
    """
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    if not rows:
        raise CarbonError(N_("%(source)s is empty.", source=source_name))
    header = [cell.strip() for cell in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise CarbonError(
            N_(
                "%(source)s: the header must name the columns %(columns)s "
                "(missing: %(missing)s; unknown: %(unknown)s).",
                source=source_name,
                columns=", ".join(COLUMNS),
                missing=", ".join(missing) or "none",
                unknown=", ".join(unknown) or "none",
            )
        )
    factors: list[Factor] = []
    problems: list[Message] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line, as spreadsheets leave at the end
        if len(row) != len(header):
            reason = N_(
                "%(found)s cells where the header has %(expected)s.",
                found=len(row),
                expected=len(header),
            )
            problems.append(_row_problem(source_name, number, reason))
            continue
        cells = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        reasons = _check_row(cells)
        key = cells["key"]
        if key in seen:
            reasons.append(
                N_("key %(key)s is already used in row %(row)s.", key=key, row=seen[key])
            )
        seen.setdefault(key, number)
        if reasons:
            problems.extend(_row_problem(source_name, number, r) for r in reasons)
        else:
            factors.append(_factor(cells))
    if problems:
        raise CarbonError(
            N_(
                "%(source)s has bad rows; nothing was loaded.",
                source=source_name,
            ),
            problems=tuple(problems),
        )
    return factors


def _row_problem(source_name: str, number: int, reason: Message) -> Message:
    return N_("%(source)s row %(row)s: %(reason)s", source=source_name, row=number, reason=reason)


def _check_row(cells: dict[str, str]) -> list[Message]:
    reasons: list[Message] = []
    if not _KEY.fullmatch(cells["key"]):
        reasons.append(
            N_(
                "key %(key)s must be 1 to 128 lower-case letters, digits, '.', '_' or '-'.",
                key=cells["key"],
            )
        )
    reasons += [N_("%(column)s is empty.", column=c) for c in _REQUIRED_TEXT if not cells[c]]
    for column in ("co2", "ch4", "n2o", "co2e", "ncv_tj_per_gg"):
        if cells[column] and not _NUMBER.fullmatch(cells[column]):
            reasons.append(
                N_(
                    "%(column)s %(value)s is not a plain decimal number such as 0.18290.",
                    column=column,
                    value=cells[column],
                )
            )
    per_gas = any(cells[c] for c in ("co2", "ch4", "n2o"))
    if per_gas and cells["co2e"]:
        reasons.append(N_("give per-gas values (co2, ch4, n2o) or co2e, not both."))
    if not per_gas and not cells["co2e"]:
        reasons.append(N_("no value: give co2 (with ch4 and n2o if published) or co2e."))
    energy_basis = False
    try:
        energy_basis = is_convertible(cells["basis_unit"], "TJ")
    except CarbonError as exc:
        reasons.append(N_("basis_unit: %(reason)s", reason=exc.message))
    if cells["ncv_tj_per_gg"] and not energy_basis:
        reasons.append(N_("ncv_tj_per_gg needs an energy basis_unit (such as TJ)."))
    if cells["kind"] not in KINDS:
        reasons.append(
            N_("kind %(kind)s is not one of %(kinds)s.", kind=cells["kind"], kinds=", ".join(KINDS))
        )
    if cells["kind"] in ("grid_average", "residual_mix") and not energy_basis:
        reasons.append(N_("an electricity factor needs an energy basis_unit (such as kWh)."))
    if cells["scope_hint"] not in ("", "1", "2", "3"):
        reasons.append(N_("scope_hint must be 1, 2, 3 or empty."))
    return reasons


def _factor(cells: dict[str, str]) -> Factor:
    def number(column: str) -> Decimal | None:
        return Decimal(cells[column]) if cells[column] else None

    return Factor(
        key=cells["key"],
        dataset=cells["dataset"],
        version=cells["version"],
        region=cells["region"],
        activity=cells["activity"],
        table=cells["table"],
        basis_unit=cells["basis_unit"],
        co2=number("co2"),
        ch4=number("ch4"),
        n2o=number("n2o"),
        co2e=number("co2e"),
        ncv_tj_per_gg=number("ncv_tj_per_gg"),
        gases=cells["gases"],
        source=cells["source"],
        licence=cells["licence"],
        scope_hint=int(cells["scope_hint"]) if cells["scope_hint"] else None,
        kind=cells["kind"],
    )


@cache
def shipped_library() -> FactorLibrary:
    """Every factor shipped in ``data/*.csv``. Raises :class:`CarbonError` if one is bad."""
    factors: list[Factor] = []
    for path in sorted(DATA_DIR.glob("*.csv")):
        factors += load_csv(path.read_text(encoding="utf-8"), source_name=path.name)
    return FactorLibrary(factors)

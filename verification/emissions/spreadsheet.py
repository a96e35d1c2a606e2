"""Activity lines from CSV or XLSX, all or nothing; lines and results back out as CSV.

Every bad row is reported with its row number and reason, and nothing is imported when any
row is bad. XLSX is read with openpyxl in read-only mode (values, not formulas).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import load_workbook

from .forms import CATEGORIES, scope_of
from .models import DATA_TYPES, ActivityLine
from .services import EmissionsError, check_line, number

COLUMNS = (
    "category",
    "factor",
    "quantity",
    "unit",
    "site",
    "period_start",
    "period_end",
    "data_type",
)
REQUIRED = ("category", "factor", "quantity", "unit", "data_type")
MAX_ROWS = 5000
_CATEGORY_KEYS = {c.value for c in CATEGORIES}

TEMPLATE_EXAMPLE = (
    "purchased_electricity",
    "cn-mee-2023-national-grid",
    "23580",
    "kWh",
    "Shaoxing mill",
    "2025-01-01",
    "2025-12-31",
    "metered",
)


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return out.getvalue()


def read_rows(data: bytes, filename: str) -> list[dict[str, str]]:
    """Rows as dicts of text. Raises :class:`EmissionsError` for an unreadable file."""
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EmissionsError([_("The file is neither UTF-8 CSV nor XLSX.")]) from None
    reader = csv.DictReader(io.StringIO(text))
    return [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def _xlsx_rows(data: bytes) -> list[dict[str, str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise EmissionsError([_("The XLSX file could not be read.")]) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(c or "").strip().lower() for c in next(rows, ())]
        return [
            {header[i]: _cell(v) for i, v in enumerate(values) if i < len(header) and header[i]}
            for values in rows
            if any(v not in (None, "") for v in values)
        ]
    finally:
        book.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # A spreadsheet number arrives as a float: its shortest repr is what the user typed.
        return repr(value)
    return str(value).strip()


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def parse_rows(rows: list[dict[str, str]]) -> list[ActivityLine]:
    """Checked, unsaved lines. Raises :class:`EmissionsError` naming every bad row."""
    if not rows:
        raise EmissionsError([_("The file has no rows.")])
    if len(rows) > MAX_ROWS:
        raise EmissionsError([_("At most %(n)d rows per import.", n=MAX_ROWS)])
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise EmissionsError([_("Missing columns: %(cols)s.", cols=", ".join(missing))])
    lines, problems = [], []
    for number_, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            lines.append(_line(row))
        except EmissionsError as exc:
            problems += [_("Row %(n)d: %(reason)s", n=number_, reason=p) for p in exc.problems]
        except ValueError:
            problems.append(_("Row %(n)d: dates are written YYYY-MM-DD.", n=number_))
    if problems:
        raise EmissionsError(problems)
    return lines


def _line(row: dict[str, str]) -> ActivityLine:
    blank = [c for c in REQUIRED if not row.get(c)]
    if blank:
        raise EmissionsError([_("empty %(cols)s.", cols=", ".join(blank))])
    if row["category"] not in _CATEGORY_KEYS:
        raise EmissionsError([_("unknown category %(c)s.", c=row["category"])])
    if row["data_type"] not in DATA_TYPES:
        raise EmissionsError([_("data_type must be one of %(t)s.", t=", ".join(DATA_TYPES))])
    line = ActivityLine(
        scope=scope_of(row["category"]),
        category=row["category"],
        factor_key=row["factor"],
        quantity=number(row["quantity"], _("quantity")),
        unit=row["unit"],
        site=row.get("site") or None,
        period_start=_date(row.get("period_start", "")),
        period_end=_date(row.get("period_end", "")),
        data_type=row["data_type"],
        evidence_refs="",
        source="import",
    )
    if line.period_start and line.period_end and line.period_end < line.period_start:
        raise EmissionsError([_("the period ends before it starts.")])
    line.id = 0  # gives the engine a reference for its messages while unsaved
    check_line(line)
    line.id = None
    return line


EXPORT_COLUMNS = (
    "line",
    "scope",
    *COLUMNS,
    "evidence",
    "co2_kg",
    "ch4_kg",
    "n2o_kg",
    "co2e_kg",
    "market_co2e_kg",
    "gwp_set",
    "data_quality",
    "factor_source",
    "verified_quantity",
    "verified_reason",
)


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(lines: list[ActivityLine], results: dict[str, dict], gwp_set: str = "") -> str:
    """Lines with their engine results (emissions as exact decimal text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for line in lines:
        r = results.get(line.ref, {})
        writer.writerow(
            (
                line.ref,
                line.scope,
                line.category,
                line.factor_key,
                line.quantity,
                line.unit,
                _safe(line.site or ""),
                line.period_start or "",
                line.period_end or "",
                line.data_type,
                line.evidence_refs,
                r.get("co2_kg") or "",
                r.get("ch4_kg") or "",
                r.get("n2o_kg") or "",
                r.get("co2e_kg", ""),
                r.get("market_co2e_kg", ""),
                gwp_set,
                r.get("data_quality", ""),
                r.get("factor", {}).get("source", ""),
                line.verified_quantity or "",
                _safe(line.verified_reason or ""),
            )
        )
    return out.getvalue()

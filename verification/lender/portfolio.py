"""The portfolio summary of a watchlist, and its CSV export.

For each watched organisation its latest statement (the most recently issued, whatever its
status) is read from the statement's own data, as registered:

- status: :meth:`Statement.current_status` today (a valid statement past its date reads
  expired);
- grade and overall score: ``data["score"]``;
- emissions: ``data["carbon"]["total_location_t"]`` and ``["total_market_t"]``, tonnes
  CO2e written as decimal text, summed exactly;
- data quality: ``data["carbon"]["data_quality"]`` (1 best to 5 worst), averaged weighted
  by each statement's location-based total, so a large emitter's data counts for more.

Status counts take every latest statement; the grades, emissions and data quality leave
out revoked ones (their figures are no longer vouched for by anyone).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from ..statements.models import Statement, StatementStatus

STATUSES = tuple(str(s) for s in StatementStatus)


def _decimal(value) -> Decimal | None:
    if not isinstance(value, str | int):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass
class Row:
    organisation: object  # accounts.models.Organisation
    statement: Statement | None = None
    status: str | None = None
    grade: str | None = None
    overall: str | None = None
    location_t: Decimal | None = None
    market_t: Decimal | None = None
    data_quality: Decimal | None = None
    note: str = ""

    @property
    def counted(self) -> bool:
        """Whether the figures count in the summary (a statement, not revoked)."""
        return self.statement is not None and self.status != StatementStatus.REVOKED


@dataclass
class Summary:
    rows: list[Row]
    statuses: dict[str, int] = field(default_factory=dict)
    grades: dict[str, int] = field(default_factory=dict)
    location_t: Decimal = Decimal(0)
    market_t: Decimal = Decimal(0)
    data_quality: Decimal | None = None

    def as_dict(self) -> dict:
        return {
            "organisations": len(self.rows),
            "statuses": self.statuses,
            "grades": self.grades,
            "emissions_location_t": _text(self.location_t),
            "emissions_market_t": _text(self.market_t),
            "data_quality": _text(self.data_quality),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def row_of(organisation, statement: Statement | None, today: date, note: str = "") -> Row:
    row = Row(organisation=organisation, statement=statement, note=note)
    if statement is None:
        return row
    row.status = str(statement.current_status(today))
    try:
        data = json.loads(statement.data_json)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    score = data.get("score") if isinstance(data.get("score"), dict) else {}
    row.grade = score.get("grade") if isinstance(score.get("grade"), str) else None
    overall = score.get("overall")
    row.overall = str(overall) if isinstance(overall, str | int | float) else None
    carbon = data.get("carbon") if isinstance(data.get("carbon"), dict) else {}
    row.location_t = _decimal(carbon.get("total_location_t"))
    row.market_t = _decimal(carbon.get("total_market_t"))
    row.data_quality = _decimal(carbon.get("data_quality"))
    return row


def summarise(rows: list[Row]) -> Summary:
    summary = Summary(rows=rows)
    statuses = Counter(r.status for r in rows if r.status is not None)
    summary.statuses = {s: statuses.get(s, 0) for s in STATUSES}
    counted = [r for r in rows if r.counted]
    grades = Counter(r.grade for r in counted if r.grade is not None)
    summary.grades = dict(sorted(grades.items()))
    summary.location_t = sum(
        (r.location_t for r in counted if r.location_t is not None), Decimal(0)
    )
    summary.market_t = sum((r.market_t for r in counted if r.market_t is not None), Decimal(0))
    weighted = [
        (r.data_quality, r.location_t)
        for r in counted
        if r.data_quality is not None and r.location_t is not None and r.location_t > 0
    ]
    weight = sum((w for _dq, w in weighted), Decimal(0))
    if weight > 0:
        mean = sum((dq * w for dq, w in weighted), Decimal(0)) / weight
        summary.data_quality = mean.quantize(Decimal("0.01"))
    return summary


CSV_COLUMNS = (
    "organisation",
    "country",
    "sector",
    "note",
    "statement_number",
    "status",
    "issued_at",
    "valid_until",
    "grade",
    "overall",
    "emissions_location_t",
    "emissions_market_t",
    "data_quality",
)


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection), as
    ``emissions/spreadsheet.py`` writes them."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(rows: list[Row]) -> str:
    """One line per watched organisation; figures as exact decimal text, empty when absent.

    Text that comes from people (names, notes, grades) is neutralised; the figures are
    written by the platform and stay numbers.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        s = r.statement
        writer.writerow(
            (
                _safe(r.organisation.name),
                _safe(r.organisation.country or ""),
                _safe(r.organisation.sector or ""),
                _safe(r.note),
                s.number if s else "",
                r.status or "",
                s.issued_at.isoformat() if s else "",
                s.valid_until.isoformat() if s else "",
                _safe(r.grade or ""),
                _safe(r.overall or ""),
                _text(r.location_t) or "",
                _text(r.market_t) or "",
                _text(r.data_quality) or "",
            )
        )
    return out.getvalue()

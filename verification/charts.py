"""Small bar charts drawn on the server as SVG markup: the score page and the statement PDF.

Pure (no Flask): callers pass the words already translated. The output is a string of
SVG with explicit width, height and viewBox; the same arguments always give the same
bytes. Text is XML-escaped, numbers are printed with one decimal (half up), fonts are the
generic "sans-serif", and only presentation attributes are used (no ``style``), so the
markup passes a ``style-src 'self'`` Content-Security-Policy and WeasyPrint alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from html import escape

Value = Decimal | int | float | str | None

WIDTH = 480
LABEL_W = 170  # the label column, left of the bars
BAR_W = 200  # a full bar (100 points, or the largest value)
ROW = 24
BAR_H = 14
PAD = 6
FONT = 'font-family="sans-serif" font-size="12"'
INK, MUTED, TRACK, BAR = "#1d2733", "#5b6875", "#e8efec", "#0f6b4f"
HUNDRED = Decimal(100)


def number(value: Value) -> Decimal | None:
    """``value`` as a finite Decimal; None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        parsed = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return parsed if parsed.is_finite() else None


def one_decimal(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")


def _coord(value: Decimal) -> str:
    """A coordinate with at most two decimals, trailing zeros dropped (deterministic)."""
    text = format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pairs(items: Iterable[tuple[str, Value]] | Mapping[str, Value]) -> list[tuple[str, Value]]:
    return list(items.items()) if isinstance(items, Mapping) else [tuple(i) for i in items]


def _text(x: int | str, y: int | str, content: str, *, fill: str = INK, extra: str = "") -> str:
    return f'<text x="{x}" y="{y}" {FONT} fill="{fill}"{extra}>{escape(content)}</text>'


def _svg(rows: list[str], count: int, title: str) -> str:
    height = PAD * 2 + max(count, 1) * ROW
    label = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{label}">'
        f"<title>{label}</title>" + "".join(rows) + "</svg>"
    )


def _row(index: int, label: str, fraction: Decimal | None, shown: str, fill: str) -> str:
    """One row: its label, the track, the bar (``fraction`` of a full bar) and the figure."""
    top = PAD + index * ROW + (ROW - BAR_H) // 2
    baseline = top + BAR_H - 3
    parts = [
        _text(0, baseline, label),
        f'<rect x="{LABEL_W}" y="{top}" width="{BAR_W}" height="{BAR_H}" fill="{TRACK}"/>',
    ]
    if fraction is not None:
        width = _coord(min(max(fraction, Decimal(0)), Decimal(1)) * BAR_W)
        parts.append(
            f'<rect x="{LABEL_W}" y="{top}" width="{width}" height="{BAR_H}" fill="{BAR}"/>'
        )
        parts.append(_text(LABEL_W + BAR_W + 6, baseline, shown, fill=fill))
    else:
        parts.append(_text(LABEL_W + 4, baseline, shown, fill=MUTED, extra=' font-style="italic"'))
    return "<g>" + "".join(parts) + "</g>"


def pillar_bars(
    pillars: Iterable[tuple[str, Value]] | Mapping[str, Value],
    *,
    not_scored: str = "not scored",
    title: str = "Pillar scores, 0 to 100",
) -> str:
    """Horizontal bars 0-100, one per (title, score) pair, in the order given.

    A score that is None (or not a number) is drawn as an empty track reading
    ``not_scored``; a score outside 0-100 is printed as it is, its bar clipped.
    """
    rows = []
    items = _pairs(pillars)
    for i, (label, raw) in enumerate(items):
        value = number(raw)
        if value is None:
            rows.append(_row(i, str(label), None, not_scored, MUTED))
        else:
            rows.append(_row(i, str(label), value / HUNDRED, one_decimal(value), INK))
    return _svg(rows, len(items), title)


def scope_bars(
    totals: Iterable[tuple[str, Value]] | Mapping[str, Value],
    *,
    unit: str = "t CO2e",
    title: str = "Emissions by scope, t CO2e",
    not_available: str = "not available",
) -> str:
    """Horizontal bars, one per (label, value) pair, scaled to the largest value.

    Meant for Scope 1, Scope 2 location-based, Scope 2 market-based and Scope 3 in
    tonnes; a value that is None (or not a number) reads ``not_available``.
    """
    items = _pairs(totals)
    values = [number(v) for _label, v in items]
    largest = max((v for v in values if v is not None and v > 0), default=None)
    rows = []
    for i, ((label, _raw), value) in enumerate(zip(items, values, strict=True)):
        if value is None:
            rows.append(_row(i, str(label), None, not_available, MUTED))
            continue
        fraction = value / largest if largest else Decimal(0)
        rows.append(_row(i, str(label), fraction, f"{one_decimal(value)} {unit}", INK))
    return _svg(rows, len(items), title)

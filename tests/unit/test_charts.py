"""Server-drawn SVG bar charts: well-formed, deterministic, escaped, proportional."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from verification.charts import BAR_W, pillar_bars, scope_bars

SVG = "{http://www.w3.org/2000/svg}"
PILLARS = [("Environment", Decimal("80")), ("Social", Decimal("40")), ("Governance", None)]
SCOPES = [
    ("Scope 1", "1.250"),
    ("Scope 2 location-based", "12.341"),
    ("Scope 2 market-based", Decimal("4.87")),
    ("Scope 3", 0),
]


def bars(svg: str) -> list[float]:
    """Widths of the filled bars (the tracks are the full width, drawn in another colour)."""
    root = ET.fromstring(svg)
    return [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("fill") == "#0f6b4f"]


def texts(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_the_svg_is_well_formed_with_explicit_size_and_generic_font():
    for svg in (pillar_bars(PILLARS), scope_bars(SCOPES)):
        root = ET.fromstring(svg)
        width, height = root.get("width"), root.get("height")
        assert root.tag == f"{SVG}svg" and width and height
        assert root.get("viewBox") == f"0 0 {width} {height}"
        assert {t.get("font-family") for t in root.iter(f"{SVG}text")} == {"sans-serif"}
        assert " style=" not in svg and "<style" not in svg  # CSP: style-src 'self'


def test_output_is_deterministic():
    assert pillar_bars(PILLARS) == pillar_bars(list(PILLARS))
    assert scope_bars(SCOPES) == scope_bars(dict(SCOPES))
    assert pillar_bars({"E": "70.05"}) == pillar_bars([("E", Decimal("70.05"))])


def test_text_is_escaped():
    svg = pillar_bars(
        [("<b>E</b> & \"S\" 'G'", 50)], not_scored="<x>", title="A & B <script>alert(1)</script>"
    )
    assert "<b>" not in svg and "<script>" not in svg
    root = ET.fromstring(svg)  # still well-formed
    assert texts(svg)[0] == "<b>E</b> & \"S\" 'G'"
    assert root.get("aria-label") == "A & B <script>alert(1)</script>"
    assert root.find(f"{SVG}title").text == "A & B <script>alert(1)</script>"


def test_pillar_bars_are_proportional_to_0_100_and_printed_with_one_decimal():
    svg = pillar_bars([("E", 80), ("S", "40"), ("G", Decimal("12.25")), ("X", 150), ("Y", -3)])
    assert bars(svg) == [BAR_W * 0.8, BAR_W * 0.4, BAR_W * 0.1225, BAR_W, 0]
    assert texts(svg)[1::2] == ["80.0", "40.0", "12.3", "150.0", "-3.0"]


def test_a_pillar_without_score_is_drawn_as_not_scored():
    svg = pillar_bars(PILLARS, not_scored="nicht bewertet")
    assert len(bars(svg)) == 2  # no bar for Governance
    assert texts(svg)[-2:] == ["Governance", "nicht bewertet"]
    assert pillar_bars([("G", "n/a")]).count("not scored") == 1


def test_scope_bars_scale_to_the_largest_value():
    svg = scope_bars(SCOPES)
    widths = bars(svg)
    largest = 12.341
    expected = [1.25 / largest, 1, 4.87 / largest, 0]
    assert [round(w / BAR_W, 3) for w in widths] == [round(e, 3) for e in expected]
    assert texts(svg)[1::2] == ["1.3 t CO2e", "12.3 t CO2e", "4.9 t CO2e", "0.0 t CO2e"]
    assert "Scope 2 location-based" in texts(svg)


def test_scope_bars_all_zero_or_missing():
    svg = scope_bars([("Scope 1", 0), ("Scope 3", None)], not_available="n. a.")
    assert bars(svg) == [0]
    assert texts(svg)[-1] == "n. a."


def test_numbers_never_use_exponents():
    svg = pillar_bars([("E", Decimal("1E+1")), ("S", Decimal("0.00000001"))])
    assert not re.search(r"\d[eE][+-]?\d", svg)
    assert texts(svg)[1::2] == ["10.0", "0.0"]

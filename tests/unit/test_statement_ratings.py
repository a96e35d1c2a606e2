"""The statement's ratings section and its two charts (inline SVG drawn while rendering)."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from tests.unit.test_statement_pdf import SAMPLE, pdf_text, render

RATED = {
    "status": "verified",
    "band": 2,
    "intensity_kg": "0.0123",
    "basis": "revenue",
    "per": "CNY",
    "data_quality": "1.8333333333333333",
    "peers": 7,
    "why": "Intensity in quarter 2 of 7 verified peers (1 = lowest emissions).",
}
SCORE = {
    "overall": "72.5",
    "grade": "A",
    "pillars": {"E": "70.0", "S": "80.0", "G": None},
    "engine_version": "esg-2",
    "methodology": "sme-esg-core 1.0.0",
    "input_sha256": "1a2b3c4d5e6f7a8b" + "0" * 48,
    "output_sha256": "9f8e7d6c5b4a3f2e" + "0" * 48,
    "method": "engine esg-2: criterion points summed per theme",
    "carbon_rating": RATED,
}


@pytest.fixture(scope="module")
def rated_text(tmp_path_factory) -> str:
    pdf = render(dict(SAMPLE, score=SCORE))
    path = tmp_path_factory.mktemp("rated") / "rated.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_ratings_section_prints_grade_overall_band_quality_and_how(rated_text: str) -> None:
    text = " ".join(rated_text.split())
    assert "RATINGS" in text
    assert "ESG grade ESG 等级 A" in text  # labels are bilingual (English, Chinese)
    assert "Overall ESG score ESG 总分 72.5 / 100" in text
    assert "Quarter 2 of 7 verified peers" in text
    assert "Carbon data quality (1 best, 5 worst) 1.83" in text
    assert "scoring engine esg-2 applied the methodology sme-esg-core 1.0.0" in text
    assert "Input SHA-256 1a2b3c4d5e6f7a8b…, output SHA-256 9f8e7d6c5b4a3f2e…" in text
    assert "0" * 48 not in text  # hashes are shortened


def test_charts_are_drawn_from_the_data(rated_text: str) -> None:
    lines = [" ".join(line.split()) for line in rated_text.splitlines()]
    for drawn in ("Scope 2 location-based 12.3 t CO₂e", "Scope 1 1.3 t CO₂e", "Scope 3 0.0 t CO₂e"):
        assert any(drawn in line for line in lines), drawn
    assert any("Governance not scored" in line for line in lines)  # a column may follow


def test_not_rated_says_why(tmp_path: Path) -> None:
    why = "Not rated: the figures are self-declared; they are rated once verified."
    unrated = dict(RATED, status="self_declared", band=None, data_quality=None, why=why)
    text = " ".join(
        pdf_text(render(dict(SAMPLE, score=dict(SCORE, carbon_rating=unrated))), tmp_path).split()
    )
    assert "Carbon rating 碳评级 " + why in text and text.count("Not rated") == 1
    assert "Carbon data quality (1 best, 5 worst) not available" in text


def test_svg_renders_without_weasyprint_complaints(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render(dict(SAMPLE, score=SCORE))
    assert pdf.startswith(b"%PDF-")
    assert [record.getMessage() for record in caplog.records] == []

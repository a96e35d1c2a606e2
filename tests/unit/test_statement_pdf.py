"""Statement rendering: real WeasyPrint output checked with poppler's command-line tools."""

from __future__ import annotations

import gettext
import hashlib
import http.server
import json
import logging
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from weasyprint import CSS, HTML
from weasyprint.formatting_structure import boxes

from tests.pdftools import overlaps, words_on_last_page
from verification.statements.render import (
    SIGNATURE_BOX,
    ResourceRefused,
    StaticOnlyFetcher,
    render_statement_pdf,
    statement_json_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
BASE_URL = STATIC.as_uri() + "/"

SAMPLE: dict = {
    "number": "VS-2026-000001",
    "status": "valid",
    "issued_at": "2026-11-28T10:00:00+00:00",
    "valid_until": "2027-11-27",
    "organisation": {"name": "Riverside Textiles Co., Ltd.", "country": "CN", "sector": "textiles"},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
    "methodology": {"code": "sme-esg-starter", "version": "1.0.0", "title": "SME ESG Starter"},
    "verification_body": {"name": "Northbridge Assurance Ltd"},
    "verifier": "Anna Keller",
    "technical_reviewer": "Wei Zhang",
    "opinion": "unmodified",
    "score": {
        "overall": "72.5",
        "pillars": {"E": "70.0", "S": "80.0", "G": "65.0"},
        "method": "weighted sum of criterion points (engine starter-1)",
    },
    "carbon": {
        "engine_version": "carbon-2",
        "gwp": "AR6: IPCC AR6 GWP100",
        "scope1_t": "1.250",
        "scope2_location_t": "12.341",
        "scope2_market_t": "4.870",
        "scope3_t": "0.000",
        "total_location_t": "13.591",
        "total_market_t": "6.120",
        "data_quality": "1.80",
        "misstatement_pct": "0.42",
        "materiality_pct": "5.00",
        "material": False,
        "factors": [
            {
                "key": "cn-mee-2023-national-grid",
                "dataset": "China electricity CO2 emission factors",
                "version": "2023",
                "source": "MEE and NBS, announcement No. 47 of 2025",
            }
        ],
    },
    "findings": {
        "conforms": 5,
        "observation": 1,
        "minor_nc": 0,
        "major_nc": 0,
        "not_applicable": 0,
    },
    "criteria": [
        {"code": "E1", "title": "Energy use is metered", "finding": "conforms"},
        {"code": "S1", "title": "Safety training is recorded", "finding": "observation"},
    ],
    "registry_url": "http://127.0.0.1:5000/registry/VS-2026-000001",
}


def render(data: dict, **kwargs) -> bytes:
    options = {"templates_dir": TEMPLATES, "static_dir": STATIC, "base_url": BASE_URL}
    options.update(kwargs)
    return render_statement_pdf(data, **options)


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "text.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return run("pdftotext", "-layout", str(path), "-")


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render(SAMPLE)


def test_statement_json_bytes_is_sorted_utf8_json() -> None:
    data = {"number": "VS-1", "b": "Zürich", "a": 1}
    payload = statement_json_bytes(data)
    assert payload == '{\n  "a": 1,\n  "b": "Zürich",\n  "number": "VS-1"\n}'.encode()
    assert json.loads(payload) == data


def test_output_is_a_pdf(sample_pdf: bytes) -> None:
    assert sample_pdf.startswith(b"%PDF-")
    assert sample_pdf.rstrip().endswith(b"%%EOF")


def test_pdfa_metadata_and_embedded_fonts(sample_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "statement.pdf"
    path.write_bytes(sample_pdf)
    info = run("pdfinfo", str(path))
    assert "Title:           Verification statement VS-2026-000001" in info
    assert "Page size:       595.276 x 841.89 pts (A4)" in info
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages in (1, 2)
    meta = run("pdfinfo", "-meta", str(path))
    assert 'pdfaid:part="3"' in meta
    assert 'pdfaid:conformance="B"' in meta
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    assert fonts, "expected at least one font"
    for line in fonts:
        # columns: name type encoding emb sub uni object ID; emb must be "yes"
        assert line.split()[-5] == "yes", line


def test_statement_json_is_embedded_exactly(sample_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "statement.pdf"
    path.write_bytes(sample_pdf)
    listing = run("pdfdetach", "-list", str(path))
    assert listing.splitlines() == ["1 embedded files", "1: statement.json"]
    out = tmp_path / "extracted.json"
    run("pdfdetach", "-save", "1", "-o", str(out), str(path))
    assert out.read_bytes() == statement_json_bytes(SAMPLE)


def test_attachment_is_a_pdfa3_associated_file(sample_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "statement.pdf"
    path.write_bytes(sample_pdf)
    with path.open("rb") as handle:
        root = PdfFileReader(handle).root
        associated = root["/AF"]
        assert len(associated) == 1  # WeasyPrint 70 lists it twice unless we dedupe
        filespec = associated[0]
        assert filespec["/UF"] == "statement.json"
        assert filespec["/AFRelationship"] == "/Data"
        stream = filespec["/EF"]["/F"]
        assert stream["/Subtype"] == "/application/json"
        assert stream.data == statement_json_bytes(SAMPLE)


def test_page_shows_number_digest_and_figures(sample_pdf: bytes, tmp_path: Path) -> None:
    text = pdf_text(sample_pdf, tmp_path)
    assert "VS-2026-000001" in text
    assert hashlib.sha256(statement_json_bytes(SAMPLE)).hexdigest() in text
    for figure in (
        "72.5",
        "70.0",
        "80.0",
        "65.0",
        "13.591",
        "12.341",
        "4.870",
        "1.80",
        "No. 47 of 2025",
    ):
        assert figure in text
    assert SAMPLE["registry_url"] in text
    assert "Unmodified opinion" in text
    assert "DEMO" not in text


MAX_STATEMENT_BYTES = 1_500_000


def test_bilingual_with_embedded_fonts(
    sample_pdf: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """English and Simplified Chinese side by side; every font embedded (subsets), the
    Chinese in Noto Sans CJK SC; the file stays small."""
    path = tmp_path / "statement.pdf"
    path.write_bytes(sample_pdf)
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    names = [line.split()[0].split("+")[-1] for line in fonts]
    with capsys.disabled():
        print(f"\nstatement PDF: {len(sample_pdf):,} bytes; fonts: {', '.join(names)}")
    assert "Noto-Sans-CJK-SC" in names
    assert not [n for n in names if "CJK" in n and "-SC" not in n]  # no Japanese forms
    for line in fonts:
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line  # emb, sub, uni
    assert len(sample_pdf) < MAX_STATEMENT_BYTES

    text = pdf_text(sample_pdf, tmp_path)
    assert "Verification statement" in text and "核查声明" in text
    for pair in (
        ("Statement number", "声明编号"),
        ("Verification body", "核查机构"),
        ("Unmodified opinion", "无保留意见"),
        ("Greenhouse gas emissions", "温室气体排放"),
        ("Scope 1", "范围一"),
        ("Findings", "核查发现"),
        ("Valid", "有效"),
        ("Ratings", "评级"),
    ):
        for label in pair:
            assert label in text or label.upper() in text, label


def test_every_label_of_the_template_is_bilingual() -> None:
    """Each heading and table header that prints an English label also prints Chinese."""
    template = (TEMPLATES / "statements" / "statement.html").read_text(encoding="utf-8")
    cells = re.findall(r"<(h1|h2|th)\b[^>]*>(.*?)</\1>", template, flags=re.S)
    assert len(cells) > 30
    missing = [
        body
        for tag, body in cells
        if "_(" in body and "zh(" not in body and not (tag == "h1" and "title-zh" in template)
    ]
    assert missing == []


def _walk(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


def test_the_stylesheet_keeps_the_signature_box_free() -> None:
    """The spacer and the block of statement.css, under text of every length (four lines
    more each time, across page breaks): the block is always SIGNATURE_BOX on the last
    page, and no text is laid out over it."""
    stylesheet = CSS(filename=str(STATIC / "statement.css"))
    placeholder = (
        '<div class="signature-space"><div class="signature-block" id="signature-block">'
        "</div></div>"
    )
    pages_seen = set()
    for lines in range(0, 44, 2):  # paragraphs of two full-width lines: 4 lines a step
        text = "".join(f"<p>{'Text across the whole width. ' * 12}{i}</p>" for i in range(lines))
        document = HTML(string=f"<body>{text}{placeholder}</body>").render(stylesheets=[stylesheet])
        pages_seen.add(len(document.pages))
        page = document.pages[-1]
        found = [
            box
            for box in _walk(page._page_box)
            if getattr(box, "element", None) is not None
            and box.element.get("id") == "signature-block"
        ]
        assert len(found) == 1, lines
        block = found[0]
        pt = 0.75  # CSS px to PDF points
        height = page.height * pt
        rect = (
            block.border_box_x() * pt,
            height - (block.border_box_y() + block.border_height()) * pt,
            (block.border_box_x() + block.border_width()) * pt,
            height - block.border_box_y() * pt,
        )
        assert [round(v, 2) for v in rect] == list(SIGNATURE_BOX), lines
        for box in _walk(page._page_box):
            if isinstance(box, boxes.TextBox):
                where = (
                    box.position_x * pt,
                    height - (box.position_y + box.height) * pt,
                    (box.position_x + box.width) * pt,
                    height - box.position_y * pt,
                )
                assert not overlaps(where, SIGNATURE_BOX), (lines, box.text)
    assert len(pages_seen) >= 2  # the sweep crossed a page break


@pytest.mark.parametrize("rows", [0, 12, 24, 40])
def test_the_statement_leaves_the_signature_box_free(rows: int, tmp_path: Path) -> None:
    criteria = [
        {"code": f"C{i}", "title": "A criterion with a title of one line", "finding": "conforms"}
        for i in range(rows)
    ]
    words = words_on_last_page(render(dict(SAMPLE, criteria=criteria)), tmp_path / "p.pdf")
    assert words
    assert [word for word, where in words if overlaps(where, SIGNATURE_BOX)] == []


def test_missing_carbon_prints_not_available(tmp_path: Path) -> None:
    without = {key: value for key, value in SAMPLE.items() if key != "carbon"}
    full_text = pdf_text(render(SAMPLE), tmp_path, "full.pdf")
    text = pdf_text(render(without), tmp_path, "nocarbon.pdf")
    # the total says so, and no scope table is printed
    assert text.count("not available") - full_text.count("not available") == 1
    for figure in ("13.591", "12.341", "Scope 2, market-based", "CO₂e"):
        assert figure not in text


def test_only_the_number_is_required(tmp_path: Path) -> None:
    text = pdf_text(render({"number": "VS-2026-000009"}), tmp_path)
    assert "VS-2026-000009" in text
    assert text.count("not available") >= 20


@pytest.mark.parametrize("form", ["path", "path/", "file-uri", "http-static"])
def test_base_url_forms_serve_relative_static_files(
    form: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    shutil.copy(STATIC / "statement.css", static / "statement.css")
    (static / "logo.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'>"
        "<rect width='10' height='10'/></svg>"
    )
    templates = tmp_path / "templates"
    (templates / "statements").mkdir(parents=True)
    (templates / "statements" / "statement.html").write_text(
        '<html><body><img src="logo.svg"><p>{{ s.number }}</p></body></html>'
    )
    base_url = {
        "path": str(static),
        "path/": f"{static}/",
        "file-uri": static.as_uri(),
        "http-static": "http://127.0.0.1:9/static",  # port 9: nothing listens there
    }[form]
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render(
            {"number": "VS-1"}, templates_dir=templates, static_dir=static, base_url=base_url
        )
    assert pdf.startswith(b"%PDF-")
    assert [record.getMessage() for record in caplog.records] == []


def test_number_is_required() -> None:
    with pytest.raises(ValueError, match="number"):
        render({"status": "valid"})


def test_data_is_escaped_not_interpreted(tmp_path: Path) -> None:
    data = dict(SAMPLE, organisation={"name": "<b>Acme & Sons</b> <img src='x'>"})
    text = pdf_text(render(data), tmp_path)
    assert "<b>Acme & Sons</b> <img src='x'>" in text


def test_translations_are_used(tmp_path: Path) -> None:
    class German(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return {"ESG Verification Statement": "ESG-Verifizierungserklärung"}.get(
                message, message
            )

    text = pdf_text(render(SAMPLE, translations=German()), tmp_path)
    assert "ESG-Verifizierungserklärung" in text
    assert "ESG Verification Statement" not in text


def test_fetcher_serves_static_files_only(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = StaticOnlyFetcher(static, "http://127.0.0.1:5000/static/")

    served = fetcher.fetch((static / "logo.svg").as_uri())
    assert served.read().startswith(b"<svg")
    assert fetcher.fetch("http://127.0.0.1:5000/static/logo.svg").content_type == "image/svg+xml"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (
        "file:///etc/passwd",
        (tmp_path / "secret.txt").as_uri(),
        (static / ".." / "secret.txt").as_uri(),
        "http://127.0.0.1:5000/static/../secret.txt",
        "http://127.0.0.1:5000/static/%2e%2e/secret.txt",
        "http://127.0.0.1:5000/static/missing.png",
        "http://example.com/logo.svg",
        "https://127.0.0.1:5000/static/logo.svg",
        "ftp://example.com/x",
    ):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red; }")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    _CountingHandler.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.hits
    finally:
        server.shutdown()
        server.server_close()


def test_render_fetches_nothing_outside_static(
    tmp_path: Path, counting_server: tuple[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    origin, hits = counting_server
    templates = tmp_path / "templates"
    (templates / "statements").mkdir(parents=True)
    (templates / "statements" / "statement.html").write_text(
        "<html><head>"
        f'<link rel="stylesheet" href="{origin}/evil.css">'
        "</head><body><p>{{ s.number }}</p>"
        '<img src="file:///etc/passwd">'
        f'<img src="{origin}/pixel.png">'
        '<img src="../templates/statements/statement.html">'
        "</body></html>"
    )
    # Sanity check that the server works, so "no hits" below means something.
    import urllib.request

    with urllib.request.urlopen(f"{origin}/probe") as response:  # noqa: S310
        assert response.status == 200
    assert hits == ["/probe"]

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render({"number": "VS-X"}, templates_dir=templates)
    assert pdf.startswith(b"%PDF-")
    assert hits == ["/probe"], "WeasyPrint fetched a URL outside the static folder"
    refused = " ".join(record.getMessage() for record in caplog.records)
    assert "file:///etc/passwd" in refused
    assert f"{origin}/pixel.png" in refused
    assert f"{origin}/evil.css" in refused

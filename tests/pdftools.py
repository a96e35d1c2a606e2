"""poppler and NSS from the tests: the independent check of what pyHanko says.

The tools are required (the Makefile installs them); a missing tool fails, never skips.
"""

from __future__ import annotations

import html as html_lib
import re
import subprocess
from pathlib import Path


def pdfsig(pdf: bytes, nss_dir: Path, path: Path) -> list[str]:
    path.write_bytes(pdf)
    completed = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_dir}", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    # pdfsig exits 0 even for a digest mismatch: the verdict is only in its output.
    return [line.strip(" -") for line in completed.stdout.splitlines()]


def nss_db_trusting(ca_cert: Path, directory: Path) -> Path:
    """A fresh NSS database trusting ``ca_cert`` for signatures (",C," - "C,," is not enough)."""
    directory.mkdir()
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{directory}", "-n", "ca", "-t", ",C,", "-i", str(ca_cert)],
        check=True,
        capture_output=True,
    )
    return directory


def flip_byte_in_first_stream(pdf: bytes) -> bytes:
    """Change one byte of the first stream's data: the file still parses, the digest breaks."""
    start = pdf.index(b"stream\n") + len(b"stream\n") + 10
    tampered = bytearray(pdf)
    tampered[start] ^= 0x01
    return bytes(tampered)


def detach(pdf_path: Path, name: str, out: Path) -> bytes:
    """Extract an embedded file with pdfdetach."""
    listing = subprocess.run(
        ["pdfdetach", "-list", str(pdf_path)], capture_output=True, text=True, check=True
    ).stdout
    index = next(
        i + 1
        for i, line in enumerate(listing.splitlines()[1:])
        if line.split(":", 1)[1].strip() == name
    )
    subprocess.run(
        ["pdfdetach", "-save", str(index), "-o", str(out), str(pdf_path)],
        check=True,
        capture_output=True,
    )
    return out.read_bytes()


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def words_on_last_page(pdf: bytes, path: Path) -> list[tuple[str, tuple[float, ...]]]:
    """Each word pdftotext finds on the last page, with its box in PDF coordinates
    (left, bottom, right, top; points from the lower-left corner)."""
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = next(line.split()[1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", pages, "-l", pages, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    return [
        (html_lib.unescape(word), (float(x0), height - float(y1), float(x1), height - float(y0)))
        for x0, y0, x1, y1, word in _WORD.findall(html)
    ]


def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (
        outer[0] <= inner[0]
        and inner[2] <= outer[2]
        and outer[1] <= inner[1]
        and inner[3] <= outer[3]
    )


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

"""poppler and NSS from the tests: the independent check of what pyHanko says.

The tools are required (the Makefile installs them); a missing tool fails, never skips.
"""

from __future__ import annotations

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

"""Helpers the badge tests import: pdftotext, pdftoppm + zbar, pdfinfo (poppler-utils)."""
from __future__ import annotations

import subprocess

from PIL import Image
from pyzbar.pyzbar import decode as zbar_decode


def pdf_text(pdf: bytes, tmp_path) -> str:
    source = tmp_path / "badge.pdf"
    source.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(source), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_qr_codes(pdf: bytes, tmp_path, dpi: int = 200) -> list[str]:
    source = tmp_path / "badge-qr.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(source), str(tmp_path / "page")],
                   check=True, capture_output=True)
    found = []
    for page in sorted(tmp_path.glob("page*.png")):
        found += [item.data.decode("ascii") for item in zbar_decode(Image.open(page).convert("L"))
                  if item.type == "QRCODE"]
    return found


def pdf_page_size_mm(pdf: bytes, tmp_path) -> tuple[float, float]:
    source = tmp_path / "badge-size.pdf"
    source.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(source)], check=True, capture_output=True,
                          text=True).stdout
    line = next(row for row in info.splitlines() if row.startswith("Page size:"))
    width, height = (float(value) for value in line.split()[2:5:2])
    return round(width * 25.4 / 72, 1), round(height * 25.4 / 72, 1)

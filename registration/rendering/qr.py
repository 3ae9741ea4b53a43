"""The pass QR code: alphanumeric mode, error-correction level M, smallest fitting version."""
from __future__ import annotations

import io
import re
from functools import lru_cache

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM, QRData

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")


def build_qr(token: str) -> qrcode.QRCode:
    """The compiled QR symbol for a pass token (one alphanumeric segment, level M)."""
    if not isinstance(token, str) or not _ALPHANUMERIC.fullmatch(token):
        raise ValueError("a pass token must be non-empty QR alphanumeric text (upper-case)")
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    qr.add_data(QRData(token, mode=MODE_ALPHA_NUM))
    qr.make(fit=True)
    return qr


@lru_cache(maxsize=256)
def qr_modules(token: str) -> tuple[tuple[bool, ...], ...]:
    """Dark (True) / light modules of the symbol, rows top to bottom, without quiet zone."""
    return tuple(tuple(bool(m) for m in row) for row in build_qr(token).modules)


def dark_runs(modules: tuple[tuple[bool, ...], ...]):
    """Yield ``(row, column, length)`` for each horizontal run of dark modules."""
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def qr_image(token: str, *, box_size: int = 10, border: int = QUIET_ZONE) -> Image.Image:
    """A 1-bit Pillow image of the symbol, ``box_size`` pixels per module."""
    if box_size < 1 or border < 0:
        raise ValueError("box_size must be >= 1 and border >= 0")
    modules = qr_modules(token)
    side = len(modules) + 2 * border
    image = Image.new("1", (side, side), 1)
    pixels = image.load()
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + border, y + border] = 0
    return image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)


def pass_qr_png(token: str, *, box_size: int = 10, border: int = QUIET_ZONE) -> bytes:
    """The pass QR as a black-and-white PNG."""
    out = io.BytesIO()
    qr_image(token, box_size=box_size, border=border).save(out, format="PNG")
    return out.getvalue()


def pass_qr_svg(token: str, *, box_size: int = 10) -> bytes:
    """The pass QR as a standalone SVG; one module is one user unit, scaled by viewBox."""
    modules = qr_modules(token)
    side = len(modules) + 2 * QUIET_ZONE
    path = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{length}v1h-{length}z"
        for y, x, length in dark_runs(modules)
    )
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{side * box_size}" '
        f'height="{side * box_size}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<title>Pass QR code</title>'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/></svg>\n'
    )
    return svg.encode("utf-8")

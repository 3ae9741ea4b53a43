"""The CJK TrueType font every pass rendering uses, for reportlab and for Pillow.

Reportlab embeds TrueType (glyf) outlines only, so the CFF-based Noto CJK fonts cannot
be used; WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) is the default.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FONT_ENV = "FAIRGATE_CJK_FONT"
PDF_FONT_NAME = "FairgateCJK"
# (path, index of the face inside a .ttc collection), best first
CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


class CJKFontMissing(RuntimeError):
    """No usable Chinese TrueType font: passes cannot be rendered."""


def find_cjk_font() -> tuple[str, int]:
    """``(path, face index)`` of the CJK font: ``$FAIRGATE_CJK_FONT`` or the first found."""
    configured = os.environ.get(FONT_ENV, "").strip()
    if configured:
        path, _, index = configured.partition("#")
        if not Path(path).is_file():
            raise CJKFontMissing(f"{FONT_ENV}={configured!r}: no such font file")
        return path, int(index or 0)
    for path, index in CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise CJKFontMissing(
        "no Chinese TrueType font found for pass rendering; install the Debian package "
        "fonts-wqy-microhei (or fonts-wqy-zenhei), or set "
        f"{FONT_ENV}=/path/to/font.ttf[#face-index]. Tried: "
        + ", ".join(path for path, _ in CANDIDATES)
    )


@lru_cache(maxsize=1)
def pdf_font() -> str:
    """Register the CJK font with reportlab once and return its reportlab font name."""
    path, index = find_cjk_font()
    try:
        pdfmetrics.registerFont(TTFont(PDF_FONT_NAME, path, subfontIndex=index))
    except TTFError as exc:
        raise CJKFontMissing(
            f"{path} cannot be embedded by reportlab (TrueType outlines needed): {exc}"
        ) from exc
    return PDF_FONT_NAME


@lru_cache(maxsize=32)
def image_font(size_px: int) -> ImageFont.FreeTypeFont:
    """The CJK font for Pillow at ``size_px`` pixels."""
    path, index = find_cjk_font()
    return ImageFont.truetype(path, size=size_px, index=index)

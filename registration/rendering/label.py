"""Desk labels for 58 mm and 80 mm thermal receipt printers (PDF and 1-bit PNG).

Content stays inside the printable width of common printers (48 mm of 58 mm paper,
72 mm of 80 mm paper: 384 and 576 dots at 203 dpi), centred on the full paper width.
The page (or image) is exactly as long as its content plus a tear-off margin.
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from registration.rendering import layout
from registration.rendering.fonts import image_font, pdf_font
from registration.rendering.layout import QR, Banner, Gap, Para, Rule, wrap_text
from registration.rendering.qr import QUIET_ZONE, qr_image, qr_modules
from registration.rendering.view import FAIR_SHORT_NAME, PassView, bilingual_label

PRINTABLE_WIDTH_MM = {58: 48.0, 80: 72.0}
MAX_QR_MM = 50.0  # about 1 mm per module for a version-6 symbol: robust on thermal paper
TOP_MARGIN_MM = 3.0
BOTTOM_MARGIN_MM = 8.0  # room to tear the label off without cutting the text


def _printable_width(width_mm: int) -> float:
    try:
        return PRINTABLE_WIDTH_MM[width_mm]
    except KeyError:
        raise ValueError("width_mm must be 58 or 80") from None


def _blocks(view: PassView, column_mm: float) -> list[layout.Block]:
    """The label content; sizes in points, shared by the PDF and PNG renderings."""
    day = view.day_text
    blocks: list[layout.Block] = [
        Para(f"{FAIR_SHORT_NAME.zh} {FAIR_SHORT_NAME.en}", 10),
        Para(view.fair_name.zh, 7),
        Gap(3),
        QR(view.token, min(column_mm, MAX_QR_MM) * mm),
        Para(view.venue_name.zh, 13),
        Para(view.venue_name.en, 8),
        Gap(2),
        Para(f"{day.zh}  {day.en}", 10),
    ]
    if view.slot_label:
        blocks.append(Para(f"{bilingual_label('slot')} {view.slot_label}", 10))
    blocks += [
        Gap(2),
        Banner(f"{view.kind_text.zh} {view.kind_text.en.upper()}", 9, padding=2),
        Rule(0.8, 3),
        Para(f"{bilingual_label('holder')}: {view.holder_name_masked}", 8, "left"),
        Para(f"{bilingual_label('document')}: {view.document_masked}", 8, "left"),
        Para(f"{bilingual_label('code')}: {view.code}", 12, "left"),
        Para(f"{bilingual_label('serial')}: {view.serial}", 6, "left"),
    ]
    return blocks


def pass_label_pdf(view: PassView, width_mm: int = 58) -> bytes:
    """A label page ``width_mm`` wide and as long as its content."""
    return label_pdf(_blocks(view, _printable_width(width_mm)), width_mm,
                     f"{view.fair_name.en} - label {view.serial}")


def label_pdf(blocks: list[layout.Block], width_mm: int, title: str) -> bytes:
    """Any label content (badges too: rendering/badge.py) on a page ``width_mm`` wide."""
    column = _printable_width(width_mm) * mm
    font = pdf_font()
    placed = layout.measure(blocks, column, font)
    width = width_mm * mm
    height = layout.total_height(placed) + (TOP_MARGIN_MM + BOTTOM_MARGIN_MM) * mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), invariant=True, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("fairgate")
    layout.paint(canvas, placed, (width - column) / 2, height - TOP_MARGIN_MM * mm, column,
                 font)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


class _Raster:
    """Points and millimetres to printer dots."""

    def __init__(self, dpi: int):
        self.dpi = dpi

    def pt(self, points: float) -> int:
        return round(points / 72 * self.dpi)

    def mm(self, millimetres: float) -> int:
        return round(millimetres / 25.4 * self.dpi)


def _png_items(blocks: list[layout.Block], width_mm: int, r: _Raster):
    """(block, wrapped lines, height in dots) for each label block."""
    column = r.mm(_printable_width(width_mm))
    items = []
    for block in blocks:
        lines: list[str] = []
        if isinstance(block, Para):
            font = image_font(r.pt(block.size))
            lines = wrap_text(block.text, font.getlength, column)
            height = len(lines) * r.pt(block.size * block.leading)
        elif isinstance(block, Banner):
            height = r.pt(block.size * 1.2 + 2 * block.padding)
        elif isinstance(block, QR):
            side = len(qr_modules(block.token)) + 2 * QUIET_ZONE
            height = side * max(1, r.pt(block.size) // side)  # whole dots per module
        elif isinstance(block, Rule):
            height = r.pt(block.thickness + 2 * block.space)
        else:
            height = r.pt(block.height)
        items.append((block, lines, height))
    return items


def pass_label_png(view: PassView, width_mm: int = 58, dpi: int = 203) -> bytes:
    """A 1-bit label image ``round(width_mm / 25.4 * dpi)`` dots wide, for ESC/POS raster."""
    return label_png(_blocks(view, _printable_width(width_mm)), width_mm, dpi)


def label_png(blocks: list[layout.Block], width_mm: int, dpi: int = 203) -> bytes:
    """Any label content as a 1-bit image (badges too: rendering/badge.py)."""
    r = _Raster(dpi)
    width = r.mm(width_mm)
    column = r.mm(_printable_width(width_mm))
    left = (width - column) // 2
    items = _png_items(blocks, width_mm, r)
    height = sum(h for _, _, h in items) + r.mm(TOP_MARGIN_MM) + r.mm(BOTTOM_MARGIN_MM)
    image = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(image)
    y = r.mm(TOP_MARGIN_MM)
    for block, lines, item_height in items:
        if isinstance(block, Para):
            font = image_font(r.pt(block.size))
            line_height = r.pt(block.size * block.leading)
            for n, line in enumerate(lines):
                middle = y + n * line_height + line_height // 2
                if block.align == "center":
                    draw.text((left + column // 2, middle), line, font=font, fill=0, anchor="mm")
                else:
                    draw.text((left, middle), line, font=font, fill=0, anchor="lm")
        elif isinstance(block, Banner):
            draw.rectangle((left, y, left + column - 1, y + item_height - 1), fill=0)
            draw.text((left + column // 2, y + item_height // 2), block.text,
                      font=image_font(r.pt(block.size)), fill=1, anchor="mm")
        elif isinstance(block, QR):
            dot = item_height // (len(qr_modules(block.token)) + 2 * QUIET_ZONE)
            symbol = qr_image(block.token, box_size=dot)
            image.paste(symbol, (left + (column - item_height) // 2, y))
        elif isinstance(block, Rule):
            thickness = max(1, r.pt(block.thickness))
            top = y + (item_height - thickness) // 2
            draw.rectangle((left, top, left + column - 1, top + thickness - 1), fill=0)
        y += item_height
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()

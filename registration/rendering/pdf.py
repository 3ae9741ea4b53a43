"""The printable pass (A4 by default, or A6): large QR, venue, day and masked holder."""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from gate.kinds import kind_info
from registration.rendering import layout
from registration.rendering.fonts import pdf_font
from registration.rendering.layout import QR, Banner, Gap, Para, Rule
from registration.rendering.view import (
    PASS_TITLE,
    WHAT_TO_BRING,
    PassView,
    bilingual_label,
)

PAGE_SIZES = {"A4": A4, "A6": A6}


def _blocks(view: PassView, scale: float, width: float) -> list[layout.Block]:
    """The pass content for an A6-sized design scaled by ``scale`` (A4 = 2)."""
    def pt(value: float) -> float:
        return value * scale

    day = view.day_text
    blocks: list[layout.Block] = [
        Para(view.fair_name.zh, pt(11)),
        Para(view.fair_name.en, pt(7)),
        Para(f"{PASS_TITLE.zh} {PASS_TITLE.en}", pt(6.5), gray=0.35),
        Gap(pt(2)),
        Banner(f"{view.kind_text.zh}  {view.kind_text.en.upper()}", pt(9), padding=pt(1.6),
               colour=kind_info(view.kind).colour),
        Gap(pt(2)),
        QR(view.token, min(pt(48) * mm, width)),
        Para(f"{bilingual_label('serial')}  {view.serial}", pt(5.5), gray=0.3),
        Gap(pt(2)),
        Para(view.venue_name.zh, pt(13)),
        Para(view.venue_name.en, pt(8)),
        Gap(pt(1.5)),
        Para(day.zh, pt(11)),
        Para(day.en, pt(8)),
    ]
    if view.slot_label:
        blocks.append(Para(f"{bilingual_label('slot')}  {view.slot_label}", pt(9)))
    blocks += [
        Rule(pt(0.5), pt(3)),
        Para(f"{bilingual_label('holder')}:  {view.holder_name_masked}", pt(8), "left"),
        Para(f"{bilingual_label('document')}:  {view.document_masked}", pt(8), "left"),
        Para(f"{bilingual_label('code')}:  {view.code}", pt(10), "left"),
        Rule(pt(0.5), pt(3)),
        Para(WHAT_TO_BRING.zh, pt(6.5), "left"),
        Para(WHAT_TO_BRING.en, pt(6), "left", gray=0.2),
    ]
    return blocks


def paint_pass(canvas: Canvas, view: PassView, width: float, height: float) -> None:
    """Draw one pass filling a page of ``width`` x ``height`` (one page of a bundle, too)."""
    scale = width / A6[0]
    font = pdf_font()
    margin = 7 * mm * scale
    column = width - 2 * margin
    placed = layout.measure(_blocks(view, scale, column), column, font)
    # Very long venue names could overflow: shrink the QR, never below a scannable size.
    overflow = layout.total_height(placed) - (height - 2 * margin)
    if overflow > 0:
        smallest = 30 * mm * scale
        placed = [
            layout.Placed(QR(p.block.token, max(p.block.size - overflow, smallest)), [],
                          max(p.block.size - overflow, smallest))
            if isinstance(p.block, QR) else p
            for p in placed
        ]
    layout.paint(canvas, placed, margin, height - margin, column, font)


def pass_pdf(view: PassView, *, page: str = "A4") -> bytes:
    """A one-page PDF pass. ``page`` is ``"A4"`` (home printers) or ``"A6"`` (a card)."""
    try:
        width, height = PAGE_SIZES[page]
    except KeyError:
        raise ValueError(f"page must be one of {', '.join(PAGE_SIZES)}") from None
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), invariant=True, pageCompression=1)
    # Metadata names the fair and serial only: no personal data outside the page itself.
    canvas.setTitle(f"{view.fair_name.en} - pass {view.serial}")
    canvas.setAuthor("fairgate")
    canvas.setCreator("fairgate")
    canvas.setSubject(f"{view.venue_code} {view.day.isoformat()}")
    paint_pass(canvas, view, width, height)
    canvas.showPage()
    canvas.save()
    return out.getvalue()

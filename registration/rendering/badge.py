"""Badges printed at the desk: an A6 card (105 x 148 mm PDF) and a 58 / 80 mm thermal label.

A badge is worn, so it shows the holder's name in full as on the document, in Latin letters
where the credential has them (``name_latin``), with the organisation, the kind's colour
band and zh/en name (gate/kinds.py) and the pass QR. The document number is never on it,
and the PDF metadata names the fair and the credential code only. Thermal printers are
black and white: the label's band is black, with the kind's name in it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from gate.i18n import Text
from gate.kinds import kind_info
from registration.rendering import layout
from registration.rendering.fonts import pdf_font
from registration.rendering.label import MAX_QR_MM, label_pdf, label_png
from registration.rendering.layout import QR, Banner, Gap, Para, Rule
from registration.rendering.view import DEFAULT_FAIR_NAME, FAIR_SHORT_NAME, day_text

A6_BADGE = (105 * mm, 148 * mm)
BAND_MM = 20.0
LABEL_WIDTHS = (58, 80)
EVERY_VENUE = Text("全部场馆", "All venues")


@dataclass(frozen=True, kw_only=True)
class BadgeView:
    token: str  # the pass token (the QR)
    code: str  # the credential's code
    kind: str
    name: str  # as printed: Latin letters where the credential has them
    organisation: str | None = None
    title: str | None = None
    first_day: date
    last_day: date
    venue_name: Text | None = None  # None: every venue
    fair_name: Text = DEFAULT_FAIR_NAME

    @property
    def kind_name(self) -> Text:
        return kind_info(self.kind).name

    @property
    def colour(self) -> str:
        return kind_info(self.kind).colour

    @property
    def days(self) -> Text:
        first = day_text(self.first_day)
        if self.last_day == self.first_day:
            return first
        last = day_text(self.last_day)
        return Text(f"{first.zh} 至 {last.zh}", f"{first.en} – {last.en}")

    @property
    def venue(self) -> Text:
        return self.venue_name or EVERY_VENUE


def _body(view: BadgeView, column: float) -> list[layout.Block]:
    days, venue = view.days, view.venue
    blocks: list[layout.Block] = [
        Para(view.fair_name.zh, 9),
        Para(view.fair_name.en, 6.5, gray=0.3),
        Gap(5),
        Para(view.name, 20, leading=1.2),
    ]
    if view.organisation:
        blocks.append(Para(view.organisation, 11))
    if view.title:
        blocks.append(Para(view.title, 8.5, gray=0.25))
    blocks += [
        Gap(4),
        QR(view.token, min(46 * mm, column)),
        Para(view.code, 10),
        Rule(0.5, 3),
        Para(f"{venue.zh}  {venue.en}", 8),
        Para(f"{days.zh}  {days.en}", 8),
    ]
    return blocks


def badge_pdf(view: BadgeView) -> bytes:
    """One A6 page: the kind's colour band across the top, then name, organisation, QR."""
    width, height = A6_BADGE
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), invariant=True, pageCompression=1)
    canvas.setTitle(f"{view.fair_name.en} - badge {view.code}")
    canvas.setAuthor("fairgate")
    canvas.setCreator("fairgate")
    font = pdf_font()
    band = BAND_MM * mm
    canvas.setFillColor(HexColor(view.colour))
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    canvas.rect(0, 0, width, 5 * mm, stroke=0, fill=1)  # a band at the foot as well
    canvas.setFillGray(1)
    canvas.setFont(font, 18)
    canvas.drawCentredString(width / 2, height - band / 2 + 1.5 * mm, view.kind_name.zh)
    canvas.setFont(font, 10)
    canvas.drawCentredString(width / 2, height - band / 2 - 5 * mm, view.kind_name.en.upper())
    canvas.setFillGray(0)
    margin = 8 * mm
    column = width - 2 * margin
    placed = layout.measure(_body(view, column), column, font)
    room = height - band - 5 * mm - 2 * 4 * mm
    overflow = layout.total_height(placed) - room
    if overflow > 0:  # a long name or organisation: shrink the QR, never below 30 mm
        placed = [layout.Placed(QR(p.block.token, max(p.block.size - overflow, 30 * mm)), [],
                                max(p.block.size - overflow, 30 * mm))
                  if isinstance(p.block, QR) else p for p in placed]
    layout.paint(canvas, placed, margin, height - band - 4 * mm, column, font)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _label_blocks(view: BadgeView, width_mm: int) -> list[layout.Block]:
    column_mm = {58: 48.0, 80: 72.0}[width_mm]
    days, venue = view.days, view.venue
    blocks: list[layout.Block] = [
        Para(f"{FAIR_SHORT_NAME.zh} {FAIR_SHORT_NAME.en}", 9),
        Gap(2),
        Banner(f"{view.kind_name.zh} {view.kind_name.en.upper()}", 11, padding=3),
        Gap(3),
        Para(view.name, 15 if width_mm == 58 else 18, leading=1.2),
    ]
    if view.organisation:
        blocks.append(Para(view.organisation, 9))
    if view.title:
        blocks.append(Para(view.title, 8))
    blocks += [
        Gap(3),
        QR(view.token, min(column_mm, MAX_QR_MM) * mm),
        Para(view.code, 10),
        Rule(0.8, 3),
        Para(f"{venue.zh} {venue.en}", 8),
        Para(f"{days.zh} {days.en}", 8),
    ]
    return blocks


def _width(width_mm: int) -> int:
    if width_mm not in LABEL_WIDTHS:
        raise ValueError("width_mm must be 58 or 80")
    return width_mm


def badge_label_pdf(view: BadgeView, width_mm: int = 58) -> bytes:
    """A thermal label page ``width_mm`` wide, as long as its content."""
    return label_pdf(_label_blocks(view, _width(width_mm)), width_mm,
                     f"{view.fair_name.en} - badge {view.code}")


def badge_label_png(view: BadgeView, width_mm: int = 58, dpi: int = 203) -> bytes:
    """The same label as a 1-bit image for ESC/POS raster printing."""
    return label_png(_label_blocks(view, _width(width_mm)), width_mm, dpi)

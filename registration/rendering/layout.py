"""A small top-to-bottom layout shared by the PDF pass and the thermal labels.

A layout is a list of blocks (text, QR, gap, rule, banner) in points. ``measure`` wraps
the text to a width and returns the height, so a label page can be sized to its content
before anything is drawn.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from registration.rendering.qr import QUIET_ZONE, dark_runs, qr_modules

# A break is allowed after each CJK character (but never before closing punctuation),
# and at spaces between Latin words.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CLOSING = "，。、；：！？）》」』”’,.;:!?)"
_PIECES = re.compile(rf"[{_CJK}][{_CLOSING}]*|\s+|[^\s{_CJK}]+[{_CLOSING}]*")


def wrap_text(text: str, width_of: Callable[[str], float], max_width: float) -> list[str]:
    """Greedy line breaking for mixed Chinese/Latin text."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if width_of(paragraph) <= max_width:  # the common case: one measurement
            lines.append(paragraph.rstrip())
            continue
        line = ""
        for piece in _PIECES.findall(paragraph):
            candidate = line + piece
            if not line or width_of(candidate.rstrip()) <= max_width:
                line = candidate
                continue
            lines.append(line.rstrip())
            line = "" if piece.isspace() else piece
        lines.append(line.rstrip())
    # A word wider than the whole line is cut between characters.
    result: list[str] = []
    for line in lines:
        while len(line) > 1 and width_of(line) > max_width:
            cut = len(line) - 1
            while cut > 1 and width_of(line[:cut]) > max_width:
                cut -= 1
            result.append(line[:cut])
            line = line[cut:].lstrip()
        result.append(line)
    return result


@dataclass(frozen=True)
class Para:
    text: str
    size: float  # points
    align: str = "center"  # or "left"
    font: str | None = None  # reportlab font name; None = the CJK font
    leading: float = 1.3
    gray: float = 0.0


@dataclass(frozen=True)
class Gap:
    height: float  # points


@dataclass(frozen=True)
class Rule:
    thickness: float = 0.6
    space: float = 4.0  # points above and below


@dataclass(frozen=True)
class Banner:
    """White text on a bar: the pass kind, readable from a distance. ``colour``: the kind's
    (gate/kinds.py) on colour documents; thermal labels print black."""

    text: str
    size: float
    padding: float = 3.0
    colour: str = "#000000"


@dataclass(frozen=True)
class QR:
    token: str
    size: float  # points, including the quiet zone


Block = Para | Gap | Rule | Banner | QR


@dataclass
class Placed:
    block: Block
    lines: list[str]
    height: float


def measure(blocks: Sequence[Block], width: float, cjk_font: str) -> list[Placed]:
    placed = []
    for block in blocks:
        lines: list[str] = []
        if isinstance(block, Para):
            font = block.font or cjk_font
            lines = wrap_text(block.text,
                              lambda s, f=font, z=block.size: pdfmetrics.stringWidth(s, f, z),
                              width)
            height = len(lines) * block.size * block.leading
        elif isinstance(block, Banner):
            height = block.size * 1.2 + 2 * block.padding
        elif isinstance(block, QR):
            height = block.size
        elif isinstance(block, Rule):
            height = block.thickness + 2 * block.space
        else:
            height = block.height
        placed.append(Placed(block, lines, height))
    return placed


def total_height(placed: Sequence[Placed]) -> float:
    return sum(item.height for item in placed)


def draw_qr(canvas: Canvas, token: str, x: float, y: float, size: float) -> None:
    """Vector QR with its lower-left corner (outside the quiet zone) at (x, y)."""
    modules = qr_modules(token)
    module = size / (len(modules) + 2 * QUIET_ZONE)
    top = y + size - QUIET_ZONE * module
    left = x + QUIET_ZONE * module
    path = canvas.beginPath()
    # one path for every module so that no hairline seams appear between rows
    for row, column, length in dark_runs(modules):
        path.rect(left + column * module, top - (row + 1) * module, length * module, module)
    canvas.saveState()
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def paint(canvas: Canvas, placed: Sequence[Placed], x: float, top: float, width: float,
          cjk_font: str) -> float:
    """Draw the blocks from ``top`` downwards in a column; return the y where they end."""
    y = top
    for item in placed:
        block = item.block
        if isinstance(block, Para):
            font = block.font or cjk_font
            canvas.setFillGray(block.gray)
            ascent = pdfmetrics.getAscentDescent(font, block.size)[0]
            line_height = block.size * block.leading
            for n, line in enumerate(item.lines):
                baseline = y - n * line_height - (line_height - block.size) / 2 - ascent * 0.95
                canvas.setFont(font, block.size)
                if block.align == "center":
                    canvas.drawCentredString(x + width / 2, baseline, line)
                else:
                    canvas.drawString(x, baseline, line)
            canvas.setFillGray(0)
        elif isinstance(block, Banner):
            canvas.setFillColor(HexColor(block.colour))
            canvas.rect(x, y - item.height, width, item.height, stroke=0, fill=1)
            canvas.setFillGray(1)
            canvas.setFont(cjk_font, block.size)
            descent = pdfmetrics.getAscentDescent(cjk_font, block.size)[1]
            canvas.drawCentredString(x + width / 2, y - item.height + block.padding
                                     - descent * 0.8, block.text)
            canvas.setFillGray(0)
        elif isinstance(block, QR):
            draw_qr(canvas, block.token, x + (width - block.size) / 2, y - block.size,
                    block.size)
        elif isinstance(block, Rule):
            canvas.setLineWidth(block.thickness)
            line_y = y - block.space - block.thickness / 2
            canvas.line(x, line_y, x + width, line_y)
        y -= item.height
    return y

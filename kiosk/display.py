"""What the gate screen shows: the verdict panel, the live preview and the status bar.

Drawn with Pillow (OpenCV cannot draw Chinese text) and returned as BGR arrays for
``cv2.imshow``. Sizes follow the canvas height, so the same layout works at 1280x720 on the
gate screen and at 640x360 in the documentation screenshots (docs/kiosk-panels/).

The panel shows what the staff member next to the turnstile needs at a glance: the
verdict in large type on the reason's colour (green go, amber sort it out here, red see
staff), the reason in Chinese and English, the masked holder name and only the last four
characters of the document number, to compare with the card in the visitor's hand.

These texts (:func:`panel_lines`, :func:`status_text`) are also those of the default,
browser screen (kiosk/screen/); the OpenCV window here is the ``--screen window`` option.
"""
from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from functools import lru_cache
from typing import IO
from zoneinfo import ZoneInfo

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gate.kinds import KINDS
from gate.reasons import AMBER, GREEN, RED
from gate.rules import DEFAULT_TIMEZONE, AdmissionVerdict

FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei"),
    ("/usr/share/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
)
"""CJK fonts tried in order (Debian packages fonts-wqy-microhei, fonts-noto-cjk);
``FAIRGATE_KIOSK_FONT`` names another file first."""

# RGB; amber takes dark text, green and red white text.
PANEL_COLOURS = {GREEN: (27, 138, 58), AMBER: (240, 160, 0), RED: (198, 40, 40)}
TEXT_COLOURS = {GREEN: (255, 255, 255), AMBER: (26, 26, 26), RED: (255, 255, 255)}
STATUS_BAR_COLOUR = (32, 36, 40)
IDLE_BACKGROUND = (16, 18, 20)
STATUS_BAR_SHARE = 0.09  # of the canvas height
STAFF_NEEDED = "请等待工作人员 · staff needed"
IDLE_HINT = "请出示通行证二维码或身份证件  ·  Please show your pass QR code or ID card"


class FontNotFound(RuntimeError):
    """No CJK font is installed: the panel cannot show Chinese text."""


class GuiUnavailable(RuntimeError):
    """OpenCV here cannot open windows (headless build or no display)."""


@dataclass(frozen=True)
class KioskStatus:
    """The status bar: where this kiosk is and how the venue-day stands."""

    venue: str
    gate: str
    online: bool
    inside_now: int | None = None
    occupancy_limit: int | None = None
    admitted_today: int | None = None
    quota: int | None = None
    last_sync: datetime | None = None
    timezone: str = DEFAULT_TIMEZONE  # the venue's (its manifest policy): times shown in it
    queued: int | None = None  # check-in events not uploaded yet
    credits: int | None = None  # entry credits in hand (venue-days with an occupancy limit)

    @classmethod
    def coerce(cls, value: "KioskStatus | Mapping") -> "KioskStatus":
        if isinstance(value, cls):
            return value
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in dict(value).items() if k in names})


@lru_cache(maxsize=1)
def find_cjk_font() -> tuple[str, int]:
    """(path, face index) of the first installed CJK font; FontNotFound if none."""
    candidates = list(FONT_CANDIDATES)
    override = os.environ.get("FAIRGATE_KIOSK_FONT")
    if override:
        candidates.insert(0, (override, ""))
    for path, family in candidates:
        if not os.path.isfile(path):
            continue
        for index in range(16):
            try:
                face = ImageFont.truetype(path, 12, index=index)
            except OSError:
                break
            if not family or face.getname()[0] == family:
                return path, index
    tried = ", ".join(path for path, _ in candidates)
    raise FontNotFound(f"no CJK font found (tried {tried}); install fonts-wqy-microhei or "
                       "fonts-noto-cjk, or set FAIRGATE_KIOSK_FONT to a .ttf/.ttc file")


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    path, index = find_cjk_font()
    return ImageFont.truetype(path, max(6, int(size)), index=index)


def document_tail(document_masked: str | None) -> str:
    """The last four characters of a (masked) document number, nothing else."""
    text = re.sub(r"\s+", "", document_masked or "")
    return text[-4:]


def panel_lines(verdict: AdmissionVerdict) -> dict[str, str]:
    """The texts of a verdict panel, by layout box (empty boxes are left out)."""
    if verdict.admit:
        headline = "请通行  ADMIT"
    else:
        headline = "禁止通行  DENY"
    lines = {
        "headline": headline,
        "reason_zh": verdict.message.zh,
        "reason_en": verdict.message.en,
    }
    holder = []
    if verdict.holder_name_masked:
        holder.append(verdict.holder_name_masked)
    tail = document_tail(verdict.document_masked)
    if tail:
        holder.append(f"证件尾号 ID ends {tail}")
    if holder:
        lines["holder"] = "    ".join(holder)
    lines["code"] = f"{verdict.reason.value} · {verdict.direction}"
    attention = verdict.attention
    if attention is not None or verdict.needs_staff:
        # A note for this pass (issue 13): read out by the staff member at the gate.
        texts = [f"{attention.zh} · {attention.en}"] if attention is not None else []
        if verdict.needs_staff:
            texts.insert(0, STAFF_NEEDED)
        lines["attention"] = "  ·  ".join(texts)
    return lines


def kind_tag(verdict: AdmissionVerdict) -> tuple[str, tuple[int, int, int]] | None:
    """The pass kind's zh/en name and its colour (RGB) from gate/kinds.py, as on passes
    and badges; None when nothing identified the holder."""
    if verdict.kind is None:
        return None
    info = KINDS[verdict.kind]
    rgb = tuple(int(info.colour[n:n + 2], 16) for n in (1, 3, 5))
    return f"{info.name.zh} {info.name.en}", rgb


def panel_layout(size: tuple[int, int] = (1280, 720),
                 with_frame: bool = False) -> dict[str, tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the panel, by name: where each text is drawn."""
    width, height = size
    bar = int(round(height * STATUS_BAR_SHARE))
    margin = int(height * 0.05)
    right = int(width * 0.62) if with_frame else width - margin
    rows = (("headline", 0.06, 0.25), ("reason_zh", 0.33, 0.45), ("reason_en", 0.47, 0.55),
            ("holder", 0.60, 0.67), ("kind", 0.70, 0.76), ("code", 0.79, 0.83),
            ("attention", 0.85, 0.90))
    boxes = {name: (margin, int(height * top), right, int(height * bottom))
             for name, top, bottom in rows}
    boxes["panel"] = (0, 0, width, height - bar)
    boxes["status"] = (0, height - bar, width, height)
    if with_frame:
        boxes["frame"] = (int(width * 0.65), margin, width - margin, int(height * 0.60))
    return boxes


def _fit_text(draw: ImageDraw.ImageDraw, box, text: str, colour, anchor_left=True) -> None:
    """Draw ``text`` as large as fits in ``box`` (height first, then shrunk to width)."""
    x0, y0, x1, y1 = box
    size = int((y1 - y0) / 1.15)
    face = font(size)
    while size > 8 and draw.textlength(text, font=face) > x1 - x0:
        size = int(size * 0.92)
        face = font(size)
    x = x0 if anchor_left else x0 + (x1 - x0 - draw.textlength(text, font=face)) / 2
    draw.text((x, (y0 + y1) / 2), text, font=face, fill=colour, anchor="lm")


def _paste_frame(canvas: Image.Image, frame: np.ndarray, box, border=None) -> None:
    x0, y0, x1, y1 = box
    h, w = frame.shape[:2]
    scale = min((x1 - x0) / w, (y1 - y0) / h)
    size = (max(1, int(w * scale)), max(1, int(h * scale)))
    small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    picture = Image.fromarray(np.ascontiguousarray(small[:, :, 2::-1]))
    x = x0 + (x1 - x0 - size[0]) // 2
    y = y0 + (y1 - y0 - size[1]) // 2
    if border:
        pad = max(2, size[1] // 60)
        ImageDraw.Draw(canvas).rectangle((x - pad, y - pad, x + size[0] + pad - 1,
                                          y + size[1] + pad - 1), fill=border)
    canvas.paste(picture, (x, y))


def status_text(status: KioskStatus | Mapping) -> list[tuple[str, str]]:
    """The status bar's items as (label, value)."""
    s = KioskStatus.coerce(status)

    def count(value, limit):
        if value is None:
            return "—"
        return f"{value:,} / {limit:,}" if limit is not None else f"{value:,}"

    if s.last_sync is None:
        synced = "未同步 never"
    else:
        moment = s.last_sync
        if moment.tzinfo is not None:
            moment = moment.astimezone(ZoneInfo(s.timezone))
        synced = moment.strftime("%H:%M:%S")
    items = [
        ("", f"{s.venue} · {s.gate}"),
        ("", "● 在线 online" if s.online else "● 离线 OFFLINE"),
        ("场内 inside", count(s.inside_now, s.occupancy_limit)),
        ("今日入场 admitted", count(s.admitted_today, s.quota)),
        ("同步 sync", synced),
    ]
    if s.queued is not None:
        items.append(("待上传 queued", f"{s.queued:,}"))
    if s.credits is not None:
        items.append(("额度 credits", f"{s.credits:,}"))
    return items


def _draw_status(canvas: Image.Image, draw: ImageDraw.ImageDraw, status, box) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=STATUS_BAR_COLOUR)
    s = KioskStatus.coerce(status)
    texts = [f"{label} {value}".strip() for label, value in status_text(s)]
    gap = (x1 - x0) * 0.025
    size = int((y1 - y0) * 0.45)
    face = font(size)
    needed = sum(draw.textlength(t, font=face) for t in texts) + gap * (len(texts) + 1)
    if needed > x1 - x0:  # shrink to fit the width rather than cut the sync time off
        face = font(int(size * (x1 - x0 - gap * (len(texts) + 1)) / (needed - gap * (
            len(texts) + 1))))
    x, mid = x0 + gap, (y0 + y1) / 2
    for text in texts:
        colour = (235, 235, 235)
        if text.startswith("●"):
            colour = (90, 220, 120) if s.online else (255, 170, 40)
        draw.text((x, mid), text, font=face, fill=colour, anchor="lm")
        x += draw.textlength(text, font=face) + gap


def _to_bgr(canvas: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(canvas.convert("RGB"))[:, :, ::-1])


def render_panel(verdict: AdmissionVerdict, status: KioskStatus | Mapping,
                 frame: np.ndarray | None = None,
                 size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """The verdict screen as a BGR array of ``size`` (width, height)."""
    width, height = size
    boxes = panel_layout(size, with_frame=frame is not None)
    colour = verdict.colour if verdict.colour in PANEL_COLOURS else RED
    canvas = Image.new("RGB", (width, height), PANEL_COLOURS[colour])
    draw = ImageDraw.Draw(canvas)
    ink = TEXT_COLOURS[colour]
    for name, text in panel_lines(verdict).items():
        _fit_text(draw, boxes[name], text, ink)
    tag = kind_tag(verdict)
    if tag is not None:  # the kind's colour band, then its name
        x0, y0, x1, y1 = boxes["kind"]
        band = y1 - y0
        draw.rectangle((x0, y0, x0 + band - 1, y1 - 1), fill=tag[1], outline=ink)
        _fit_text(draw, (x0 + band * 3 // 2, y0, x1, y1), tag[0], ink)
    if frame is not None:
        _paste_frame(canvas, frame, boxes["frame"], border=ink)
    _draw_status(canvas, draw, status, boxes["status"])
    return _to_bgr(canvas)


def render_idle(frame: np.ndarray | None, status: KioskStatus | Mapping,
                size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """The waiting screen: the live camera picture, a hint line and the status bar."""
    width, height = size
    boxes = panel_layout(size)
    canvas = Image.new("RGB", (width, height), IDLE_BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    hint_height = int(height * 0.08)
    if frame is not None:
        x0, y0, x1, y1 = boxes["panel"]
        _paste_frame(canvas, frame, (x0, y0 + hint_height, x1, y1))
    _fit_text(draw, (int(width * 0.03), 0, int(width * 0.97), hint_height), IDLE_HINT,
              (235, 235, 235), anchor_left=False)
    _draw_status(canvas, draw, status, boxes["status"])
    return _to_bgr(canvas)


# --- windows -----------------------------------------------------------------------------

def gui_available() -> bool:
    """Whether this OpenCV build has a GUI backend (opencv-python-headless has none)."""
    info = cv2.getBuildInformation()
    match = re.search(r"^\s*GUI:\s*(\S+)", info, re.MULTILINE)
    return bool(match) and match.group(1).upper() != "NONE"


def require_gui() -> None:
    if not gui_available():
        raise GuiUnavailable(
            "this OpenCV (opencv-python-headless) cannot open windows: use the browser screen "
            "(--screen browser, the default); for --screen window install opencv-python "
            "instead (pip uninstall opencv-python-headless && pip install opencv-python); or "
            "run the kiosk with --headless")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        raise GuiUnavailable("no graphical display (DISPLAY is not set): run the kiosk on "
                             "the gate screen's session, or with --headless")


class Display:
    """A full-screen OpenCV window on the gate screen."""

    def __init__(self, window: str = "fairgate", *, fullscreen: bool = True,
                 size: tuple[int, int] = (1280, 720)):
        require_gui()
        self.window = window
        self.size = size
        try:
            cv2.namedWindow(window, cv2.WINDOW_NORMAL)
            if fullscreen:
                cv2.setWindowProperty(window, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
        except cv2.error as exc:
            raise GuiUnavailable(f"cannot open the kiosk window: {exc}") from None

    def show_verdict(self, verdict: AdmissionVerdict, status, frame=None, extra=None) -> None:
        cv2.imshow(self.window, render_panel(verdict, status, frame, self.size))

    def show_idle(self, frame, status) -> None:
        cv2.imshow(self.window, render_idle(frame, status, self.size))

    def poll_key(self, delay_ms: int = 1) -> int | None:
        """Let the window draw; the key pressed meanwhile (None: none)."""
        key = cv2.waitKey(delay_ms)
        return None if key < 0 else key & 0xFF

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.window)
        except cv2.error:
            pass


class HeadlessDisplay:
    """No screen: one JSON line per verdict on ``stream`` (stdout by default)."""

    def __init__(self, stream: IO[str] | None = None, clock=lambda: datetime.now(timezone.utc)):
        self.stream = stream if stream is not None else sys.stdout
        self._clock = clock

    def show_verdict(self, verdict: AdmissionVerdict, status=None, frame=None,
                     extra: Mapping | None = None) -> None:
        """One line; ``extra`` (event id, source, repeat...) is added to it."""
        record = {"event": "verdict", "at": self._clock().isoformat()}
        if status is not None:
            s = KioskStatus.coerce(status)
            record.update(venue=s.venue, gate=s.gate, online=s.online)
        record.update(verdict.as_wire())
        record.update(extra or {})
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()

    def show_idle(self, frame, status) -> None:
        pass

    def poll_key(self, delay_ms: int = 1) -> int | None:
        return None

    def close(self) -> None:
        pass

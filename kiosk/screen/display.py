"""``BrowserDisplay``: the gate screen as a web page, with the interface of
:class:`kiosk.display.Display` (show_verdict, show_idle, poll_key, close).

The scan loop only publishes small JSON messages (and hands the preview its latest frame);
the browser draws. The texts are the OpenCV panel's (:func:`kiosk.display.panel_lines`,
:func:`kiosk.display.status_text`), so both screens say the same thing in zh and en.
"""
from __future__ import annotations

import queue
import time
from collections.abc import Mapping

from gate.kinds import KINDS
from gate.rules import AdmissionVerdict
from kiosk.config import SCREEN_PORT
from kiosk.display import KioskStatus, panel_lines, status_text
from kiosk.screen.server import ScreenServer

# Each kind's zh/en name and colour, from gate/kinds.py (the table every screen uses).
KIND_LABELS = {kind: f"{info.name.zh} {info.name.en}" for kind, info in KINDS.items()}
REPEAT_NOTE = "重复出示，结果同上 · shown again: same verdict"
TURNSTILE_NOTE = "闸机未打开，请人工放行 · the turnstile did not open: open it by hand"


def verdict_message(verdict: AdmissionVerdict, extra: Mapping | None = None) -> dict:
    """What the page needs to draw a verdict panel (masked holder only, no event id)."""
    extra = extra or {}
    notes = []
    if extra.get("repeat"):
        notes.append(REPEAT_NOTE)
    if extra.get("turnstile_error"):
        notes.append(TURNSTILE_NOTE)
    lines = panel_lines(verdict)
    if lines.get("attention"):
        notes.insert(0, lines.pop("attention"))
    return {"admit": verdict.admit, "reason": verdict.reason.value,
            "colour": verdict.colour.value,
            "needs_staff": verdict.needs_staff,
            "lines": lines, "kind": KIND_LABELS.get(verdict.kind),
            "kind_colour": KINDS[verdict.kind].colour if verdict.kind is not None else None,
            "notes": notes}


def status_message(status: KioskStatus | Mapping) -> dict:
    s = KioskStatus.coerce(status)
    items = [{"label": label, "value": value} for label, value in status_text(s)]
    state = items.pop(1)  # "● 在线 online" / "● 离线 OFFLINE", drawn in its own colour
    return {"online": s.online, "state": state["value"], "items": items}


class BrowserDisplay:
    """Serves the gate screen on ``http://127.0.0.1:port`` (``port=0``: any free port).

    ``OSError`` when the port is taken (another kiosk runs on this PC?).
    """

    def __init__(self, port: int = SCREEN_PORT, host: str = "127.0.0.1",
                 clock=time.time):
        self.server = ScreenServer(port, host)
        self._clock = clock
        self._status: dict | None = None
        self._showing = None
        self._seq = 0

    @property
    def url(self) -> str:
        return self.server.url

    def show_verdict(self, verdict: AdmissionVerdict, status, frame=None,
                     extra: Mapping | None = None) -> None:
        self._seq += 1
        if frame is not None:
            self.server.preview.update(frame)
        if status is not None:
            self._publish_status(status)
        # "at" (ms since the epoch) lets the page and the benchmark time frame-to-screen.
        message = {**verdict_message(verdict, extra), "seq": self._seq,
                   "at": self._clock() * 1000}
        self.server.hub.publish("verdict", message, retain="screen")
        self._showing = "verdict"

    def show_idle(self, frame, status) -> None:
        if frame is not None:
            self.server.preview.update(frame)
        if status is not None:
            self._publish_status(status)
        if self._showing != "idle":
            self.server.hub.publish("idle", {"seq": self._seq}, retain="screen")
            self._showing = "idle"

    def _publish_status(self, status) -> None:
        message = status_message(status)
        if message != self._status:  # only changes travel: the loop calls this ~12 times/s
            self._status = message
            self.server.hub.publish("status", message, retain="status")

    def poll_key(self, delay_ms: int = 1) -> int | None:
        """A staff button pressed on the page (kiosk.app's key codes); there is no
        keyboard: stop the kiosk with SIGTERM."""
        try:
            return self.server.keys.get_nowait()
        except queue.Empty:
            return None

    def close(self) -> None:
        self.server.close()

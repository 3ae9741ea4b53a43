"""Helpers for the browser gate screen's tests and benchmark (a helper module, not tests).

* :class:`CameraFeed` stands in for the gate camera: the empty gate picture at a camera's
  frame rate, and a pass when the test holds one up (``feed.show(frame)``); it notes when
  each pass frame left the camera, to time camera frame -> verdict on screen;
* :func:`launch_chromium` starts the system Chromium through Playwright, as
  tests/browser/conftest.py does (Playwright never downloads a browser);
* :func:`shown_verdicts` reads, from the page, when each verdict was painted.
"""
from __future__ import annotations

import os
import queue
import threading
import time

from kiosk.capture import FrameSource

CHROMIUM = os.environ.get("FAIRGATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
GATE_SCREEN = {"width": 1280, "height": 720}
SMALL_SCREEN = {"width": 800, "height": 480}


class CameraFeed(FrameSource):
    """A live source: ``blank`` at ``fps`` until :meth:`show` holds a pass up."""

    name = "test camera"
    live = True

    def __init__(self, blank, fps: float = 15.0):
        super().__init__()
        self.blank, self.interval = blank, 1.0 / fps
        self.presented: list[float] = []  # ms since the epoch, one per show()
        self._frames: queue.Queue = queue.Queue()
        self._closed = threading.Event()

    def show(self, frame, frames: int = 3) -> None:
        """Hold ``frame`` up for ``frames`` camera frames (one presentation)."""
        for n in range(frames):
            self._frames.put((frame, n == 0))

    def read(self):
        if self._closed.is_set():
            return None
        try:
            frame, first = self._frames.get(timeout=self.interval)
        except queue.Empty:
            return self.blank
        if first:
            self.presented.append(time.time() * 1000)
        self.frames_read += 1
        return frame

    def close(self) -> None:
        self._closed.set()


def launch_chromium(playwright):
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"no Chromium at {CHROMIUM}: install the Debian package "
                           "`chromium` (or set FAIRGATE_CHROMIUM)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def eventually(page, script: str, timeout: float = 10.0):
    """Poll ``script`` (a JS function) until it returns something truthy; returns it.
    (``page.wait_for_function`` evaluates strings, which the screen's CSP forbids.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:g} s: {script}")
        time.sleep(0.02)


def shown_verdicts(page) -> dict[int, dict]:
    """{seq: {"at": published, "shownAt": painted}} (ms since the epoch) from the page."""
    return {item["seq"]: item for item in page.evaluate("window.fairgateScreen.shown")}


class KioskThread(threading.Thread):
    """Builds a kiosk with ``build()``, runs its loop and closes it, all on this thread
    (its SQLite ledger stays on the thread that opened it, as in `fairgate-kiosk run`)."""

    def __init__(self, build):
        super().__init__(name="kiosk-loop", daemon=True)
        self._build = build
        self._ready = threading.Event()
        self.kiosk = self.error = None

    def start(self):
        super().start()
        self._ready.wait(60)
        if self.error is not None:
            raise self.error
        return self.kiosk

    def run(self):
        try:
            self.kiosk = self._build()
        except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
            self.error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            self.kiosk.app.run()
        finally:
            self.kiosk.close()

    def stop(self) -> None:
        if self.kiosk is not None:
            self.kiosk.app.stop()
        self.join(15)

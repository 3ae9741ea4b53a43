"""The run loop: camera frames and card-reader records in, decisions out.

Frames are read from a :mod:`kiosk.capture` source and decoded with
:func:`kiosk.scanner.decode`; the :class:`~kiosk.debounce.Debouncer` turns the sightings
into scans (a pass held up for many frames is decided once, shown again within a few
seconds it repeats the recorded verdict). Card-reader records arrive from a reader thread
and are decided between frames, on the loop's thread, so decisions never run in
parallel. Without a frame source the loop serves the reader alone.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk import scanner
from kiosk.debounce import Action, Debouncer
from kiosk.gatekeeper import CAMERA, Gatekeeper

log = logging.getLogger(__name__)

QUIT_KEYS = {ord("q"), 27}  # q, Esc
ACK_KEYS = {13, 10, 32, ord("a")}  # Enter, space, a: staff have seen a needs-staff verdict
ANNUL_KEYS = {ord("u")}  # u: undo (annul) this gate's last admission, within 30 s
_END = object()


@dataclass
class RunStats:
    frames: int = 0
    codes: int = 0
    decisions: int = 0
    repeats: int = 0
    cards: int = 0
    source_error: str | None = None


class KioskApp:
    """One gate's loop. ``fps`` paces file sources like a camera (None: as fast as
    possible); ``verdict_seconds``: how long a verdict stays on a screen before the live
    picture comes back."""

    def __init__(self, gatekeeper: Gatekeeper, *, source=None, reader=None, display=None,
                 debouncer: Debouncer | None = None,
                 decoder: Callable = scanner.decode, fps: float | None = None,
                 verdict_seconds: float = 1.5, idle_fps: float = 12.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self.gatekeeper, self.source, self.reader = gatekeeper, source, reader
        self.display = display
        self.debouncer = debouncer or Debouncer()
        self.decoder, self.fps = decoder, fps
        self.verdict_seconds, self.idle_interval = verdict_seconds, 1.0 / idle_fps
        self.monotonic = monotonic
        self.stats = RunStats()
        self._stop = threading.Event()
        self._cards: queue.Queue = queue.Queue()
        self._reader_done = threading.Event()
        self._verdict_until = 0.0
        self._idle_at = 0.0
        self.awaiting_staff = False  # a needs-staff verdict stays until acknowledged
        self._last_token: str | None = None

    def stop(self) -> None:
        """End the loop (from a signal handler or another thread)."""
        self._stop.set()
        close = getattr(self.reader, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing is best effort
                log.exception("closing the card reader")

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> RunStats:
        log.info("kiosk running at %s: frames from %s, cards from %s", self.gatekeeper.gate,
                 getattr(self.source, "name", "nowhere"),
                 getattr(self.reader, "source", "nowhere"))
        if self.reader is not None:
            threading.Thread(target=self._read_cards, name="fairgate-reader",
                             daemon=True).start()
        else:
            self._reader_done.set()
        try:
            if self.source is not None:
                self._frames()
            while not self._stop.is_set() and not (
                    self._reader_done.is_set() and self._cards.empty()):
                self._drain_cards(timeout=0.1)
                self._poll()
        finally:
            if self.source is not None:
                self.source.close()
        return self.stats

    # --- frames ---------------------------------------------------------------------------

    def _frames(self) -> None:
        interval = 1.0 / self.fps if self.fps else 0.0
        next_at = self.monotonic()
        for frame in self.source:
            if self._stop.is_set():
                return
            self.handle_frame(frame)
            self._drain_cards()
            self._poll(frame)
            if interval:
                next_at += interval
                delay = next_at - self.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    next_at = self.monotonic()
        self.stats.source_error = getattr(self.source, "error", None)
        if self.stats.source_error:
            log.error("frame source stopped: %s", self.stats.source_error)

    def handle_frame(self, frame) -> list:
        """Decode one frame and act on each code in it; returns the decisions shown."""
        self.stats.frames += 1
        if self.awaiting_staff:  # the lane waits: the person stays at the screen
            return []
        texts = self.decoder(frame)
        shown = []
        for seen in self.debouncer.observe_all(texts):
            if seen.action is Action.HOLD:
                continue
            self.stats.codes += 1
            if seen.action is Action.REPEAT:
                shown.append(self.gatekeeper.repeat(seen.verdict))
                self.stats.repeats += 1
            else:
                decision = self.gatekeeper.decide_text(seen.token, source=CAMERA)
                self.debouncer.record(seen.token, decision)
                self._last_token = seen.token
                shown.append(decision)
                self.stats.decisions += 1
        for decision in shown:
            self._shown(decision)
        return shown

    def _shown(self, decision) -> None:
        self._verdict_until = self.monotonic() + self.verdict_seconds
        if decision.verdict.needs_staff and not decision.repeat:
            self.awaiting_staff = True
            self._verdict_until = float("inf")

    def acknowledge(self) -> None:
        """Staff have seen the needs-staff verdict: the lane goes on."""
        if self.awaiting_staff:
            self.awaiting_staff = False
            self._verdict_until = self.monotonic()

    def annul_last(self):
        """Annul this gate's last admission (the annul key); the same pass may then be
        scanned again at once (its recorded verdict is not repeated)."""
        outcome = self.gatekeeper.annul_last()
        if outcome.annulled and self._last_token is not None:
            self.debouncer.forget(self._last_token)
        self.awaiting_staff = False
        self._verdict_until = self.monotonic() + self.verdict_seconds
        return outcome

    # --- card reader ----------------------------------------------------------------------

    def _read_cards(self) -> None:
        try:
            for record in self.reader:
                self._cards.put(record)
                if self._stop.is_set():
                    break
        except Exception:  # noqa: BLE001 - a broken reader must not take the gate down
            log.exception("card reader failed")
        finally:
            self._reader_done.set()
            self._cards.put(_END)

    def _drain_cards(self, timeout: float | None = None) -> None:
        while True:
            if self.awaiting_staff:  # cards wait in the queue until staff acknowledge
                if timeout:
                    self._stop.wait(timeout)
                return
            try:
                record = self._cards.get(timeout=timeout) if timeout else \
                    self._cards.get_nowait()
            except queue.Empty:
                return
            timeout = None
            if record is _END:
                continue
            self.stats.cards += 1
            decision = self.gatekeeper.decide_card(record)
            if decision.event_id:
                self.stats.decisions += 1
            self._shown(decision)

    # --- screen ---------------------------------------------------------------------------

    def _poll(self, frame=None) -> None:
        if self.display is None:
            return
        now = self.monotonic()
        if now >= self._verdict_until and now - self._idle_at >= self.idle_interval:
            self._idle_at = now
            self.display.show_idle(frame, self.gatekeeper.status())
        key = self.display.poll_key(1)
        if key in QUIT_KEYS:
            log.info("quit key pressed")
            self.stop()
        elif key in ACK_KEYS:
            self.acknowledge()
        elif key in ANNUL_KEYS:
            outcome = self.annul_last()
            log.warning("annul key: %s (%s)", outcome.status, outcome.annulled_event)

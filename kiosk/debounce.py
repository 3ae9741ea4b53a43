"""Turn a stream of decoded frames into scans: one pass held up to the camera is one scan.

A camera sees the same QR code in many consecutive frames (30 a second), and a visitor who
did not notice the verdict often pulls the phone back and shows it again. :class:`Debouncer`
sorts every sighting of a token into one of three actions:

* ``DECIDE`` - a new presentation: decide it, then :meth:`Debouncer.record` the verdict;
* ``HOLD``   - the same code still in view (seen again within ``hold_gap`` seconds of the
  last sighting): nothing to do, however long it is held;
* ``REPEAT`` - shown again within ``window`` seconds of the end of the presentation that
  was decided: show the recorded verdict again, do not decide (or count) it again.

Pure and clock-injectable: no I/O, no threads; ``clock`` returns seconds (monotonic).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kiosk.config import REPEAT_WINDOW_SECONDS

DEFAULT_WINDOW = REPEAT_WINDOW_SECONDS
DEFAULT_HOLD_GAP = 0.5


class Action(str, Enum):
    DECIDE = "decide"
    HOLD = "hold"
    REPEAT = "repeat"


@dataclass(frozen=True)
class Observation:
    """What to do with one sighting; ``verdict`` is the recorded one for ``REPEAT``."""

    action: Action
    token: str
    verdict: Any = None


@dataclass
class _Seen:
    last_seen: float
    decided: bool = False
    verdict: Any = None


class Debouncer:
    """Per-token memory of the last sighting and the last decision.

    ``hold_gap`` bridges frames where the decoder missed a code that never left the view
    (blur, glare); keep it below the time a person needs to pull a phone back and show it
    again. The repeat ``window`` counts from the last sighting, so a pass held up for a
    long time and shown again at once still repeats. A ``DECIDE`` without a following
    :meth:`record` (say the decision failed) leaves nothing to repeat: the next
    presentation after a gap is decided afresh.
    """

    def __init__(self, window: float = DEFAULT_WINDOW, *, hold_gap: float = DEFAULT_HOLD_GAP,
                 clock: Callable[[], float] = time.monotonic, max_tokens: int = 1024):
        if window < 0 or hold_gap < 0:
            raise ValueError("window and hold_gap must not be negative")
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        self.window = window
        self.hold_gap = hold_gap
        self.max_tokens = max_tokens
        self._clock = clock
        self._seen: dict[str, _Seen] = {}

    def observe(self, token: str) -> Observation:
        """Classify one sighting of ``token`` now."""
        now = self._clock()
        self._forget_before(now - max(self.window, self.hold_gap))
        entry = self._seen.get(token)
        if entry is None:
            self._remember(token, _Seen(last_seen=now))
            return Observation(Action.DECIDE, token)
        gap = now - entry.last_seen
        entry.last_seen = now
        if 0 <= gap <= self.hold_gap:
            # Still in view (or back within a frame or two): the same presentation.
            return Observation(Action.HOLD, token)
        if entry.decided and 0 <= gap <= self.window:
            return Observation(Action.REPEAT, token, entry.verdict)
        entry.decided, entry.verdict = False, None
        return Observation(Action.DECIDE, token)

    def observe_all(self, tokens: list[str]) -> list[Observation]:
        """Observations for every text decoded from one frame, in order."""
        return [self.observe(token) for token in tokens]

    def record(self, token: str, verdict: Any) -> None:
        """Remember the verdict given for a ``DECIDE`` so a quick re-show repeats it."""
        now = self._clock()
        entry = self._seen.get(token)
        if entry is None:
            entry = _Seen(last_seen=now)
            self._remember(token, entry)
        entry.decided, entry.verdict = True, verdict

    def forget(self, token: str) -> None:
        self._seen.pop(token, None)

    def __len__(self) -> int:
        return len(self._seen)

    def _remember(self, token: str, entry: _Seen) -> None:
        if len(self._seen) >= self.max_tokens:
            oldest = min(self._seen, key=lambda t: self._seen[t].last_seen)
            del self._seen[oldest]
        self._seen[token] = entry

    def _forget_before(self, cutoff: float) -> None:
        stale = [token for token, entry in self._seen.items() if entry.last_seen < cutoff]
        for token in stale:
            del self._seen[token]

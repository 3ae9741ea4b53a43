"""Presence: who is inside, as a pure state machine shared by the service and the kiosk.

A pass's presence on one day changes only through admitted passages (an entry or an exit
at a gate). :meth:`PresenceState.after` is the one transition; :func:`replay` folds a
pass's passages in scan order and reports double entries (two admissions with no exit in
between, or a re-entry where the venue allows none). The server's SQL writers and the
kiosk's ledger store what these functions compute; they never decide it themselves.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from gate.kinds import MULTI_DAY_KINDS
from gate.passes import PassKind

IN = "in"
OUT = "out"
DIRECTIONS = (IN, OUT)

MULTI_ENTRY_KINDS = MULTI_DAY_KINDS - {PassKind.online}
"""Kinds that may enter again while inside (they come and go all day): every multi-day kind
with a gate pass (exhibitor, media, guest, staff, contractor); a venue may set its own in
its policy."""


ANNUL_WINDOW = timedelta(seconds=30)
"""How long after an admission the gate that gave it may annul it ("the turnstile did not
turn"); undoing it is replaying the pass's other admitted passages (:func:`replay`)."""


def require_aware(moment: datetime | None, name: str) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime")


@dataclass(frozen=True, kw_only=True)
class PresenceState:
    """One pass on one day (keyed by serial; ID-card scans use the serial of the
    appointment found). ``last_*`` describe the last *admitted* passage;
    ``admitted_elsewhere``: admitted today at another venue (known to the service)."""

    inside: bool = False
    entries_today: int = 0
    exits_today: int = 0
    last_direction: str | None = None
    admitted_elsewhere: bool = False
    last_gate: str | None = None
    last_passed_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.entries_today < 0 or self.exits_today < 0:
            raise ValueError("entries_today and exits_today must not be negative")
        if self.last_direction not in (None, *DIRECTIONS):
            raise ValueError(f"last_direction must be one of {DIRECTIONS} or None")
        require_aware(self.last_passed_at, "last_passed_at")

    def after(self, direction: str, gate: str, at: datetime) -> "PresenceState":
        """The state once an admitted passage in ``direction`` at ``gate`` happened."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}")
        counts = ({"entries_today": self.entries_today + 1} if direction == IN
                  else {"exits_today": self.exits_today + 1})
        return replace(self, inside=direction == IN, last_direction=direction,
                       last_gate=gate, last_passed_at=at, **counts)

    def refuses_entry(self, kind: PassKind | None, *, reentry_allowed: bool,
                      multi_entry_kinds: frozenset[PassKind] = MULTI_ENTRY_KINDS) -> bool:
        """Whether one more entry would be a double entry for a pass of ``kind``."""
        if kind in multi_entry_kinds:
            return False
        if self.inside or self.admitted_elsewhere:
            return True
        return self.entries_today > 0 and not reentry_allowed


class Passage(Protocol):
    """Anything with a direction, a gate and a scan time (stored events, ledger rows)."""

    direction: str
    gate: str
    scanned_at: datetime


def replay(passages: Iterable[Passage], kind: PassKind, *, reentry_allowed: bool,
           multi_entry_kinds: frozenset[PassKind] = MULTI_ENTRY_KINDS
           ) -> tuple[PresenceState, list[tuple[Passage, Passage]]]:
    """Fold admitted passages, already in scan order, into the day's state; also return
    each double entry as (the entry before, the entry that should not have happened)."""
    state, last_entry, doubles = PresenceState(), None, []
    for passage in passages:
        if passage.direction == IN:
            if state.refuses_entry(kind, reentry_allowed=reentry_allowed,
                                   multi_entry_kinds=multi_entry_kinds):
                doubles.append((last_entry, passage))
            last_entry = passage
        state = state.after(passage.direction, passage.gate, passage.scanned_at)
    return state, doubles


def annullable(admitted_at: datetime, now: datetime, window: timedelta = ANNUL_WINDOW) -> bool:
    """Whether an admission at ``admitted_at`` may still be annulled at ``now`` (both ends
    of the window included; never an admission from the future)."""
    require_aware(admitted_at, "admitted_at")
    require_aware(now, "now")
    return timedelta(0) <= now - admitted_at <= window

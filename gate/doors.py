"""Door rules: what a gate at the door of a zone (a room, a hall, a lounge) checks on entry.

A door gate decides with :func:`gate.rules.decide` like the entrance, given a
:class:`DoorFacts`. The pass's own checks (token, revocation, venue, day, ID) stay the
entrance's; the venue's hours, slots, quota and occupancy are left to the entrance and the
door's checks (:data:`DOOR_CHECKS`) come instead: who may enter the zone, a seat for a
session whose doors are open, once at a time, room capacity. Order and reasons are
documented in docs/gate-rules.md ("Doors of zones"). Pure: no clock, no database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gate.passes import PassKind
from gate.presence import require_aware
from gate.reasons import Reason

SEAT_EXEMPT_KINDS = frozenset({PassKind.staff, PassKind.contractor})
"""Kinds that enter a seated room without a seat, at any time (fair staff, contractors)."""


@dataclass(frozen=True, kw_only=True)
class SessionWindow:
    """One session (forum) of the zone today and its door window: a seat holder may enter
    from ``doors_open`` to ``admits_until``, both included."""

    code: str
    starts: datetime
    ends: datetime
    doors_open: datetime
    admits_until: datetime

    def __post_init__(self) -> None:
        for name in ("starts", "ends", "doors_open", "admits_until"):
            require_aware(getattr(self, name), name)
        if not self.starts < self.ends:
            raise ValueError("a session starts before it ends")
        if not self.doors_open <= self.admits_until:
            raise ValueError("doors_open must not be after admits_until")

    @classmethod
    def of(cls, code: str, starts: datetime, ends: datetime, *, doors_open_minutes: int = 30,
           admit_until_minutes: int = 20) -> "SessionWindow":
        """The window of a session: doors open ``doors_open_minutes`` before the start and
        admit until ``admit_until_minutes`` after it, never after the end."""
        if doors_open_minutes < 0 or admit_until_minutes < 0:
            raise ValueError("door minutes must not be negative")
        require_aware(starts, "starts")
        require_aware(ends, "ends")
        return cls(code=code, starts=starts, ends=ends,
                   doors_open=starts - timedelta(minutes=doors_open_minutes),
                   admits_until=min(starts + timedelta(minutes=admit_until_minutes), ends))

    def admits_at(self, at: datetime) -> bool:
        return self.doors_open <= at <= self.admits_until


@dataclass(frozen=True, kw_only=True)
class DoorFacts:
    """What a door gate knows besides the pass. ``allowed_kinds``: None admits every kind;
    ``inside_now``: people in the zone now; ``entry_credits``: a leased door kiosk's
    remaining room credits (None: no lease); ``seats``: codes of the sessions the scanned
    pass holds a seat for (the caller looks them up)."""

    zone: str
    seated: bool
    allowed_kinds: frozenset[PassKind] | None = None
    capacity: int | None = None
    inside_now: int = 0
    entry_credits: int | None = None
    sessions: tuple[SessionWindow, ...] = ()
    seats: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.allowed_kinds is not None:
            object.__setattr__(self, "allowed_kinds",
                               frozenset(PassKind(k) for k in self.allowed_kinds))
        object.__setattr__(self, "sessions", tuple(self.sessions))
        object.__setattr__(self, "seats", frozenset(self.seats))
        if self.capacity is not None and self.capacity < 0:
            raise ValueError("capacity must not be negative")
        if self.inside_now < 0:
            raise ValueError("inside_now must not be negative")

    def session_reason(self, kind: PassKind | None, at: datetime) -> Reason | None:
        """no_seat, session_not_open or session_over for an entry at ``at``; None: go on."""
        if not self.seated or kind in SEAT_EXEMPT_KINDS:
            return None
        held = [s for s in self.sessions if s.code in self.seats]
        if not held:
            return Reason.no_seat
        if any(s.admits_at(at) for s in held):
            return None
        if any(s.doors_open > at for s in held):
            return Reason.session_not_open
        return Reason.session_over


# Each check gets gate.rules' facts of the scan (``f.door``, ``f.kind``, ``f.scan``,
# ``f.presence``, ``f.policy``); gate.rules runs them after the pass's own checks.

def zone_not_allowed(f) -> bool:
    allowed = f.door.allowed_kinds
    return allowed is not None and f.kind not in allowed


def _session_is(reason: Reason):
    def check(f) -> bool:
        return f.door.session_reason(f.kind, f.scan.scanned_at) is reason
    check.__name__ = reason.value
    return check


def inside_room(f) -> bool:
    # People step out of a room and back in: only a pass still inside is refused, and
    # multi-entry kinds never are.
    return f.presence.inside and f.kind not in f.policy.multi_entry_kinds


def room_full(f) -> bool:
    d = f.door
    if d.capacity is not None and d.inside_now >= d.capacity:
        return True
    return d.entry_credits is not None and d.entry_credits <= 0


DOOR_CHECKS = (
    (Reason.zone_not_allowed, zone_not_allowed),
    (Reason.no_seat, _session_is(Reason.no_seat)),
    (Reason.session_not_open, _session_is(Reason.session_not_open)),
    (Reason.session_over, _session_is(Reason.session_over)),
    (Reason.already_inside, inside_room),
    (Reason.room_full, room_full),
)
"""The door's own entry checks, in order, after the pass's own (see gate.rules)."""

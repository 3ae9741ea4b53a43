"""When a venue-day's booking goes through the waiting room, and in which phase it is.

Pure functions of the day's settings and the time. A day with a scheduled opening
(``booking_opens_at``) always books through the room: before its pre-queue window nobody
can join; inside the window arrivals are placed in random order (a CSPRNG draw kept secret
until the opening, so arriving early or from many tabs gains nothing); from the opening on
arrivals queue in arrival order behind them. A day without one gets a room only while a
surge of booking requests lasts (the rate staff set), opening at once, without pre-queue.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

BEFORE = "before"  # the line does not take arrivals yet
PREQUEUE = "prequeue"  # arrivals are shuffled at the opening
OPEN = "open"  # admissions flow at the room's rate


@dataclass(frozen=True)
class RoomPlan:
    room: str  # "CNCC/2026-12-03"
    opens_at: float  # epoch seconds: admissions start
    prequeue_from: float  # epoch seconds: the line takes arrivals
    scheduled: bool  # False: switched on by a surge

    def phase(self, now: float) -> str:
        if now < self.prequeue_from:
            return BEFORE
        return PREQUEUE if now < self.opens_at else OPEN

    def arrival_score(self, now: float) -> float | None:
        """A pre-queue arrival's random place among the pre-queue (in [0, 1), before every
        arrival after the opening, whose place is its arrival number 1, 2, ...); None: an
        arrival after the opening, placed by arrival order."""
        if self.phase(now) == PREQUEUE:
            return secrets.randbits(52) / float(1 << 52)
        return None


def room_name(venue_code: str, day) -> str:
    return f"{venue_code}/{day.isoformat()}"


def scheduled_plan(venue_code: str, day, booking_opens_at: datetime,
                   prequeue_minutes: float) -> RoomPlan:
    opens = booking_opens_at.timestamp()
    return RoomPlan(room_name(venue_code, day), opens, opens - prequeue_minutes * 60, True)


def surge_plan(venue_code: str, day, since: float) -> RoomPlan:
    return RoomPlan(room_name(venue_code, day), since, since, False)

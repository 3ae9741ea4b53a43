"""What operators and staff do to the waiting room: schedule a day's booking opening,
change the admission rate and the proof-of-work cost live. Each change is audited."""
from __future__ import annotations

import time
from datetime import date, datetime

from gate.i18n import Text
from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.models import FairDay
from registration.services import venues
from registration.services.errors import NotFound, invalid_field
from registration.waitingroom import waiting_room

MAX_RATE = 10_000  # admissions per second
POW_MIN, POW_MAX = 1_000, 10_000_000
NO_DAY = Text("该场馆当日不开放", "This venue is not open on that day")


def _day(venue_code: str, day: date) -> FairDay:
    fair_day = venues.find_fair_day(venue_code, day)
    if fair_day is None:
        raise NotFound("day_not_found", NO_DAY)
    return fair_day


def set_booking_opens(actor: Actor, venue_code: str, day: date,
                      opens_at: datetime | None) -> FairDay:
    """Booking for the day opens at ``opens_at`` behind the waiting room (None: no
    scheduled opening, booking as usual)."""
    fair_day = _day(venue_code, day)
    if opens_at is not None and opens_at.tzinfo is None:
        raise invalid_field("booking_opens", Text("请给出时区", "Give the time with its zone"))
    before = fair_day.booking_opens_at
    fair_day.booking_opens_at = opens_at
    audit(actor, "booking_opens_set", venue=fair_day.venue.code, target=day.isoformat(),
          details={"before": before.isoformat() if before else None,
                   "after": opens_at.isoformat() if opens_at else None})
    return fair_day


def set_admission_rate(actor: Actor, venue_code: str, day: date, rate: float) -> None:
    """Admissions per second from now on (0 pauses them); the ones admitted stay so."""
    if not 0 <= rate <= MAX_RATE:
        raise invalid_field("rate", Text(f"入场速度须在 0 到 {MAX_RATE} 之间（每秒）",
                                         f"The rate must be 0 to {MAX_RATE} per second"))
    fair_day = _day(venue_code, day)
    room, now = waiting_room(), time.time()
    plan = room.plan_for(fair_day, now)
    if plan is None:
        raise invalid_field("rate", Text("该日没有排队（未设置预约开放时间）",
                                         "This day has no waiting room (no booking opening set)"))
    room.store.set_rate(plan.room, rate, plan.opens_at, float(room.config["WAITING_ROOM_RATE"]),
                        now)
    audit(actor, "waiting_room_rate_set", venue=fair_day.venue.code, target=day.isoformat(),
          details={"rate": rate})


def set_bot_defence(actor: Actor, *, pow_max_number: int, pow_on_booking: bool,
                    surge_per_second: float) -> None:
    """The proof-of-work cost, whether booking and look-up ask one too, and the request
    rate that switches the room on for days without a scheduled opening (0: never)."""
    if not POW_MIN <= pow_max_number <= POW_MAX:
        raise invalid_field("pow_max_number", Text(
            f"难度须在 {POW_MIN} 到 {POW_MAX} 之间", f"The cost must be {POW_MIN} to {POW_MAX}"))
    if not 0 <= surge_per_second <= MAX_RATE:
        raise invalid_field("surge_per_second", Text(
            f"须在 0 到 {MAX_RATE} 之间", f"Must be 0 to {MAX_RATE}"))
    room = waiting_room()
    before = room.settings()
    room.set_setting("pow_max_number", pow_max_number)
    room.set_setting("pow_on_booking", pow_on_booking)
    room.set_setting("surge_per_second", surge_per_second)
    audit(actor, "bot_defence_set", details={
        "before": before, "after": {"pow_max_number": pow_max_number,
                                    "pow_on_booking": pow_on_booking,
                                    "surge_per_second": surge_per_second}})

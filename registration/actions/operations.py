"""Venues, gates, fair days and slots: what operations staff and CLI operators do.

Each action checks and normalises through the services, writes one audit entry with the
before/after values, and leaves the commit to the caller's unit of work."""
from __future__ import annotations

from datetime import date, time

from gate.i18n import Text
from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.models import FairDay, Gate, TimeSlot, Venue
from registration.services import operations, venues
from registration.services.errors import Conflict
from registration.services.operations import KEEP, Keep

DAY_EXISTS = Text("该日已存在，请在列表中编辑", "This day exists already: edit it in the list")


def _day_state(fair_day: FairDay | None) -> dict | None:
    if fair_day is None:
        return None
    return {"quota": fair_day.quota, "walk_in_reserve": fair_day.walk_in_reserve,
            "occupancy_limit": fair_day.occupancy_limit, "opens": f"{fair_day.opens:%H:%M}",
            "closes": f"{fair_day.closes:%H:%M}"}


def set_day(actor: Actor, venue_code: str, day: date, *, quota: int,
            opens: time | None = None, closes: time | None = None,
            occupancy_limit: int | None | Keep = KEEP, walk_in_reserve: int | None = None,
            new_only: bool = False) -> FairDay:
    """Create or change a venue-day. ``occupancy_limit``: a number, None (no limit) or
    KEEP (unchanged); ``new_only``: refuse a day that exists already."""
    before = venues.find_fair_day(venue_code, day)
    if new_only and before is not None:
        raise Conflict("day_exists", DAY_EXISTS, {"date": DAY_EXISTS})
    old = _day_state(before)
    fair_day = operations.set_day(venue_code, day, quota=quota, opens=opens, closes=closes,
                                  occupancy_limit=occupancy_limit,
                                  walk_in_reserve=walk_in_reserve)
    audit(actor, "day_set", venue=fair_day.venue.code, target=day.isoformat(),
          details={"before": old, "after": _day_state(fair_day)})
    return fair_day


def set_venue(actor: Actor, code: str, name_zh: str, name_en: str, *,
              gates: list[str] | None = None, id_check_kinds: list[str] | None = None
              ) -> Venue:
    venue = operations.set_venue(code, name_zh, name_en, gates=gates,
                                 id_check_kinds=id_check_kinds)
    details = {"name_zh": venue.name_zh, "name_en": venue.name_en}
    if gates:
        details["gates"] = sorted({gate.code for gate in venue.gates})
    if id_check_kinds is not None:
        details["id_check_kinds"] = venue.id_check_kind_list
    audit(actor, "venue_set", venue=venue.code, target=venue.code, details=details)
    return venue


def add_gate(actor: Actor, venue_code: str, code: str, name: str = "") -> Gate:
    gate = operations.add_gate(venue_code, code, name)
    audit(actor, "gate_added", venue=gate.venue.code, target=gate.code)
    return gate


def set_slot(actor: Actor, fair_day: FairDay, code: str, starts: time, ends: time,
             quota: int) -> TimeSlot:
    slot = operations.set_slot(fair_day, code, starts, ends, quota)
    audit(actor, "slot_set", venue=fair_day.venue.code,
          target=f"{fair_day.date.isoformat()} {slot.code}",
          details={"starts": f"{slot.starts:%H:%M}", "ends": f"{slot.ends:%H:%M}",
                   "quota": slot.quota})
    return slot

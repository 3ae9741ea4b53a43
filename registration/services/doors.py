"""What a zone's door gate knows besides the pass (gate.doors.DoorFacts), from the database.

A gate with ``zone_id`` is a door of that zone (a room, hall or lounge inside the venue):
its verdicts follow the door rules (gate.rules.decide with ``door=``), its passages keep the
pass's presence in the zone (ZonePresence), not the venue's. The zone's sessions of a day
are its forums starting on that venue-local day; a pass holds a seat in a session when its
appointment (the booking, or the credential's carrier) has an active seat there.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gate.vocabulary import SeatStatus
from registration.extensions import db
from registration.models import Gate
from registration.models.zone import Forum, Seat, Zone
from registration.services import presence


def zone_of_gate(gate_code: str) -> Zone | None:
    """The zone whose door ``gate_code`` is (None: a venue entrance)."""
    gate = db.session.scalar(select(Gate).where(Gate.code == gate_code))
    return gate.zone if gate is not None and gate.zone_id is not None else None


def day_bounds(zone: Zone, day: date) -> tuple[datetime, datetime]:
    """The venue-local ``day`` as an aware UTC interval [start, end)."""
    tz = ZoneInfo(zone.venue.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def sessions(zone: Zone, day: date) -> list[Forum]:
    """The zone's forums of the venue-local ``day``, by start."""
    start, end = day_bounds(zone, day)
    return list(db.session.scalars(select(Forum).where(
        Forum.zone_id == zone.id, Forum.starts >= start, Forum.starts < end)
        .order_by(Forum.starts, Forum.id)))


def window(forum: Forum):
    from gate.doors import SessionWindow
    return SessionWindow.of(forum.code, forum.starts, forum.ends,
                            doors_open_minutes=forum.doors_open_minutes,
                            admit_until_minutes=forum.admit_until_minutes)


def seats_by_appointment(forums: list[Forum], appointment_ids) -> dict[int, list[str]]:
    """Appointment id -> forum codes of its active seats among ``forums`` (one query)."""
    found: dict[int, list[str]] = defaultdict(list)
    ids = sorted({a for a in appointment_ids if a is not None})
    if not forums or not ids:
        return found
    codes = {forum.id: forum.code for forum in forums}
    for appointment_id, forum_id in db.session.execute(
            select(Seat.appointment_id, Seat.forum_id)
            .where(Seat.forum_id.in_(sorted(codes)), Seat.appointment_id.in_(ids),
                   Seat.status == SeatStatus.active).order_by(Seat.id)):
        found[appointment_id].append(codes[forum_id])
    return found


def door_facts(zone: Zone, day: date, appointment_id: int | None, *,
               full: bool = False, forums: list[Forum] | None = None):
    """The DoorFacts for a pass (its appointment) at a door of ``zone`` on ``day``.
    ``full``: the room's pool refused a place a moment ago (decide says room_full)."""
    from gate.doors import DoorFacts
    forums = sessions(zone, day) if forums is None else forums
    held = seats_by_appointment(forums, [appointment_id]).get(appointment_id, [])
    inside = presence.inside_count(zone.id, day)
    if full and zone.capacity is not None:
        inside = max(inside, zone.capacity)
    return DoorFacts(zone=zone.code, seated=zone.seated, allowed_kinds=zone.allowed_kinds,
                     capacity=zone.capacity, inside_now=inside,
                     sessions=tuple(window(forum) for forum in forums),
                     seats=frozenset(held))


def zone_wire(zone: Zone, forums: list[Forum]) -> dict:
    """The manifest header's ``zone`` (schemas.gate.ZoneSchema)."""
    def iso(at: datetime) -> str:
        return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

    wire_sessions = []
    for forum in forums:
        w = window(forum)
        wire_sessions.append({"code": forum.code, "title": forum.title.as_dict(),
                              "starts": iso(w.starts), "ends": iso(w.ends),
                              "doors_open": iso(w.doors_open),
                              "admits_until": iso(w.admits_until)})
    kinds = zone.allowed_kinds
    return {"code": zone.code, "kind": zone.kind.value, "name": zone.name.as_dict(),
            "seated": zone.seated, "kinds": sorted(k.value for k in kinds) if kinds else None,
            "capacity": zone.capacity, "sessions": wire_sessions}


def zone_of_device(device) -> Zone | None:
    """The zone whose door the device was enrolled for (None: an entrance device)."""
    gate = device.gate
    return gate.zone if gate is not None and gate.zone_id is not None else None


def door_header(device, fair_day, policy: dict) -> dict:
    """What a manifest header adds for gates: ``zone`` (a door device's zone and its
    sessions of the day, else None), ``attention_kinds`` (the kinds' check-in texts), and
    at a door the ``policy`` whose ``occupancy_limit`` is the room's capacity: a door
    kiosk leases room credits (services/leases.py with the zone), never the venue's."""
    from registration.services import attention

    zone = zone_of_device(device)
    header = {"zone": None, "attention_kinds": attention.kind_notes()}
    if zone is not None:
        header["zone"] = zone_wire(zone, sessions(zone, fair_day.date))
        header["policy"] = {**policy, "occupancy_limit": zone.capacity}
    return header


def add_item_fields(items: list[dict], rows, zone: Zone | None, wire: dict | None) -> None:
    """Each manifest item's ``seats`` (forum codes of its active seats in the door's zone
    today; [] at an entrance) and ``attention`` (its own or its organisation's check-in
    text, else None). Two or three queries for the page."""
    from registration.services import attention

    appointment_ids = [row.appointment_id for row in rows]
    notes = attention.item_notes(appointment_ids)
    held: dict[int, list[str]] = {}
    if zone is not None and wire is not None and wire["sessions"]:
        codes = [s["code"] for s in wire["sessions"]]
        forums = list(db.session.scalars(select(Forum).where(Forum.code.in_(codes))))
        held = seats_by_appointment(forums, appointment_ids)
    for item, row in zip(items, rows):
        item["seats"] = sorted(held.get(row.appointment_id, ()))
        item["attention"] = notes.get(row.appointment_id)

"""The rooms of a venue-day: per zone with forums that day, each forum's seats, seats booked,
attended and no-shows, and the people in the room now (docs/forums.md "Dashboard").

- booked: the forum's active seats;
- attended: distinct seat holders admitted at one of the room's doors (an admitted entry
  event of the zone, not annulled) within the forum's door window (doors open .. admits
  until, gate/doors.py), matched by the appointment that holds the seat;
- no-shows: booked minus attended, once the door window has closed (before, nobody is a
  no-show yet);
- inside now: the zone's presence rows counted inside (ZonePresence), for the room.

Counts only: no names, documents or serials, so the daily report can print them. Reads go
through ``session`` (the dashboard's read replica, or the primary for exports).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from gate.vocabulary import SeatStatus
from registration.models import CheckInEvent, Venue, ZonePresence
from registration.models.zone import Forum, Seat, Zone
from registration.services.calendar import utc_now
from registration.services.doors import window


def _day_bounds(venue: Venue, day: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(venue.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


def forums_of_day(venue: Venue, day: date, session) -> list[Forum]:
    """The venue's forums starting on its local ``day``, by room then start."""
    start, end = _day_bounds(venue, day)
    return list(session.scalars(
        select(Forum).join(Zone, Zone.id == Forum.zone_id)
        .where(Zone.venue_id == venue.id, Forum.starts >= start, Forum.starts < end)
        .order_by(Zone.code, Forum.starts, Forum.code)))


def forum_attendance(venue: Venue, day: date, session, *, now: datetime | None = None
                     ) -> list[dict]:
    """One row per forum of the day: code, room, title, times, seats, booked, attended,
    no_shows (None while its door window is open or ahead) and its state."""
    now = now or utc_now()
    forums = forums_of_day(venue, day, session)
    if not forums:
        return []
    holders: dict[int, set[int]] = defaultdict(set)
    for forum_id, appointment_id in session.execute(
            select(Seat.forum_id, Seat.appointment_id).where(
                Seat.forum_id.in_([f.id for f in forums]), Seat.status == SeatStatus.active)):
        holders[forum_id].add(appointment_id)
    windows = {forum.id: window(forum) for forum in forums}
    tz = ZoneInfo(venue.timezone)
    first = min(w.doors_open for w in windows.values())
    last = max(w.admits_until for w in windows.values())
    e = CheckInEvent.__table__
    by_zone: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for zone_id, appointment_id, scanned_at in session.execute(
        select(e.c.zone_id, e.c.appointment_id, e.c.scanned_at).where(
            e.c.venue_id == venue.id, e.c.zone_id.in_(sorted({f.zone_id for f in forums})),
            e.c.admit.is_(True), e.c.direction == "in", e.c.annulled_at.is_(None),
            e.c.appointment_id.is_not(None),
            # The (venue, day) index first: the days the door windows fall on.
            e.c.day >= first.astimezone(tz).date(), e.c.day <= last.astimezone(tz).date(),
            e.c.scanned_at >= first, e.c.scanned_at <= last)):
        by_zone[zone_id].append((appointment_id, scanned_at))
    rows = []
    for forum in forums:
        door = windows[forum.id]
        seen = {appointment_id for appointment_id, scanned_at in by_zone[forum.zone_id]
                if door.doors_open <= scanned_at <= door.admits_until}
        booked, attended = len(holders[forum.id]), len(holders[forum.id] & seen)
        state = ("over" if now > door.admits_until
                 else "doors_open" if now >= door.doors_open else "ahead")
        rows.append({
            "code": forum.code, "zone": forum.zone.code,
            "title": {"zh": forum.title_zh, "en": forum.title_en},
            "starts": forum.starts.astimezone(tz).strftime("%H:%M"),
            "ends": forum.ends.astimezone(tz).strftime("%H:%M"),
            "seats": forum.seats, "booked": booked, "attended": attended,
            "no_shows": booked - attended if state == "over" else None, "state": state,
        })
    return rows


def rooms_of_day(venue: Venue, day: date, session, *, now: datetime | None = None
                 ) -> list[dict]:
    """Each zone with forums that day: code, name, capacity, inside now and its forums."""
    forums = forum_attendance(venue, day, session, now=now)
    if not forums:
        return []
    zones = {zone.code: zone for zone in session.scalars(
        select(Zone).where(Zone.code.in_(sorted({f["zone"] for f in forums}))))}
    p = ZonePresence.__table__
    inside = dict(session.execute(
        select(p.c.zone_id, func.count()).where(
            p.c.zone_id.in_([z.id for z in zones.values()]), p.c.day == day,
            p.c.inside.is_(True)).group_by(p.c.zone_id)).all())
    return [{"code": code, "name": {"zh": zone.name_zh, "en": zone.name_en},
             "capacity": zone.capacity, "inside": inside.get(zone.id, 0),
             "forums": [f for f in forums if f["zone"] == code]}
            for code, zone in sorted(zones.items())]

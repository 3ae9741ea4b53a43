"""The live numbers of one venue-day, read from the booking and gate tables.

- bookings: the fair day's counters (``booked``/``quota``, the walk-in share);
- admitted / inside now: ``PassPresence`` rows (one per pass per day, kept by the gate
  services from every admitted passage, offline uploads included);
- per gate: admitted entries, exits and refusals from ``CheckInEvent``, and each enrolled
  kiosk's last contact (``Device.last_seen_at``), offline after ``DEVICE_OFFLINE_SECONDS``;
- entries per 15 minutes (venue-local), and the anomalies the gate services flagged.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from registration.services.reads import read_session
from registration.models import (
    CheckInEvent, Device, FairDay, Gate, PassPresence, Venue, split_codes,
)
from registration.services.calendar import utc_now
from registration.services import kind_counts
from registration.services.waitlist import line_counts

BUCKET_MINUTES = 15
RECENT_ANOMALIES = 20


def venue_day_numbers(venue: Venue, day: date, *, now: datetime | None = None) -> dict:
    """Everything the dashboard shows, as plain JSON-ready data."""
    now = now or utc_now()
    fair_day = read_session().scalar(
        select(FairDay).where(FairDay.venue_id == venue.id, FairDay.date == day))
    presence = PassPresence.__table__
    admitted, inside = read_session().execute(
        select(func.count().filter(presence.c.entries > 0),
               func.count().filter(presence.c.inside.is_(True)))
        .where(presence.c.venue_id == venue.id, presence.c.day == day)).one()
    return {
        "venue": venue.code, "date": day.isoformat(), "generated_at": now.isoformat(),
        "open": fair_day is not None,
        "hours": ({"opens": f"{fair_day.opens:%H:%M}", "closes": f"{fair_day.closes:%H:%M}"}
                  if fair_day else None),
        "booked": fair_day.booked if fair_day else 0,
        "quota": fair_day.quota if fair_day else 0,
        "walk_in_booked": fair_day.walk_in_booked if fair_day else 0,
        "walk_in_reserve": fair_day.walk_in_reserve if fair_day else 0,
        "admitted": admitted or 0,
        "inside": inside or 0,
        "occupancy_limit": fair_day.occupancy_limit if fair_day else None,
        "gates": _gates(venue, day, now),
        "series": entries_per_bucket(venue, day, fair_day),
        "anomalies": _anomalies(venue, day),
        # The waiting list (docs/waiting-list.md): offered entries hold booked places.
        **_waitlist(fair_day),
        # Credential kinds (services/kind_counts.py): issued, admitted and inside per kind,
        # and each exhibitor's badges used / quota.
        "by_kind": kind_counts.counts_by_kind(venue, day),
        "exhibitors": kind_counts.exhibitor_badges(venue),
    }


def _waitlist(fair_day: FairDay | None) -> dict:
    counts = line_counts([fair_day.id], read_session())[fair_day.id] if fair_day \
        else {"waiting": 0, "offered": 0}
    return {"waitlist_waiting": counts["waiting"], "waitlist_offered": counts["offered"]}


def _gates(venue: Venue, day: date, now: datetime) -> list[dict]:
    events = CheckInEvent.__table__
    counts = Counter()
    for gate_code, direction, admit, count in read_session().execute(
            select(events.c.gate, events.c.direction, events.c.admit, func.count())
            .where(events.c.venue_id == venue.id, events.c.day == day)
            .group_by(events.c.gate, events.c.direction, events.c.admit)):
        key = "denied" if not admit else ("entries" if direction == "in" else "exits")
        counts[(gate_code, key)] += count
    offline_after = timedelta(seconds=int(current_app.config["DEVICE_OFFLINE_SECONDS"]))
    devices: dict[int, list[dict]] = {}
    for device in read_session().scalars(select(Device).where(
            Device.venue_id == venue.id, Device.revoked_at.is_(None)).order_by(Device.id)):
        seen = device.last_seen_at
        devices.setdefault(device.gate_id, []).append({
            "id": device.id, "name": device.name,
            "last_seen_at": seen.isoformat() if seen else None,
            "seconds_since": int((now - seen).total_seconds()) if seen else None,
            "online": seen is not None and now - seen <= offline_after,
        })
    gates = []
    venue_gates = read_session().scalars(
        select(Gate).where(Gate.venue_id == venue.id).order_by(Gate.code))
    for gate in venue_gates:
        kiosks = devices.get(gate.id, [])
        gates.append({
            "code": gate.code, "name": gate.name,
            "entries": counts[(gate.code, "entries")], "exits": counts[(gate.code, "exits")],
            "denied": counts[(gate.code, "denied")], "kiosks": kiosks,
            # A gate with kiosks none of which is in touch needs someone to look at it.
            "offline": bool(kiosks) and not any(k["online"] for k in kiosks),
        })
    return gates


def entries_per_bucket(venue: Venue, day: date, fair_day: FairDay | None) -> list[dict]:
    """Admitted entries per 15 minutes of venue-local time, from opening to closing (wider
    when entries fall outside the hours), empty buckets included."""
    zone = ZoneInfo(venue.timezone)
    events = CheckInEvent.__table__
    stamps = read_session().scalars(select(events.c.scanned_at).where(
        events.c.venue_id == venue.id, events.c.day == day, events.c.admit.is_(True),
        events.c.direction == "in")).all()
    counts = Counter(_bucket(stamp.astimezone(zone).time()) for stamp in stamps)
    first = _bucket(fair_day.opens) if fair_day else 9 * 60
    last = _bucket(fair_day.closes) if fair_day else 18 * 60
    if fair_day and fair_day.closes.minute % BUCKET_MINUTES == 0:
        last -= BUCKET_MINUTES  # the bucket starting at closing time is after the day
    if counts:
        first, last = min(first, min(counts)), max(last, max(counts))
    return [{"start": f"{minute // 60:02d}:{minute % 60:02d}", "entries": counts[minute]}
            for minute in range(first, last + 1, BUCKET_MINUTES)]


def _bucket(moment: time) -> int:
    minute = moment.hour * 60 + moment.minute
    return minute - minute % BUCKET_MINUTES


def _anomalies(venue: Venue, day: date) -> dict:
    events = CheckInEvent.__table__
    rows = read_session().execute(
        select(events.c.id, events.c.scanned_at, events.c.gate, events.c.serial,
               events.c.anomalies)
        .where(events.c.venue_id == venue.id, events.c.day == day,
               events.c.anomalies.is_not(None))
        .order_by(events.c.scanned_at.desc(), events.c.id.desc())).all()
    counts = Counter(code for row in rows for code in split_codes(row.anomalies))
    zone = ZoneInfo(venue.timezone)
    recent = [{"at": row.scanned_at.astimezone(zone).strftime("%H:%M:%S"), "gate": row.gate,
               "serial": row.serial, "codes": split_codes(row.anomalies)}
              for row in rows[:RECENT_ANOMALIES]]
    return {"counts": dict(sorted(counts.items())), "total": len(rows), "recent": recent}


def visible_days(venue: Venue) -> list[date]:
    return list(read_session().scalars(
        select(FairDay.date).where(FairDay.venue_id == venue.id).order_by(FairDay.date)))

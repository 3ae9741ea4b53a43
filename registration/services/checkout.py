"""Check-out at closing time: everyone the gates still count inside a venue (or one zone)
is marked out, so the day's "inside" figures end at zero (docs/forums.md "Check-out").

A check-out at a moment ``at`` (the cut-off) clears ``inside`` on the presence rows of
``at``'s venue-local day whose last passage was at or before ``at`` (someone let in after
the cut-off stays inside), and empties the day's occupancy pools: a venue's check-out
empties the venue's pool and every room's of that day (nobody is in a room of a closed
venue), a zone's its own. Entries, exits and the events are left as the gates reported
them: a check-out is no passage. Running it again finds nobody and changes nothing.

:func:`due` is the automatic part (``fairgate gate checkout --due`` on a timer): every
venue-day whose closing time has passed, at its closing time (on a day already over, also
whoever came in after the closing), and every zone with its own closing time
(``Zone.closes``, earlier or later than the venue's) that has passed today, at that time.
A late upload of events from before the closing can mark someone inside again; the next
run checks them out again. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update

from gate.i18n import Text
from registration.extensions import db
from registration.models import (
    FairDay, ManifestChange, ManifestEntry, Pass, PassPresence, Venue, Zone, ZonePresence,
)
from registration.models import OccupancyPool as PoolRow
from registration.services import manifest
from registration.services.calendar import utc_now
from registration.services.errors import NotFound, invalid_field
from registration.services.forums import parse_time

UNKNOWN_VENUE = Text("没有这个场馆", "Unknown venue")
UNKNOWN_ZONE = Text("没有这个区域", "Unknown zone")
ZONE_ELSEWHERE = Text("该区域不属于这个场馆", "This zone is not at this venue")
# How far back the timer looks for days still counting someone inside (a late upload).
LOOKBACK_DAYS = 7
IN_FUTURE = Text("签出时间不能晚于现在", "The check-out time cannot be later than now")


def no_fair_day(venue: str, day: date) -> Text:
    return Text(f"{venue} 在 {day.isoformat()} 没有展期", f"{venue} has no fair day on "
                f"{day.isoformat()}")


@dataclass
class CheckOut:
    """One check-out done: a venue (and its rooms), or one zone, on one day."""

    venue: str
    day: date
    at: datetime  # the cut-off, aware UTC
    zone: str | None = None
    people: int = 0  # marked out of the venue (a zone's check-out: of the zone)
    rooms: dict[str, int] = field(default_factory=dict)  # zone code -> marked out of it
    pools_emptied: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.people or any(self.rooms.values()) or self.pools_emptied)


def _venue(code: str) -> Venue:
    venue = db.session.scalar(select(Venue).where(Venue.code == (code or "").strip().upper()))
    if venue is None:
        raise NotFound("unknown_venue", UNKNOWN_VENUE, {"venue": UNKNOWN_VENUE})
    return venue


def _zone(code: str, venue: Venue) -> Zone:
    zone = db.session.scalar(select(Zone).where(Zone.code == (code or "").strip().upper()))
    if zone is None:
        raise NotFound("unknown_zone", UNKNOWN_ZONE, {"zone": UNKNOWN_ZONE})
    if zone.venue_id != venue.id:
        raise invalid_field("zone", ZONE_ELSEWHERE, "zone_elsewhere")
    return zone


def _fair_day(venue: Venue, day: date) -> FairDay | None:
    return db.session.scalar(select(FairDay).where(FairDay.venue_id == venue.id,
                                                   FairDay.date == day))


def check_out(venue_code: str, *, zone_code: str | None = None, at=None,
              now: datetime | None = None) -> CheckOut:
    """Check out everyone inside the venue (or the zone ``zone_code``) as of ``at`` (ISO
    text or a datetime, naive: venue-local; default now), on ``at``'s venue-local day."""
    now = now or utc_now()
    venue = _venue(venue_code)
    zone = _zone(zone_code, venue) if zone_code else None
    cutoff = parse_time(at, venue, "at") if at is not None else now
    if cutoff > now:
        raise invalid_field("at", IN_FUTURE, "at_in_future")
    day = cutoff.astimezone(ZoneInfo(venue.timezone)).date()
    fair_day = _fair_day(venue, day)
    if fair_day is None:
        message = no_fair_day(venue.code, day)
        raise NotFound("no_fair_day", message, {"at": message})
    if zone is not None:
        return _zone_out(venue, zone, fair_day, cutoff)
    return _venue_out(venue, fair_day, cutoff)


def _venue_out(venue: Venue, fair_day: FairDay, at: datetime,
               cutoff: datetime | None = None, open_zones: frozenset[int] = frozenset()
               ) -> CheckOut:
    """Check out at ``at`` whoever last passed by ``cutoff`` (default ``at``), from the
    venue and its zones but ``open_zones`` (rooms closed at their own time)."""
    cutoff = cutoff or at
    done = CheckOut(venue.code, fair_day.date, at)
    pools = PoolRow.__table__
    # Pools first: the gates take the pool's row lock before presence rows.
    done.pools_emptied = _empty_pools(fair_day, pools.c.zone_id.is_(None)
                                      | pools.c.zone_id.not_in(sorted(open_zones)))
    marked = _mark_out(PassPresence.__table__, [PassPresence.venue_id == venue.id],
                       fair_day.date, cutoff)
    done.people = len(marked)
    zones = ZonePresence.__table__
    in_rooms = _mark_out(zones, [zones.c.venue_id == venue.id,
                                 zones.c.zone_id.not_in(sorted(open_zones))],
                         fair_day.date, cutoff)
    codes = dict(db.session.execute(select(Zone.id, Zone.code).where(
        Zone.id.in_(sorted({row.zone_id for row in in_rooms})))).all()) if in_rooms else {}
    for row in in_rooms:
        done.rooms[codes[row.zone_id]] = done.rooms.get(codes[row.zone_id], 0) + 1
    done.rooms = dict(sorted(done.rooms.items()))
    _tell_kiosks(fair_day, [row.serial for row in marked])
    return done


def _zone_out(venue: Venue, zone: Zone, fair_day: FairDay, cutoff: datetime) -> CheckOut:
    done = CheckOut(venue.code, fair_day.date, cutoff, zone=zone.code)
    done.pools_emptied = _empty_pools(fair_day, PoolRow.__table__.c.zone_id == zone.id)
    zones = ZonePresence.__table__
    done.people = len(_mark_out(zones, [zones.c.zone_id == zone.id], fair_day.date, cutoff))
    return done


def _empty_pools(fair_day: FairDay, which) -> int:
    """Nobody is inside any more: the day's pools picked by ``which`` count zero inside."""
    table = PoolRow.__table__
    return db.session.execute(update(table).where(
        table.c.fair_day_id == fair_day.id, table.c.inside > 0, which)
        .values(inside=0, updated_at=utc_now())).rowcount


def _mark_out(table, place: list, day: date, cutoff: datetime) -> list:
    """Clear ``inside`` on the place's rows of ``day`` last passed at or before ``cutoff``;
    the rows marked out (id, serial, and zone_id for zone rows)."""
    where = [*place, table.c.day == day, table.c.inside.is_(True),
             or_(table.c.last_passed_at.is_(None), table.c.last_passed_at <= cutoff)]
    columns = [table.c.id, table.c.serial] + (
        [table.c.zone_id] if "zone_id" in table.c else [])
    rows = db.session.execute(select(*columns).where(*where)
                              .order_by(table.c.id).with_for_update()).all()
    if rows:
        db.session.execute(update(table).where(table.c.id.in_([r.id for r in rows]),
                                               table.c.inside.is_(True))
                           .values(inside=False, version=table.c.version + 1,
                                   updated_at=utc_now()))
    return rows


def _tell_kiosks(fair_day: FairDay, serials: list[str]) -> None:
    """The entrance kiosks' manifests carry presence: bump the passes checked out."""
    if not serials:
        return
    pass_ids = db.session.scalars(
        select(ManifestEntry.pass_id).join(Pass, Pass.id == ManifestEntry.pass_id)
        .where(ManifestEntry.fair_day_id == fair_day.id, Pass.serial.in_(serials))).all()
    if pass_ids:
        manifest.bump_entries(fair_day.id, sorted(pass_ids), ManifestChange.PRESENCE)


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(timezone.utc)


def _day_end(day: date, tz: ZoneInfo) -> datetime:
    return _local(day + timedelta(days=1), time(0), tz) - timedelta(microseconds=1)


def _days_with_people(venue: Venue, today: date) -> set[date]:
    """The venue's days of the last ``LOOKBACK_DAYS`` up to ``today`` with someone counted
    inside (venue, rooms, pools)."""
    since = today - timedelta(days=LOOKBACK_DAYS)
    p, z = PassPresence.__table__, ZonePresence.__table__
    pools = PoolRow.__table__
    days = set(db.session.scalars(select(p.c.day).distinct().where(
        p.c.venue_id == venue.id, p.c.day >= since, p.c.day <= today, p.c.inside.is_(True))))
    days |= set(db.session.scalars(select(z.c.day).distinct().where(
        z.c.venue_id == venue.id, z.c.day >= since, z.c.day <= today, z.c.inside.is_(True))))
    days |= set(db.session.scalars(
        select(FairDay.date).join(pools, pools.c.fair_day_id == FairDay.id)
        .where(FairDay.venue_id == venue.id, FairDay.date >= since, FairDay.date <= today,
               pools.c.inside > 0)))
    return days


def due(*, venue_code: str | None = None, now: datetime | None = None) -> list[CheckOut]:
    """Every check-out whose time has come (see the module's docstring); the ones that
    changed something."""
    now = now or utc_now()
    venues = [_venue(venue_code)] if venue_code else list(
        db.session.scalars(select(Venue).order_by(Venue.code)))
    done: list[CheckOut] = []
    for venue in venues:
        tz = ZoneInfo(venue.timezone)
        today = now.astimezone(tz).date()
        # Rooms with their own closing time, and when that is today.
        own = {zone: _local(today, zone.closes, tz) for zone in db.session.scalars(
            select(Zone).where(Zone.venue_id == venue.id, Zone.closes.is_not(None))
            .order_by(Zone.code))}
        for day in sorted(_days_with_people(venue, today)):
            fair_day = _fair_day(venue, day)
            if fair_day is None:
                continue  # no opening hours to close at
            closing = _local(day, fair_day.closes, tz)
            if day < today:
                done.append(_venue_out(venue, fair_day, closing, _day_end(day, tz)))
            elif closing <= now:  # rooms with their own time: below, at that time
                done.append(_venue_out(venue, fair_day, closing,
                                       open_zones=frozenset(z.id for z in own)))
        fair_day = _fair_day(venue, today)
        for zone, closes in own.items():
            if fair_day is not None and closes <= now:
                done.append(_zone_out(venue, zone, fair_day, closes))
    return [item for item in done if item.changed]

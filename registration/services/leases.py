"""Occupancy leases: a venue-day's pool of entry credits, kept in the database.

The arithmetic is :class:`gate.occupancy.OccupancyPool` (docs/gate-rules.md proves the limit
holds with gates offline); this module loads the pool from its row, applies one kiosk
request and stores the result, all in one transaction that starts by locking the pool row
(an UPDATE that changes nothing of substance: on PostgreSQL it takes the row lock, on SQLite
the database write lock), so concurrent requests queue instead of overwriting each other.
A client-made ``lease_id`` makes a retried request return its first answer unchanged.

Each grant is sized (:func:`gate.occupancy.stock_target`): enough for the gate to keep
admitting ``GATE_STOCK_COVER_MINUTES`` offline at its recent peak rate while the venue is at
most half full, less as it fills, never more than its fair share of the free places; the
kiosk's ``request`` is a hint (its own working stock), ``request: 0`` only reports. The
gate's rate comes from its own lease reports (:func:`recent_peak`): two short primary-key
range reads of the device's reports of the last ``GATE_STOCK_RATE_WINDOW_MINUTES``, each
report's entries spread over the time since the report before it.

Online verifications at a limited venue take and free places with one conditional UPDATE
each (:func:`take_place`, :func:`free_place`), the same bookkeeping as a one-credit lease
spent at once. A room's capacity (``Zone.capacity``) is the same bookkeeping on the room's
own pool row of the day (``OccupancyPool.zone_id``): the functions take the pool's zone.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text, update

from gate.i18n import Text
from gate.occupancy import CreditReport, LeaseError, OccupancyPool, peak_rate, stock_target
from registration.extensions import db
from registration.models import Device, DeviceCredits, DeviceLease, FairDay, Gate
from registration.models import OccupancyPool as PoolRow
from registration.models.checkin import VENUE_POOL, ZONE_POOL
from registration.services.calendar import utc_now
from registration.services.errors import Conflict
from registration.services.sql import dialect_insert

REJECTED = Text("租约报告与服务器记录不符，请联系工作人员",
                "The lease report does not match the service's records; please see staff")
REUSED = Text("该租约编号已用于另一天", "This lease id was already used for another day")


def _pool(fair_day: FairDay, zone=None) -> list:
    """The conditions picking one pool row: the venue-day's, or a zone's that day."""
    table = PoolRow.__table__
    return [table.c.fair_day_id == fair_day.id,
            table.c.zone_id.is_(None) if zone is None else table.c.zone_id == zone.id]


def _limit(fair_day: FairDay, zone=None) -> int | None:
    return fair_day.occupancy_limit if zone is None else zone.capacity


def _ensure_pool(fair_day: FairDay, zone=None) -> None:
    table = PoolRow.__table__
    key = (["fair_day_id"], VENUE_POOL) if zone is None \
        else (["fair_day_id", "zone_id"], ZONE_POOL)
    db.session.execute(dialect_insert(table).values(
        fair_day_id=fair_day.id, zone_id=zone.id if zone is not None else None,
        occupancy_limit=_limit(fair_day, zone), inside=0,
        outstanding=0, granted_total=0, consumed_total=0, returned_total=0, overdrawn_total=0,
        updated_at=utc_now()).on_conflict_do_nothing(
            index_elements=key[0], index_where=text(key[1])))


def _pool_row(fair_day: FairDay, zone=None):
    table = PoolRow.__table__
    return db.session.execute(select(table).where(*_pool(fair_day, zone))).one()


def _credits(fair_day: FairDay, zone=None) -> dict[int, int]:
    """Credits held for the pool: by the venue's entrance devices, or the zone's door
    devices (a device leases from the pool of the gate it was enrolled for)."""
    place = Gate.zone_id.is_(None) if zone is None else Gate.zone_id == zone.id
    return dict(db.session.execute(
        select(DeviceCredits.device_id, DeviceCredits.outstanding)
        .join(Device, Device.id == DeviceCredits.device_id)
        .join(Gate, Gate.id == Device.gate_id)
        .where(DeviceCredits.fair_day_id == fair_day.id, DeviceCredits.outstanding > 0,
               place)).all())


def _load(row, credits: dict[int, int], limit: int) -> OccupancyPool:
    """The pure pool in the state the database holds."""
    pool = OccupancyPool(max(limit, row.inside), inside=row.inside)
    pool.limit = row.inside + sum(credits.values())  # room to hand back what devices hold
    for device_id, held in credits.items():
        pool.grant(device_id, held)
    pool.limit = limit  # may now be below what is committed (a lowered limit): grants 0
    pool.granted_total, pool.consumed_total = row.granted_total, row.consumed_total
    pool.returned_total, pool.overdrawn_total = row.returned_total, row.overdrawn_total
    return pool


def pool_summary(fair_day: FairDay, zone=None) -> dict | None:
    """limit, inside, committed (inside + credits out) and grantable, or None (no limit):
    of the venue-day's pool, or the room ``zone``'s."""
    limit = _limit(fair_day, zone)
    if limit is None:
        return None
    table = PoolRow.__table__
    row = db.session.execute(select(table).where(*_pool(fair_day, zone))).one_or_none()
    inside, outstanding = (row.inside, row.outstanding) if row else (0, 0)
    return {"limit": limit, "inside": inside, "committed": inside + outstanding,
            "grantable": max(0, limit - inside - outstanding)}


def recent_peak(device: Device, fair_day: FairDay, now: datetime,
                entries_now: int = 0) -> float:
    """The device's peak admission rate (entries per minute, over any minute) in the last
    ``GATE_STOCK_RATE_WINDOW_MINUTES``, from its lease reports of this venue-day.

    Two reads, both short ranges of the primary key (report ids grow with their arrival
    time): the id of the last report of any device received before twice the window, then
    this device's reports after it (a kiosk reports at most once a sync round: about 20 rows
    a minute while it admits). Reports before the window only say when the report before
    the first one in the window arrived; if none came in the window before, its entries are
    spread from there. ``entries_now``: the report being applied, received ``now``.
    """
    window = timedelta(minutes=float(current_app.config["GATE_STOCK_RATE_WINDOW_MINUTES"]))
    start, horizon = now - window, now - 2 * window
    floor = db.session.scalar(select(func.max(DeviceLease.id))
                              .where(DeviceLease.created_at < horizon)) or 0
    rows = db.session.execute(
        select(DeviceLease.created_at, DeviceLease.entries)
        .where(DeviceLease.id > floor, DeviceLease.device_id == device.id,
               DeviceLease.fair_day_id == fair_day.id, DeviceLease.created_at >= horizon)
        .order_by(DeviceLease.id)).all()
    before = [at for at, _ in rows if at < start]
    recent = [(at, entries) for at, entries in rows if at >= start]
    since = before[-1] if before else (horizon if recent else None)
    return peak_rate(recent + [(now, entries_now)], now=now, window=window, since=since)


def lease(device: Device, fair_day: FairDay, lease_id: str, requested: int,
          report: CreditReport, *, now: datetime | None = None, zone=None) -> dict:
    """Apply a kiosk's credit report, then top its credits up to the sized stock
    (``requested``: the kiosk's hint, the stock it wants at least is what it holds plus
    this, within its fair share; 0: grant nothing). The answer's ``target`` is the stock
    sized for the gate, without the hint (so a kiosk holding more than it needs sees it);
    ``peak_per_minute`` the rate it was sized for. ``zone``: a door device's room, whose
    capacity is the pool's limit (the venue's occupancy limit is the entrances')."""
    base = {"lease_id": lease_id, "date": fair_day.date.isoformat()}
    limit = _limit(fair_day, zone)
    if limit is None:
        return {**base, "limited": False, "granted": 0, "credits": 0, "overdraft": 0,
                "pool": None, "target": None, "peak_per_minute": None}
    now = now or utc_now()
    _ensure_pool(fair_day, zone)
    table = PoolRow.__table__
    # The lock comes first, before anything is read.
    db.session.execute(update(table).where(*_pool(fair_day, zone))
                       .values(occupancy_limit=limit))
    stored = db.session.scalar(select(DeviceLease).where(
        DeviceLease.device_id == device.id, DeviceLease.lease_id == lease_id))
    if stored is not None:
        if stored.fair_day_id != fair_day.id:
            raise Conflict("lease_id_reused", REUSED, {"lease_id": REUSED})
        return {**base, "limited": True, "granted": stored.granted,
                "credits": stored.outstanding_after, "overdraft": stored.overdraft,
                "pool": pool_summary(fair_day, zone), "target": None,
                "peak_per_minute": None}
    pool = _load(_pool_row(fair_day, zone), _credits(fair_day, zone), limit)
    try:
        overdraft = pool.apply_report(device.id, report)
    except LeaseError:
        raise Conflict("lease_rejected", REJECTED, {"report.returned": REJECTED}) from None
    # Exits beyond the people known inside cannot be honoured: never let inside go below 0
    # (that would make places grantable that are taken).
    pool.inside = max(pool.inside, 0)
    held = pool.outstanding_for(device.id)
    peak = recent_peak(device, fair_day, now, report.entries)
    sizing = {"limit": limit, "inside": pool.inside, "held": sum(pool.outstanding.values()),
              "gates": len(set(pool.outstanding) | {device.id}), "peak_per_minute": peak,
              "cover_minutes": float(current_app.config["GATE_STOCK_COVER_MINUTES"]),
              "held_here": held}
    target = stock_target(**sizing)
    granted = 0
    if requested:
        wanted = stock_target(**sizing, hint=held + requested)
        granted = pool.grant(device.id, max(0, wanted - held))
    held = pool.outstanding_for(device.id)
    db.session.execute(update(table).where(*_pool(fair_day, zone)).values(
        inside=pool.inside, outstanding=sum(pool.outstanding.values()),
        granted_total=pool.granted_total,
        consumed_total=pool.consumed_total, returned_total=pool.returned_total,
        overdrawn_total=pool.overdrawn_total, updated_at=now))
    credits = DeviceCredits.__table__
    statement = dialect_insert(credits).values(device_id=device.id, fair_day_id=fair_day.id,
                                               outstanding=held)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["device_id", "fair_day_id"],
        set_={"outstanding": statement.excluded.outstanding}))
    db.session.add(DeviceLease(
        device_id=device.id, fair_day_id=fair_day.id, lease_id=lease_id, requested=requested,
        granted=granted, entries=report.entries, exits=report.exits,
        recycled_exits=report.recycled_exits, returned=report.returned, overdraft=overdraft,
        outstanding_after=held, created_at=now))
    db.session.flush()
    return {**base, "limited": True, "granted": granted, "credits": held,
            "overdraft": overdraft, "pool": pool_summary(fair_day, zone), "target": target,
            "peak_per_minute": round(peak, 2)}


def take_place(fair_day: FairDay, zone=None) -> bool:
    """One place for an online admission, if the pool (the venue-day's, or the room
    ``zone``'s) has one (conditional UPDATE)."""
    _ensure_pool(fair_day, zone)
    table = PoolRow.__table__
    result = db.session.execute(
        update(table).where(*_pool(fair_day, zone),
                            table.c.inside + table.c.outstanding < _limit(fair_day, zone))
        .values(inside=table.c.inside + 1, granted_total=table.c.granted_total + 1,
                consumed_total=table.c.consumed_total + 1, updated_at=utc_now()))
    return result.rowcount == 1


def give_back_place(fair_day: FairDay, zone=None) -> None:
    """Undo :func:`take_place` in the same transaction (the admission lost a race)."""
    table = PoolRow.__table__
    db.session.execute(update(table).where(*_pool(fair_day, zone)).values(
        inside=table.c.inside - 1, granted_total=table.c.granted_total - 1,
        consumed_total=table.c.consumed_total - 1))


def free_place(fair_day: FairDay, zone=None) -> None:
    """A known occupant left (``ok_exit`` online, an annulled admission): the place is
    grantable again."""
    table = PoolRow.__table__
    db.session.execute(update(table).where(*_pool(fair_day, zone), table.c.inside > 0)
                       .values(inside=table.c.inside - 1, updated_at=utc_now()))


def empty_pools(fair_day: FairDay) -> int:
    """Closing: nobody is inside any more (the venue's and the rooms' pools of the day)."""
    table = PoolRow.__table__
    return db.session.execute(update(table).where(table.c.fair_day_id == fair_day.id,
                                                  table.c.inside > 0)
                              .values(inside=0, updated_at=utc_now())).rowcount

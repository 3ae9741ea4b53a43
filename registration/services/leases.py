"""Occupancy leases: a venue-day's pool of entry credits, kept in the database.

The arithmetic is :class:`gate.occupancy.OccupancyPool` (docs/gate-rules.md proves the limit
holds with gates offline); this module loads the pool from its row, applies one kiosk
request and stores the result, all in one transaction that starts by locking the pool row
(an UPDATE that changes nothing of substance: on PostgreSQL it takes the row lock, on SQLite
the database write lock), so concurrent requests queue instead of overwriting each other.
A client-made ``lease_id`` makes a retried request return its first answer unchanged.

Online verifications at a limited venue take and free places with one conditional UPDATE
each (:func:`take_place`, :func:`free_place`), the same bookkeeping as a one-credit lease
spent at once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from gate.i18n import Text
from gate.occupancy import CreditReport, LeaseError, OccupancyPool
from registration.extensions import db
from registration.models import Device, DeviceCredits, DeviceLease, FairDay
from registration.models import OccupancyPool as PoolRow
from registration.services.calendar import utc_now
from registration.services.errors import Conflict
from registration.services.sql import dialect_insert

REJECTED = Text("租约报告与服务器记录不符，请联系工作人员",
                "The lease report does not match the service's records; please see staff")
REUSED = Text("该租约编号已用于另一天", "This lease id was already used for another day")


def _ensure_pool(fair_day: FairDay) -> None:
    table = PoolRow.__table__
    db.session.execute(dialect_insert(table).values(
        fair_day_id=fair_day.id, occupancy_limit=fair_day.occupancy_limit, inside=0,
        outstanding=0, granted_total=0, consumed_total=0, returned_total=0, overdrawn_total=0,
        updated_at=utc_now()).on_conflict_do_nothing(index_elements=["fair_day_id"]))


def _pool_row(fair_day: FairDay):
    table = PoolRow.__table__
    return db.session.execute(select(table).where(table.c.fair_day_id == fair_day.id)).one()


def _credits(fair_day: FairDay) -> dict[int, int]:
    return dict(db.session.execute(
        select(DeviceCredits.device_id, DeviceCredits.outstanding)
        .where(DeviceCredits.fair_day_id == fair_day.id, DeviceCredits.outstanding > 0)).all())


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


def pool_summary(fair_day: FairDay) -> dict | None:
    """limit, inside, committed (inside + credits out) and grantable, or None (no limit)."""
    if fair_day.occupancy_limit is None:
        return None
    table = PoolRow.__table__
    row = db.session.execute(select(table).where(table.c.fair_day_id == fair_day.id)
                             ).one_or_none()
    inside, outstanding = (row.inside, row.outstanding) if row else (0, 0)
    limit = fair_day.occupancy_limit
    return {"limit": limit, "inside": inside, "committed": inside + outstanding,
            "grantable": max(0, limit - inside - outstanding)}


def lease(device: Device, fair_day: FairDay, lease_id: str, requested: int,
          report: CreditReport, *, now: datetime | None = None) -> dict:
    """Apply a kiosk's credit report, then grant up to ``requested`` credits."""
    base = {"lease_id": lease_id, "date": fair_day.date.isoformat()}
    if fair_day.occupancy_limit is None:
        return {**base, "limited": False, "granted": 0, "credits": 0, "overdraft": 0,
                "pool": None}
    now = now or utc_now()
    limit = fair_day.occupancy_limit
    _ensure_pool(fair_day)
    table = PoolRow.__table__
    # The lock comes first, before anything is read.
    db.session.execute(update(table).where(table.c.fair_day_id == fair_day.id)
                       .values(occupancy_limit=limit))
    stored = db.session.scalar(select(DeviceLease).where(
        DeviceLease.device_id == device.id, DeviceLease.lease_id == lease_id))
    if stored is not None:
        if stored.fair_day_id != fair_day.id:
            raise Conflict("lease_id_reused", REUSED, {"lease_id": REUSED})
        return {**base, "limited": True, "granted": stored.granted,
                "credits": stored.outstanding_after, "overdraft": stored.overdraft,
                "pool": pool_summary(fair_day)}
    pool = _load(_pool_row(fair_day), _credits(fair_day), limit)
    try:
        overdraft = pool.apply_report(device.id, report)
    except LeaseError:
        raise Conflict("lease_rejected", REJECTED, {"report.returned": REJECTED}) from None
    # Exits beyond the people known inside cannot be honoured: never let inside go below 0
    # (that would make places grantable that are taken).
    pool.inside = max(pool.inside, 0)
    granted = pool.grant(device.id, requested)
    held = pool.outstanding_for(device.id)
    db.session.execute(update(table).where(table.c.fair_day_id == fair_day.id).values(
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
            "overdraft": overdraft, "pool": pool_summary(fair_day)}


def take_place(fair_day: FairDay) -> bool:
    """One place for an online admission, if the pool has one (conditional UPDATE)."""
    _ensure_pool(fair_day)
    table = PoolRow.__table__
    result = db.session.execute(
        update(table).where(table.c.fair_day_id == fair_day.id,
                            table.c.inside + table.c.outstanding < fair_day.occupancy_limit)
        .values(inside=table.c.inside + 1, granted_total=table.c.granted_total + 1,
                consumed_total=table.c.consumed_total + 1, updated_at=utc_now()))
    return result.rowcount == 1


def give_back_place(fair_day: FairDay) -> None:
    """Undo :func:`take_place` in the same transaction (the admission lost a race)."""
    table = PoolRow.__table__
    db.session.execute(update(table).where(table.c.fair_day_id == fair_day.id).values(
        inside=table.c.inside - 1, granted_total=table.c.granted_total - 1,
        consumed_total=table.c.consumed_total - 1))


def free_place(fair_day: FairDay) -> None:
    """A known occupant left (``ok_exit`` online): the place is grantable again."""
    table = PoolRow.__table__
    db.session.execute(update(table).where(table.c.fair_day_id == fair_day.id,
                                           table.c.inside > 0)
                       .values(inside=table.c.inside - 1, updated_at=utc_now()))

"""Taking a place of a venue-day's quota, and the one-statement booking commit of PostgreSQL.

A booking must hold two hot rows of its venue-day: the quota counter (``fair_days``) and the
manifest feed counter (``manifest_feeds``, whose row lock keeps change numbers visible in
commit order, see services/manifest.py). Both locks last until the commit, so the time
between the first of them and the commit is what limits bookings per second on one day.

On PostgreSQL :func:`take_and_number` takes the day's place, the slot's place, the next change
number and writes the manifest entry in ONE statement (data-modifying CTEs), sent as the last
statement before the commit: the rows stay locked for one round trip plus the commit. Locks
are taken in the order every writer uses: fair day, slot, feed. SQLite (one writer at a time)
runs the same steps as separate statements (services/booking.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, and_, bindparam, case, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql

from gate.passes import PassKind
from registration.extensions import db
from registration.models import Channel, FairDay, ManifestChange, ManifestEntry, ManifestFeed, \
    TimeSlot


def day_place_terms(channel: Channel, kind: PassKind | None = None):
    """``(condition, values)`` of the conditional UPDATE that takes one place of a day.

    The professional visitors' share (``professional_quota``) is theirs alone: a
    professional credential's carrier (channel ``credential``, kind ``professional``)
    takes a place of it, and no public booking, online or walk-in, ever does."""
    table = FairDay.__table__
    if channel is Channel.CREDENTIAL and kind == PassKind.professional:
        return (and_(table.c.professional_booked < table.c.professional_quota,
                     table.c.booked < table.c.quota),
                {"booked": table.c.booked + 1,
                 "professional_booked": table.c.professional_booked + 1})
    public_booked = table.c.booked - table.c.professional_booked
    if channel is Channel.WALK_IN:
        return (public_booked < (table.c.quota - table.c.professional_quota),
                {"booked": table.c.booked + 1, "walk_in_booked": table.c.walk_in_booked + 1})
    # Online and group bookings may not touch the part of the reserve walk-ins have not
    # used yet; walk-ins beyond the reserve share the online pool.
    reserve_used = case(
        (table.c.walk_in_booked < table.c.walk_in_reserve, table.c.walk_in_booked),
        else_=table.c.walk_in_reserve,
    )
    return ((public_booked - reserve_used)
            < (table.c.quota - table.c.walk_in_reserve - table.c.professional_quota),
            {"booked": table.c.booked + 1})


@dataclass(frozen=True)
class Taken:
    """What the booking statement did: a place of the day, of the slot (True when the day
    has no slots), and the manifest change number (None unless both places were taken)."""

    day: bool
    slot: bool
    seq: int | None


def take_and_number(fair_day_id: int, slot_id: int | None, channel: Channel, pass_id: int,
                    now: datetime) -> Taken:
    """PostgreSQL only: take the places and number the new pass's manifest entry, one
    statement. When a place is refused nothing is numbered and the caller rolls back."""
    params = {"booking_day": fair_day_id, "booking_pass": pass_id, "booking_now": now}
    if slot_id is not None:
        params["booking_slot"] = slot_id
    row = db.session.execute(_booking_statement(channel, slot_id is not None), params).one()
    return Taken(day=row[0] == 1, slot=slot_id is None or row[1] == 1, seq=row[-1])


@lru_cache(maxsize=None)
def _booking_statement(channel: Channel, with_slot: bool):
    """The statement of :func:`take_and_number`, built once per channel and slot shape (its
    values are bound parameters): building the CTEs cost more CPU than running them.
    The parameters' names are no column's: a DML statement would take such a key as a value
    to write."""
    day_table, slot_table = FairDay.__table__, TimeSlot.__table__
    feed, entry = ManifestFeed.__table__, ManifestEntry.__table__
    fair_day_id = bindparam("booking_day", type_=Integer)
    condition, values = day_place_terms(channel)
    day = (update(day_table).where(day_table.c.id == fair_day_id, condition)
           .values(**values).returning(day_table.c.id).cte("day_place"))
    taken = day
    slot = None
    if with_slot:
        # Only tried once the day's place is taken (the EXISTS is a one-time filter), so
        # the slot row is locked after the day row, as everywhere else.
        slot = (update(slot_table)
                .where(slot_table.c.id == bindparam("booking_slot", type_=Integer),
                       slot_table.c.booked < slot_table.c.quota, exists(select(day.c.id)))
                .values(booked=slot_table.c.booked + 1).returning(slot_table.c.id)
                .cte("slot_place"))
        taken = slot
    bump = postgresql.insert(feed).from_select(
        ["fair_day_id", "seq"], select(fair_day_id, literal(1)).select_from(taken))
    numbered = (bump.on_conflict_do_update(index_elements=["fair_day_id"],
                                           set_={"seq": feed.c.seq + 1})
                .returning(feed.c.seq).cte("feed_seq"))
    written = (postgresql.insert(entry).from_select(
        ["fair_day_id", "pass_id", "seq", "change", "changed_at"],
        select(fair_day_id, bindparam("booking_pass", type_=Integer), numbered.c.seq,
               literal(ManifestChange.BOOKED, entry.c.change.type),
               bindparam("booking_now", type_=entry.c.changed_at.type)))
        .returning(entry.c.seq).cte("entry_written"))
    # Evaluated left to right: the day's place, then the slot's, then the feed number.
    counts = [select(func.count()).select_from(day).scalar_subquery()]
    if slot is not None:
        counts.append(select(func.count()).select_from(slot).scalar_subquery())
    return select(*counts, select(written.c.seq).scalar_subquery())

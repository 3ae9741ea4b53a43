"""The venue-day a booking request names, read once per request.

A booking request needs its venue-day three times before it writes anything: the
waiting-room guard (is the room on for this day?), the waiting list's lazy expiry (did an
offer of the day run out?) and the booking service (is the day bookable, which slot?). One
SELECT answers all three: the day with its venue and slots, and whether an offer is due.
Inside a request the answer is kept on ``flask.g``, so the later callers do not read it
again (docs/booking-rush.md). Outside a request (commands, tests, benchmarks) every call
reads afresh, and a day that does not exist is never kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from flask import g, has_request_context
from sqlalchemy import Date, String, bindparam, exists, select
from sqlalchemy.orm import contains_eager, joinedload

from registration.extensions import db
from registration.models import FairDay, Venue, WaitlistEntry, WaitlistStatus
from registration.services.calendar import utc_now


@dataclass(frozen=True)
class BookingDay:
    """A venue-day (its venue and slots loaded) and whether one of its waiting list's
    offers had run out when it was read."""

    fair_day: FairDay
    offers_due: bool


def find(venue_code: str, day: date, now: datetime | None = None) -> BookingDay | None:
    """The venue-day ``venue_code`` / ``day`` names, or None when there is none."""
    key = ((venue_code or "").strip().upper(), day)
    kept = g.setdefault("fairgate_booking_days", {}) if has_request_context() else None
    found = kept.get(key) if kept is not None else None
    # A session closed or cleared meanwhile (tests do) would leave the day detached.
    if found is not None and found.fair_day in db.session:
        return found
    row = db.session.execute(_day_statement(), {
        "booking_venue": key[0], "booking_date": day, "due_by": now or utc_now(),
    }).unique().one_or_none()
    if row is None:
        return None
    found = BookingDay(row[0], bool(row[1]))
    if kept is not None:
        kept[key] = found
    return found


@lru_cache(maxsize=1)
def _day_statement():
    """Built once (its values are bound parameters): building an ORM statement costs more
    CPU than compiling it from the cache."""
    offers_due = exists().where(
        WaitlistEntry.fair_day_id == FairDay.id,
        WaitlistEntry.status == WaitlistStatus.OFFERED,
        WaitlistEntry.offer_expires_at <= bindparam(
            "due_by", type_=WaitlistEntry.__table__.c.offer_expires_at.type))
    return (select(FairDay, offers_due.label("offers_due")).join(Venue)
            .where(Venue.code == bindparam("booking_venue", type_=String),
                   FairDay.date == bindparam("booking_date", type_=Date))
            .options(contains_eager(FairDay.venue), joinedload(FairDay.slots)))

"""Reading venues, fair days and availability."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from gate.i18n import Text
from registration.extensions import db
from registration.models import FairDay, TimeSlot, Venue
from registration.services import booking_day
from registration.services.calendar import (
    beyond_horizon_message, booking_horizon, check_fair_day, venue_now, venue_today,
)
from registration.services.errors import NotFound, invalid_field


def list_venues_with_days(now: datetime | None = None) -> list[tuple[Venue, list[FairDay]]]:
    """Every venue with its fair days from today on (full days included, not hidden)."""
    venues = db.session.scalars(
        select(Venue).options(selectinload(Venue.days).selectinload(FairDay.slots))
        .order_by(Venue.id)
    ).all()
    return [
        (venue, [d for d in venue.days if d.date >= venue_today(venue, now)])
        for venue in venues
    ]


def all_venues() -> list[Venue]:
    return list(db.session.scalars(select(Venue).order_by(Venue.id)))


def days_of(venue: Venue) -> list[FairDay]:
    """Every fair day of the venue, past ones too (operations lists them all)."""
    return list(db.session.scalars(select(FairDay).where(FairDay.venue_id == venue.id)
                                   .order_by(FairDay.date)))


def find_fair_day(venue_code: str, day: date) -> FairDay | None:
    # The venue comes with the join (callers name it: cookies, passes), not lazily later.
    return db.session.scalar(select(FairDay).join(Venue).where(
        Venue.code == (venue_code or "").strip().upper(), FairDay.date == day)
        .options(contains_eager(FairDay.venue)))


def get_venue(code: str) -> Venue | None:
    return db.session.scalar(select(Venue).where(Venue.code == (code or "").upper()))


def get_fair_day(venue_code: str, day: date) -> FairDay:
    """The venue-day, or 404."""
    fair_day = db.session.scalar(
        select(FairDay).join(Venue).where(Venue.code == venue_code.upper(), FairDay.date == day)
        .options(selectinload(FairDay.slots))
    )
    if fair_day is None:
        raise NotFound("day_not_found", Text("该场馆当日不开放", "This venue is not open on that day"))
    return fair_day


def resolve_bookable_day(venue_code: str, day: date, slot_code: str | None,
                         now: datetime | None = None) -> tuple[FairDay, TimeSlot | None]:
    """The venue-day (and slot) a booking names, or 422 naming the bad field."""
    # The request's one read of the day (services/booking_day.py): the venue (the pass
    # names it) and the slots ride along; the venue alone is read only when the day does
    # not exist, to name the right field.
    found = booking_day.find(venue_code, day)
    fair_day = found.fair_day if found is not None else None
    venue = fair_day.venue if fair_day is not None else get_venue(venue_code)
    if venue is None:
        raise invalid_field("venue", Text("没有这个场馆", "Unknown venue"), "unknown_venue")
    check_fair_day(day)
    today = venue_today(venue, now)
    if day < today:
        raise invalid_field("date", Text("该日期已过", "That day is in the past"), "past_day")
    if day > booking_horizon(venue, now):
        raise invalid_field("date", beyond_horizon_message(day), "beyond_horizon")
    if fair_day is None or not fair_day.booking_open:
        raise invalid_field("date", Text("该场馆当日不开放预约", "This day is not open for booking"),
                            "day_not_open")
    if day == today and venue_now(venue, now).time() >= fair_day.closes:
        raise invalid_field("date", Text("今日已闭馆", "The venue has closed for today"),
                            "day_closed")
    slot = None
    if fair_day.slots:
        if not slot_code:
            raise invalid_field("slot", Text("请选择入场时段", "Choose an entry time slot"),
                                "slot_required")
        slot = next((s for s in fair_day.slots if s.code == slot_code), None)
        if slot is None:
            raise invalid_field("slot", Text("没有这个时段", "Unknown time slot"), "unknown_slot")
    elif slot_code:
        raise invalid_field("slot", Text("该日不分时段", "This day has no time slots"),
                            "unknown_slot")
    return fair_day, slot


def day_status(fair_day: FairDay, now: datetime | None = None) -> str:
    """How a visitor sees a venue-day: ``open``, ``full``, ``closed`` (not bookable, past
    today's closing time, or beyond the booking horizon) or ``past``. Full days stay
    listed, marked full."""
    venue = fair_day.venue
    today = venue_today(venue, now)
    if fair_day.date < today:
        return "past"
    if not fair_day.booking_open or fair_day.date > booking_horizon(venue, now) or (
            fair_day.date == today and venue_now(venue, now).time() >= fair_day.closes):
        return "closed"
    if fair_day.remaining_online <= 0:
        return "full"
    if fair_day.slots and all(s.remaining <= 0 for s in fair_day.slots):
        return "full"
    return "open"


def nearest_days_with_places(venue_code: str, day: date, *, limit: int = 3,
                             now: datetime | None = None) -> list[FairDay]:
    """Bookable venue-days with places left, nearest to ``day`` first (the same venue
    before another one on the same distance); ``day`` at ``venue_code`` itself is left out."""
    wanted = (venue_code or "").upper()
    candidates = [
        fair_day
        for venue, days in list_venues_with_days(now)
        for fair_day in days
        if not (venue.code == wanted and fair_day.date == day)
        and day_status(fair_day, now) == "open"
    ]
    candidates.sort(key=lambda d: (abs((d.date - day).days), d.venue.code != wanted, d.date,
                                   d.venue.id))
    return candidates[:limit]

"""Venue-local time: what "today" and "now" mean at a venue, and which dates a fair day may
have (one function, :func:`check_fair_day`, used by every path that names a fair day)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from gate.i18n import Text
from gate.passes import DAY_EPOCH
from registration.models import Venue
from registration.services.errors import InvalidInput

# A pass carries its first day as 16 bits of days since DAY_EPOCH (docs/pass-format.md).
PASS_LAST_DAY = DAY_EPOCH + timedelta(days=0xFFFF)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def venue_now(venue: Venue, now: datetime | None = None) -> datetime:
    return (now or utc_now()).astimezone(ZoneInfo(venue.timezone))


def venue_today(venue: Venue, now: datetime | None = None) -> date:
    return venue_now(venue, now).date()


def _setting_date(name: str) -> date:
    value = current_app.config[name]
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def fair_day_range() -> tuple[date, date]:
    """The first and last date a fair day may have: the FAIR_DAY_EARLIEST..FAIR_DAY_LATEST
    settings, never beyond what a pass can carry."""
    return (max(_setting_date("FAIR_DAY_EARLIEST"), DAY_EPOCH),
            min(_setting_date("FAIR_DAY_LATEST"), PASS_LAST_DAY))


def in_fair_day_range(day: date) -> bool:
    earliest, latest = fair_day_range()
    return earliest <= day <= latest


def out_of_range_message() -> Text:
    earliest, latest = fair_day_range()
    return Text(f"日期须在 {earliest} 到 {latest} 之间",
                f"The date must lie between {earliest} and {latest}")


def check_fair_day(day: date, field: str = "date") -> None:
    """422 naming ``field`` unless ``day`` is a date a fair day may have."""
    if not in_fair_day_range(day):
        message = out_of_range_message()
        raise InvalidInput("date_out_of_range", message, {field: message})


def horizon_days() -> int:
    return max(int(current_app.config["BOOKING_HORIZON_DAYS"]), 0)


def booking_horizon(venue: Venue, now: datetime | None = None) -> date:
    """The last day visitors may book today: BOOKING_HORIZON_DAYS after the venue's today."""
    return venue_today(venue, now) + timedelta(days=horizon_days())


def beyond_horizon_message(day: date) -> Text:
    """Why ``day`` (beyond the horizon) cannot be booked yet, and from when it can."""
    days = horizon_days()
    opens = day - timedelta(days=days)
    return Text(f"该日从 {opens} 起开放预约（最多提前 {days} 天预约）",
                f"Booking for this day opens on {opens} (at most {days} days ahead)")

"""Venue-local time: what "today" and "now" mean at a venue."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from registration.models import Venue


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def venue_now(venue: Venue, now: datetime | None = None) -> datetime:
    return (now or utc_now()).astimezone(ZoneInfo(venue.timezone))


def venue_today(venue: Venue, now: datetime | None = None) -> date:
    return venue_now(venue, now).date()

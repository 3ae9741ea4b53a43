"""GET /api/v1/venues and /api/v1/venues/{venue}/days/{date}."""
from __future__ import annotations

from datetime import date

from gate.i18n import Text
from registration.api import blueprint
from registration.models import FairDay
from registration.services import venues as venue_service
from registration.services.errors import NotFound
from schemas.venues import VenueDaySchema, VenueListSchema


def day_data(day: FairDay) -> dict:
    return {
        "date": day.date, "opens": day.opens, "closes": day.closes, "quota": day.quota,
        "booked": day.booked, "remaining": day.remaining_online,
        "slots": [
            {"code": s.code, "start": s.starts, "end": s.ends, "quota": s.quota,
             "remaining": s.remaining}
            for s in day.slots
        ],
    }


@blueprint.get("/v1/venues")
def list_venues():
    venues = [
        {"code": venue.code, "name": venue.name.as_dict(), "days": [day_data(d) for d in days]}
        for venue, days in venue_service.list_venues_with_days()
    ]
    return VenueListSchema().dump({"venues": venues})


@blueprint.get("/v1/venues/<venue>/days/<date_text>")
def venue_day(venue: str, date_text: str):
    try:
        day = date.fromisoformat(date_text)
    except ValueError:
        raise NotFound("day_not_found", Text("日期格式应为 YYYY-MM-DD", "Dates look like YYYY-MM-DD"))
    fair_day = venue_service.get_fair_day(venue, day)
    return VenueDaySchema().dump({"venue": fair_day.venue.code, **day_data(fair_day)})

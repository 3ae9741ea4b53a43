"""The rooms of a venue-day on the staff dashboard: per room with forums that day, each
forum's seats booked / attended / no-shows and the people in the room now
(registration/services/room_dashboard.py). A page that reads well on a phone, and its JSON."""
from __future__ import annotations

from flask import jsonify, render_template, url_for

from registration.models import Venue
from registration.services import dashboard as dashboard_service
from registration.services import room_dashboard
from registration.services.calendar import utc_now
from registration.services.reads import read_session
from registration.web.staff import blueprint
from registration.web.staff.access import parse_day, staff_required


@blueprint.get("/dashboard/<venue>/<day>/rooms.json")
@staff_required()
def dashboard_rooms_json(venue: Venue, day: str):
    wanted = parse_day(day)
    return jsonify({"venue": venue.code, "date": wanted.isoformat(),
                    "rooms": room_dashboard.rooms_of_day(venue, wanted, read_session())})


@blueprint.get("/dashboard/<venue>/<day>/rooms")
@staff_required()
def dashboard_rooms(venue: Venue, day: str):
    wanted = parse_day(day)
    return render_template(
        "staff/rooms.html", venue=venue, day=wanted, generated_at=utc_now(),
        rooms=room_dashboard.rooms_of_day(venue, wanted, read_session()),
        days=dashboard_service.visible_days(venue),
        dashboard_url=url_for("staff.dashboard", venue=venue.code, day=wanted.isoformat()))

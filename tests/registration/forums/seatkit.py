"""Helpers the seat tests import: a forum set up through the zone and forum services, and
an appointment booked through the API."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: date, clock: str) -> datetime:
    """``clock`` (HH:MM) on ``day`` in Beijing, the demo venues' time zone."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=BEIJING)


def add_forum(app, code: str, day: date, starts: str = "10:00", ends: str = "11:30", *,
              seats: int = 10, room: str = "CNCC-R301", venue: str = "CNCC", kinds=(),
              **options) -> str:
    """A forum in ``room`` (made if new, capacity 200) of ``venue``; returns its code."""
    from registration.extensions import db
    from registration.services import forums, zones

    with app.app_context():
        number = room.rsplit("-", 1)[-1]
        zones.set_zone(venue, room, kind="forum_room", name_zh=f"{number}会议室",
                       name_en=f"Room {number}", capacity=200)
        forums.set_forum(code, zone_code=room, title_zh=f"{code}论坛", title_en=f"Forum {code}",
                         starts=at(day, starts), ends=at(day, ends), seats=seats, kinds=kinds,
                         **options)
        db.session.commit()
    return code


def book(client, body: dict) -> dict:
    """Book ``body`` (a booking_body) through the API: ``{"code", "number", "serial"}``."""
    response = client.post("/api/v1/appointments", json=body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    return {"code": answer["appointment"]["code"], "number": body["document"]["number"],
            "serial": answer["pass"]["serial"]}


def seat_body(booked: dict, **overrides) -> dict:
    return {"code": booked["code"], "document_number": booked["number"], **overrides}

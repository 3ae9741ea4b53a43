"""Builders for the gate tests: enrolled devices, bookings, extra gates, rooms and forums."""
from __future__ import annotations

import pytest
from gatetools import beijing_at


@pytest.fixture
def book(app, booking_body):
    """``book(day, venue="CNCC", number=None, **fields)`` -> the booking answer, plus the
    plain ``number`` booked (tests need it to present the ID card)."""

    def build(day, venue: str = "CNCC", number: str | None = None, **overrides) -> dict:
        body = booking_body(day, venue=venue, number=number, **overrides)
        response = app.test_client().post("/api/v1/appointments", json=body)
        assert response.status_code == 201, response.get_json()
        return {**response.get_json(), "number": body["document"]["number"]}

    return build


@pytest.fixture
def gates(make_fair_day, make_device):
    """(today at CNCC with 100 places, device at CNCC-E1, device at CNCC-E2); SHOUGANG is
    open today too (passes for it are another venue's)."""
    day = make_fair_day("CNCC", offset=0, quota=100)
    make_fair_day("SHOUGANG", offset=0)
    return day, make_device("CNCC", "CNCC-E1"), make_device("CNCC", "CNCC-E2")


def error_of(response, status: int) -> dict:
    """The one error shape, with the expected status."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    return error


@pytest.fixture
def gate_error():
    return error_of


# --- zone doors (issue 13): rooms, forums and seats today, through the services ----------

@pytest.fixture
def room(app):
    """``room(code="CNCC-R301", kind="forum_room", capacity=None, kinds=())`` -> the zone
    code (its door gate has the same code), made with services/zones.py."""
    from registration.extensions import db
    from registration.services import zones

    def build(code: str = "CNCC-R301", kind: str = "forum_room", capacity=None, kinds=()):
        with app.app_context():
            number = code.rsplit("-", 1)[-1]
            zones.set_zone("CNCC", code, kind=kind, name_zh=f"{number}室",
                           name_en=f"Room {number}", capacity=capacity, kinds=kinds)
            db.session.commit()
        return code

    return build


@pytest.fixture
def forum(app):
    """``forum(code, day, "10:30", "12:00", room="CNCC-R301", seats=10, **options)``: a
    forum of the room on ``day`` (Beijing times)."""
    from registration.extensions import db
    from registration.services import forums

    def build(code: str, day, starts: str = "10:30", ends: str = "12:00", *,
              room: str = "CNCC-R301", seats: int = 10, **options) -> str:
        with app.app_context():
            forums.set_forum(code, zone_code=room, title_zh=f"{code}论坛",
                             title_en=f"Forum {code}", starts=beijing_at(day, starts),
                             ends=beijing_at(day, ends), seats=seats, **options)
            db.session.commit()
        return code

    return build


@pytest.fixture
def seat(app):
    """``seat(forum_code, booking)``: a seat for the booking (``book``'s answer), reserved
    at midnight of the forum's day, with the booking's code and document number."""
    from registration.extensions import db
    from registration.services import forums, seats

    def build(forum_code: str, booking: dict) -> None:
        with app.app_context():
            day = forums.forum_day(forums.get_forum(forum_code))
            seats.reserve(forum_code, code=booking["appointment"]["code"],
                          document_number=booking["number"], now=beijing_at(day, "00:00"))
            db.session.commit()

    return build

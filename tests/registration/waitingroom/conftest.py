"""The waiting room on the real Redis (a database of its own), with a tiny proof-of-work
cost that the tests solve for real."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import redis

from roomtools import CHEAP_POW, REDIS_URL


@pytest.fixture
def room_config():
    redis.Redis.from_url(REDIS_URL).flushdb()
    return {"WAITING_ROOM_STORE": REDIS_URL, "POW_MAX_NUMBER": CHEAP_POW,
            "WAITING_ROOM_RATE": 1000}


@pytest.fixture
def app(make_app, room_config):
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", **room_config)


@pytest.fixture
def schedule_opening(app):
    """Builder: ``schedule_opening(day, seconds_from_now)`` sets the day's booking opening."""
    from registration.extensions import db
    from registration.services import venues

    def build(day, seconds: float, venue: str = "CNCC"):
        with app.app_context():
            fair_day = venues.find_fair_day(venue, day)
            fair_day.booking_opens_at = datetime.now(timezone.utc) + timedelta(seconds=seconds)
            db.session.commit()
        return day

    return build


@pytest.fixture
def solve_pow(client):
    """Builder: a fresh, really solved challenge from the service (the X-Altcha value)."""
    from registration.waitingroom.pow import solve

    def build() -> str:
        return solve(client.get("/api/v1/pow/challenge").get_json())

    return build


@pytest.fixture
def join(client, solve_pow):
    """Builder: ``join(day, number)`` -> the response of joining the API queue."""
    def build(day, number: str, venue: str = "CNCC", pow_payload: str | None = None):
        body = {"document": {"type": "cn_resident_id", "number": number},
                "altcha": solve_pow() if pow_payload is None else pow_payload}
        if pow_payload == "":
            del body["altcha"]  # no proof of work at all
        return client.post(f"/api/v1/queue/{venue}/{day.isoformat()}", json=body)

    return build

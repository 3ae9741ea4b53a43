"""Fixtures for the staff console: enrolled gate devices and check-in events posted through
the gate API (accounts and logged-in clients: tests/registration/conftest.py)."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

# The visitor pages' reader of rendered HTML (tests/registration/web/pagetools.py).
sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def app(make_app, tmp_path):
    # A cheap scrypt setting: every test creates accounts and logs in (production keeps
    # the default, see registration/config.py).
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", MAIL_OUTBOX=str(tmp_path / "outbox"))


@pytest.fixture
def venues(make_fair_day):
    """Both venues open today: CNCC (quota 10, reserve 3) and SHOUGANG (quota 5)."""
    day = make_fair_day("CNCC", offset=0, quota=10, walk_in_reserve=3, occupancy_limit=50)
    make_fair_day("SHOUGANG", offset=0, quota=5)
    return day


@pytest.fixture
def post_events(app):
    """``post_events(device, [(serial, "in"), ...])`` -> the gate API's answer."""
    counter = iter(range(1, 1_000_000))

    def send(device, passages, *, at: datetime | None = None, admit: bool = True):
        events = [{"id": f"{device.gate}-{next(counter)}", "gate": device.gate,
                   "direction": direction, "admit": admit,
                   "reason": ("ok" if direction == "in" else "ok_exit") if admit else "revoked",
                   "scanned_at": (at or datetime.now(timezone.utc)).isoformat(),
                   "offline": True, "pass_serial": serial}
                  for serial, direction in passages]
        response = app.test_client().post("/api/v1/gate/events", json={"events": events},
                                          headers=device.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return send


@pytest.fixture
def book_online(app, booking_body):
    """``book_online(day, venue="CNCC")`` -> the API's booking answer plus ``number``."""

    def build(day, venue: str = "CNCC", number: str | None = None, **overrides) -> dict:
        body = booking_body(day, venue=venue, number=number, **overrides)
        response = app.test_client().post("/api/v1/appointments", json=body)
        return {"status": response.status_code, **(response.get_json() or {}),
                "number": body["document"]["number"]}

    return build


@pytest.fixture
def audit_actions(app):
    """``audit_actions()`` -> [(username, action, venue, target)] oldest first."""
    from registration.extensions import db
    from registration.models import AuditEntry

    def read():
        with app.app_context():
            return [(e.username, e.action, e.venue_code, e.target) for e in
                    db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]

    return read

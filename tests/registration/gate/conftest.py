"""Builders for the gate tests: enrolled devices, bookings, extra gates, threads at once."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import select


@dataclass(frozen=True)
class GateDevice:
    id: int
    token: str
    venue: str
    gate: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def add_gate(app):
    """``add_gate("CNCC", "CNCC-E2")``: a gate for an existing venue."""
    from registration.extensions import db
    from registration.models import Gate, Venue

    def build(venue: str, code: str) -> str:
        with app.app_context():
            record = db.session.scalar(select(Venue).where(Venue.code == venue))
            if not any(gate.code == code for gate in record.gates):
                db.session.add(Gate(venue=record, code=code, name=code))
                db.session.commit()
        return code

    return build


@pytest.fixture
def enrollment_code(app):
    """``enrollment_code("CNCC", "CNCC-E1", ttl_hours=..., now=...)`` -> the printed code."""
    from registration.extensions import db
    from registration.services import devices

    def build(venue: str = "CNCC", gate: str = "CNCC-E1", **options) -> str:
        with app.app_context():
            code, _ = devices.new_enrollment_code(venue, gate, **options)
            db.session.commit()
        return code

    return build


@pytest.fixture
def make_device(app, add_gate, enrollment_code):
    """``make_device("CNCC", "CNCC-E2")`` -> an enrolled GateDevice (the venue must exist)."""

    def build(venue: str = "CNCC", gate: str | None = None, name: str = "kiosk") -> GateDevice:
        gate = add_gate(venue, gate or f"{venue}-E1")
        response = app.test_client().post("/api/v1/devices/enroll",
                                          json={"code": enrollment_code(venue, gate),
                                                "name": name})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        return GateDevice(body["device_id"], body["token"], body["venue"], body["gate"])

    return build


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
def at_once():
    """``at_once([callable, ...])`` -> their results, each run in its own thread, all
    released together."""

    def run(calls):
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)
        errors = []

        def worker(index, call):
            try:
                barrier.wait()
                results[index] = call()
            except BaseException as exc:  # reported in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        if errors:
            raise errors[0]
        return results

    return run


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

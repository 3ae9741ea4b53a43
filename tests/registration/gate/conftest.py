"""Builders for the gate tests: enrolled devices, bookings, extra gates, threads at once."""
from __future__ import annotations

import threading

import pytest


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

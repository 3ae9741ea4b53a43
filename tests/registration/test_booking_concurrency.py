"""Many visitors at the last few places at once: exactly that many get in, on both databases."""
from __future__ import annotations

import threading
from datetime import time

from sqlalchemy import func, select


def _fire(app, bodies, path="/api/v1/appointments"):
    """POST every body from its own thread (own connection), all released together."""
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, dict]] = [None] * len(bodies)  # type: ignore[list-item]

    def worker(index, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body)
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=worker, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _active_count(app, day):
    from registration.extensions import db
    from registration.models import Appointment, AppointmentStatus, FairDay

    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.day == day, Appointment.status == AppointmentStatus.ACTIVE))
        fair_day = db.session.scalar(select(FairDay).where(FairDay.date == day))
        return rows, fair_day.booked


def test_last_places_go_to_exactly_that_many(app, make_fair_day, booking_body):
    day = make_fair_day(quota=40)
    client = app.test_client()
    for _ in range(37):  # three places left
        assert client.post("/api/v1/appointments", json=booking_body(day)).status_code == 201

    results = _fire(app, [booking_body(day) for _ in range(24)])

    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 3
    assert statuses.count(409) == 21
    assert {body["error"]["code"] for status, body in results if status == 409} == {"quota_full"}
    assert _active_count(app, day) == (40, 40)


def test_slot_quota_holds_under_concurrency(app, make_fair_day, booking_body):
    day = make_fair_day(quota=100, slots=[("AM", time(9), time(12), 2)])
    results = _fire(app, [booking_body(day, slot="AM") for _ in range(16)])
    assert sorted(s for s, _ in results).count(201) == 2
    assert _active_count(app, day) == (2, 2)


def test_same_document_twice_at_once_books_once(app, make_fair_day, booking_body,
                                                make_resident_id):
    day = make_fair_day(quota=50)
    number = make_resident_id()
    results = _fire(app, [booking_body(day, number=number) for _ in range(8)])
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == 1
    assert {body["error"]["code"] for s, body in results if s == 409} == {"already_booked"}
    # The places taken by the refused attempts were given back with their rollback.
    assert _active_count(app, day) == (1, 1)


def test_cancel_and_book_race_never_overbooks(app, make_fair_day, booking_body):
    day = make_fair_day(quota=3)
    client = app.test_client()
    booked = []
    for _ in range(3):
        body = booking_body(day)
        answer = client.post("/api/v1/appointments", json=body).get_json()
        booked.append((answer["appointment"]["code"], body["document"]["number"]))
    code, number = booked[0]
    barrier = threading.Barrier(9)
    outcomes = []

    def cancel():
        barrier.wait()
        outcomes.append(app.test_client().post(f"/api/v1/appointments/{code}/cancel",
                                               json={"document_number": number}).status_code)

    def book():
        barrier.wait()
        outcomes.append(app.test_client().post("/api/v1/appointments",
                                               json=booking_body(day)).status_code)

    threads = [threading.Thread(target=cancel)] + [threading.Thread(target=book)
                                                   for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    rows, counter = _active_count(app, day)
    assert rows == counter <= 3
    assert outcomes.count(201) == rows - 2

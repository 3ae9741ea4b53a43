"""When a booking spends its admission: before the booking's transaction (not while the
day's counter row is locked), so a refused booking has used its admission up too."""
from __future__ import annotations

from roomtools import booking_body


def test_a_booking_refused_for_a_full_day_uses_its_admission_up(
        client, make_fair_day, schedule_opening, join, make_resident_id):
    day = schedule_opening(make_fair_day(quota=1), -1)
    first, second = make_resident_id(), make_resident_id()
    first_token = join(day, first).get_json()["admission_token"]
    second_token = join(day, second).get_json()["admission_token"]
    booked = client.post("/api/v1/appointments", json=booking_body(day, first),
                         headers={"X-Admission-Token": first_token})
    assert booked.status_code == 201

    refused = client.post("/api/v1/appointments", json=booking_body(day, second),
                          headers={"X-Admission-Token": second_token})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "quota_full"

    # A place frees up, but the refused visitor's admission is gone: back to the queue.
    code = booked.get_json()["appointment"]["code"]
    assert client.post(f"/api/v1/appointments/{code}/cancel",
                       json={"document_number": first}).status_code == 200
    retry = client.post("/api/v1/appointments", json=booking_body(day, second),
                        headers={"X-Admission-Token": second_token})
    assert retry.status_code == 403
    assert retry.get_json()["error"]["code"] == "admission_spent"


def test_a_body_the_schema_refuses_keeps_its_admission(
        client, make_fair_day, schedule_opening, join, make_resident_id):
    day = schedule_opening(make_fair_day(quota=5), -1)
    number = make_resident_id()
    headers = {"X-Admission-Token": join(day, number).get_json()["admission_token"]}
    bad = {**booking_body(day, number), "consent": "maybe"}
    refused = client.post("/api/v1/appointments", json=bad, headers=headers)
    assert refused.status_code == 422
    booked = client.post("/api/v1/appointments", json=booking_body(day, number),
                         headers=headers)
    assert booked.status_code == 201

"""When a booking spends its admission. The API: before the booking's transaction (not while
the day's counter row is locked), so a refused booking has used its admission up too. The
booking form: the same once the form is valid, so a visitor correcting a field keeps it."""
from __future__ import annotations

from roomtools import booking_body
from sqlalchemy import select

from registration.extensions import db
from registration.models import Appointment


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


def test_the_booking_form_keeps_the_admission_for_a_correction_and_spends_it_on_booking(
        app, client, make_fair_day, schedule_opening, join, make_resident_id):
    day = schedule_opening(make_fair_day(quota=5), -1)
    number = make_resident_id()
    headers = {"X-Admission-Token": join(day, number).get_json()["admission_token"]}
    url = f"/book/CNCC/{day.isoformat()}?lang=en"
    form = {"document_type": "cn_resident_id", "document_number": number,
            "email": "li@example.com", "consent": "y"}
    corrected = client.post(url, data={**form, "name": ""}, headers=headers)
    assert corrected.status_code == 422
    assert "This admission was used" not in corrected.get_data(as_text=True)
    booked = client.post(url, data={**form, "name": "李四"}, headers=headers)
    assert booked.status_code == 302 and "/pass/" in booked.headers["Location"]

    # Spent by the booking: cancelled, the same admission books nothing more.
    with app.app_context():
        code = db.session.scalar(select(Appointment.code))
    cancelled = client.post(f"/api/v1/appointments/{code}/cancel",
                            json={"document_number": number})
    assert cancelled.status_code == 200, cancelled.get_json()
    again = client.post(url, data={**form, "name": "李四"}, headers=headers)
    assert again.status_code != 302
    assert "This admission was used for a booking already" in again.get_data(as_text=True)

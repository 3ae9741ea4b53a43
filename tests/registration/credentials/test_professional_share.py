"""The professional visitors' share of a day under concurrency: never more than the share,
and the public's bookings never take its places."""
from __future__ import annotations

import threading

from sqlalchemy import func, select


def _fire(app, requests):
    """POST each ``(path, body)`` from its own thread, all released together."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def worker(index, path, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body)
        results[index] = (path, response.status_code, response.get_json())

    threads = [threading.Thread(target=worker, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _counts(app, day):
    from registration.extensions import db
    from registration.models import Appointment, AppointmentStatus, Channel, FairDay, Venue

    with app.app_context():
        fair_day = db.session.scalar(select(FairDay).join(Venue).where(
            Venue.code == "CNCC", FairDay.date == day))
        carriers = db.session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.fair_day_id == fair_day.id, Appointment.channel == Channel.CREDENTIAL,
            Appointment.status == AppointmentStatus.ACTIVE))
        public = db.session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.fair_day_id == fair_day.id, Appointment.channel != Channel.CREDENTIAL,
            Appointment.status == AppointmentStatus.ACTIVE))
        return {"booked": fair_day.booked, "professional": fair_day.professional_booked,
                "carriers": carriers, "public": public}


def test_professional_race_never_exceeds_the_share(app, fair, share, apply_body):
    day = fair[2]
    share(day, 3)
    results = _fire(app, [("/api/v1/credentials",
                           apply_body("professional", date=day.isoformat()))
                          for _ in range(12)])
    statuses = sorted(status for _, status, _ in results)
    assert statuses.count(201) == 3 and statuses.count(409) == 9, results
    assert {body["error"]["code"] for _, status, body in results if status == 409} == {
        "professional_quota_full"}
    assert _counts(app, day) == {"booked": 3, "professional": 3, "carriers": 3, "public": 0}


def test_public_bookings_never_eat_the_share(app, fair, share, apply_body, booking_body):
    day = fair[2]  # quota 20, of which 5 professional: 15 for the public
    share(day, 5)
    requests = [("/api/v1/appointments", booking_body(day)) for _ in range(20)]
    requests += [("/api/v1/credentials", apply_body("professional", date=day.isoformat()))
                 for _ in range(7)]
    results = _fire(app, requests)
    booked = [status for path, status, _ in results if path.endswith("appointments")]
    professional = [status for path, status, _ in results if path.endswith("credentials")]
    assert booked.count(201) == 15 and professional.count(201) == 5, results
    assert {body["error"]["code"] for path, status, body in results
            if status == 409 and path.endswith("appointments")} == {"quota_full"}
    assert _counts(app, day) == {"booked": 20, "professional": 5, "carriers": 5, "public": 15}


def test_revoking_a_professional_frees_its_place(app, client, fair, share, apply_body):
    from registration.actions import credentials as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import credentials as service

    day = fair[2]
    share(day, 1)
    code = client.post("/api/v1/credentials", json=apply_body(
        "professional", date=day.isoformat())).get_json()["credential"]["code"]
    with app.test_request_context(), unit_of_work():
        actions.revoke(Actor.operator(), service.get_credential(code))
    assert _counts(app, day) == {"booked": 0, "professional": 0, "carriers": 0, "public": 0}
    again = client.post("/api/v1/credentials",
                        json=apply_body("professional", date=day.isoformat()))
    assert again.status_code == 201

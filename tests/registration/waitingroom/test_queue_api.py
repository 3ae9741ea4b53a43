"""The queue API and the admission check in front of booking, on SQLite and PostgreSQL,
with the waiting room's state in the real Redis and proofs of work solved for real."""
from __future__ import annotations

import pytest

from roomtools import booking_body


@pytest.fixture
def open_day(make_fair_day, schedule_opening):
    """A venue-day whose booking opened a second ago behind the room."""
    return schedule_opening(make_fair_day(quota=5), -1)


def _admission(client, day, ticket):
    status = client.get(f"/api/v1/queue/CNCC/{day.isoformat()}",
                        headers={"X-Queue-Ticket": ticket}).get_json()
    return status


def test_joining_gives_a_ticket_and_then_an_admission(client, open_day, join,
                                                      make_resident_id):
    answer = join(open_day, make_resident_id())
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["status"] == "admitted" and body["position"] == 1
    assert body["ticket"].startswith("t1.") and body["admission_token"].startswith("a1.")
    again = _admission(client, open_day, body["ticket"])
    assert again["status"] == "admitted" and again["admission_token"]


def test_booking_without_an_admission_is_refused_with_a_way_to_the_queue(
        client, open_day, make_resident_id):
    answer = client.post("/api/v1/appointments", json=booking_body(open_day, make_resident_id()))
    assert answer.status_code == 403
    error = answer.get_json()["error"]
    assert error["code"] == "admission_required" and "admission" in error["fields"]


def test_an_admission_books_once_for_its_own_document(client, open_day, join,
                                                      make_resident_id):
    number = make_resident_id()
    token = join(open_day, number).get_json()["admission_token"]
    headers = {"X-Admission-Token": token}
    booked = client.post("/api/v1/appointments", json=booking_body(open_day, number),
                         headers=headers)
    assert booked.status_code == 201
    code = booked.get_json()["appointment"]["code"]
    cancelled = client.post(f"/api/v1/appointments/{code}/cancel",
                            json={"document_number": number})
    assert cancelled.status_code == 200
    replay = client.post("/api/v1/appointments", json=booking_body(open_day, number),
                         headers=headers)
    assert replay.status_code == 403
    assert replay.get_json()["error"]["code"] == "admission_spent"


def test_an_admission_does_not_book_another_document(client, open_day, join,
                                                     make_resident_id):
    token = join(open_day, make_resident_id()).get_json()["admission_token"]
    answer = client.post("/api/v1/appointments", json=booking_body(open_day, make_resident_id()),
                         headers={"X-Admission-Token": token})
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "admission_wrong_document"


def test_a_forged_admission_is_refused(client, open_day, join, make_resident_id):
    number = make_resident_id()
    token = join(open_day, number).get_json()["admission_token"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    answer = client.post("/api/v1/appointments", json=booking_body(open_day, number),
                         headers={"X-Admission-Token": forged})
    assert answer.get_json()["error"]["code"] == "admission_required"


def test_an_admission_for_another_day_is_refused(client, make_fair_day, schedule_opening,
                                                 join, make_resident_id):
    first = schedule_opening(make_fair_day(offset=1), -1)
    second = schedule_opening(make_fair_day(offset=2), -1)
    number = make_resident_id()
    token = join(first, number).get_json()["admission_token"]
    answer = client.post("/api/v1/appointments", json=booking_body(second, number),
                         headers={"X-Admission-Token": token})
    assert answer.get_json()["error"]["code"] == "admission_required"


def test_one_document_holds_one_place_in_line(client, make_fair_day, schedule_opening, join,
                                              make_resident_id, app):
    day = schedule_opening(make_fair_day(), -1)
    _pause(app, day)
    number = make_resident_id()
    first = join(day, number).get_json()
    join(day, make_resident_id())
    second = join(day, number).get_json()  # another tab, another solved challenge
    assert first["position"] == second["position"] == 1
    assert second["waiting"] == 2


def _pause(app, day, rate: float = 0.0):
    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work

    with app.app_context(), unit_of_work():
        actions.set_admission_rate(Actor.operator(), "CNCC", day, rate)


def test_a_paused_room_shows_position_and_no_estimate_then_admits_at_the_new_rate(
        client, make_fair_day, schedule_opening, join, make_resident_id, app):
    day = schedule_opening(make_fair_day(), -1)
    _pause(app, day)
    tickets = [join(day, make_resident_id()).get_json() for _ in range(3)]
    last = tickets[-1]
    assert (last["status"], last["position"], last["ahead"]) == ("waiting", 3, 2)
    assert last["estimated_wait_seconds"] is None and last["admission_token"] is None
    _pause(app, day, rate=1000)
    import time
    time.sleep(0.05)
    assert _admission(client, day, last["ticket"])["status"] == "admitted"


def test_the_pre_queue_takes_arrivals_but_admits_nobody_before_the_opening(
        client, make_fair_day, schedule_opening, join, make_resident_id):
    day = schedule_opening(make_fair_day(), 120)  # opens in 2 minutes: pre-queue window
    body = join(day, make_resident_id()).get_json()
    assert body["status"] == "prequeue"
    assert body["position"] is None and body["admission_token"] is None
    assert 1 <= body["refresh_seconds"] <= 10


def test_before_the_pre_queue_nobody_can_join(client, make_fair_day, schedule_opening, join,
                                              make_resident_id):
    day = schedule_opening(make_fair_day(), 3600)
    answer = join(day, make_resident_id())
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "queue_not_open"
    status = client.get(f"/api/v1/queue/CNCC/{day.isoformat()}").get_json()
    assert status["status"] == "before"


def test_a_day_without_an_opening_books_without_the_room(client, make_fair_day,
                                                         make_resident_id):
    day = make_fair_day()
    answer = client.post("/api/v1/appointments", json=booking_body(day, make_resident_id()))
    assert answer.status_code == 201


@pytest.mark.parametrize("payload, code", [
    ("", "pow_required"), ("bm90LWpzb24=", "pow_invalid"), ("x" * 3000, "invalid_input")])
def test_joining_needs_a_real_proof_of_work(open_day, join, make_resident_id, payload, code):
    answer = join(open_day, make_resident_id(), pow_payload=payload)
    assert answer.status_code in (403, 422)
    assert answer.get_json()["error"]["code"] == code


def test_a_solution_cannot_be_replayed(open_day, join, solve_pow, make_resident_id):
    solution = solve_pow()
    assert join(open_day, make_resident_id(), pow_payload=solution).status_code == 201
    replay = join(open_day, make_resident_id(), pow_payload=solution)
    assert replay.status_code == 403
    assert replay.get_json()["error"]["code"] == "pow_replayed"


def test_a_solution_of_a_cheaper_challenge_stops_counting_when_staff_raise_the_cost(
        app, open_day, join, solve_pow, make_resident_id):
    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work

    cheap = solve_pow()
    with app.app_context(), unit_of_work():
        actions.set_bot_defence(Actor.operator(), pow_max_number=5000, pow_on_booking=False,
                                surge_per_second=0)
    answer = join(open_day, make_resident_id(), pow_payload=cheap)
    assert answer.get_json()["error"]["code"] == "pow_invalid"


def test_staff_can_ask_a_proof_of_work_for_every_booking_and_look_up(
        app, client, make_fair_day, solve_pow, make_resident_id):
    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work

    day = make_fair_day()
    with app.app_context(), unit_of_work():
        actions.set_bot_defence(Actor.operator(), pow_max_number=1000, pow_on_booking=True,
                                surge_per_second=0)
    number = make_resident_id()
    refused = client.post("/api/v1/appointments", json=booking_body(day, number))
    assert refused.get_json()["error"]["code"] == "pow_required"
    booked = client.post("/api/v1/appointments", json=booking_body(day, number),
                         headers={"X-Altcha": solve_pow()})
    assert booked.status_code == 201
    code = booked.get_json()["appointment"]["code"]
    lookup = {"code": code, "document_number": number}
    assert client.post("/api/v1/appointments/lookup", json=lookup).status_code == 403
    found = client.post("/api/v1/appointments/lookup", json=lookup,
                        headers={"X-Altcha": solve_pow()})
    assert found.status_code == 200


def test_a_surge_of_booking_requests_switches_the_room_on(app, client, make_fair_day,
                                                          make_resident_id):
    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work

    day = make_fair_day()
    with app.app_context(), unit_of_work():
        actions.set_bot_defence(Actor.operator(), pow_max_number=1000, pow_on_booking=False,
                                surge_per_second=3)
    codes = [client.post("/api/v1/appointments", json=booking_body(
        day, make_resident_id())).status_code for _ in range(12)]
    assert codes[:3] == [201, 201, 201]  # within the rate
    first_refused = codes.index(403)  # the 4th of one second, wherever the seconds turn
    assert set(codes[first_refused:]) == {403}  # and the room stays on
    status = client.get(f"/api/v1/queue/CNCC/{day.isoformat()}").get_json()
    assert status["status"] == "not_in_line"


def test_a_group_booking_needs_an_admission_for_one_of_its_members(
        client, open_day, join, make_resident_id):
    members = [make_resident_id() for _ in range(2)]
    body = {"organisation": "Acme", "venue": "CNCC", "date": open_day.isoformat(),
            "consent": True, "members": [
                {"name": "张三", "document": {"type": "cn_resident_id", "number": n}}
                for n in members]}
    assert client.post("/api/v1/groups", json=body).status_code == 403
    token = join(open_day, members[1]).get_json()["admission_token"]
    booked = client.post("/api/v1/groups", json=body, headers={"X-Admission-Token": token})
    assert booked.status_code == 201, booked.get_json()


def test_the_queue_entrance_is_rate_limited_per_document_whatever_the_address(
        make_app, room_config, make_resident_id):
    from datetime import datetime, timedelta, timezone

    from registration.extensions import db
    from registration.services import operations
    from registration.waitingroom.pow import solve

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_QUEUE_JOIN_PER_DOCUMENT="2/minute",
                   **room_config)
    with app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center")
        day = (datetime.now(timezone.utc) + timedelta(days=1)).date()
        operations.set_day("CNCC", day, quota=10).booking_opens_at = (
            datetime.now(timezone.utc) - timedelta(seconds=1))
        db.session.commit()
    client, number = app.test_client(), make_resident_id()

    def join(address: str):
        challenge = client.get("/api/v1/pow/challenge").get_json()
        return client.post(f"/api/v1/queue/CNCC/{day.isoformat()}", json={
            "document": {"type": "cn_resident_id", "number": number},
            "altcha": solve(challenge)}, environ_base={"REMOTE_ADDR": address})

    assert [join(f"10.0.0.{n}").status_code for n in range(1, 4)] == [201, 201, 429]
    other = client.post(f"/api/v1/queue/CNCC/{day.isoformat()}", json={
        "document": {"type": "cn_resident_id", "number": make_resident_id()},
        "altcha": solve(client.get("/api/v1/pow/challenge").get_json())})
    assert other.status_code == 201

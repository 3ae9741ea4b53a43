"""Joining a full day's waiting list, the offer at a cancellation, accepting, withdrawing."""
from __future__ import annotations

from waitlisttools import assert_invariant


def test_only_a_full_day_takes_a_waiting_list(make_fair_day, join):
    day = make_fair_day(quota=5)
    answer = join(day)
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "places_available"
    assert "date" in answer.get_json()["error"]["fields"]


def test_joining_a_full_day_answers_the_place_in_line(full_day, join, day_state):
    day, _ = full_day(quota=2)
    first, second = join(day), join(day)
    assert (first.status_code, second.status_code) == (201, 201)
    entry = second.get_json()["entry"]
    assert entry["status"] == "waiting" and entry["ahead"] == 1
    assert entry["holder"]["name"] == "李*"
    assert entry["holder"]["document"].count("*") >= 10
    assert day_state(day).waiting == 2


def test_one_waiting_entry_per_document_and_none_for_the_booked(
        full_day, join, make_resident_id):
    day, booked = full_day(quota=1)
    number = make_resident_id()
    assert join(day, number=number).status_code == 201
    again = join(day, number=number)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_waiting"
    holder = join(day, number=booked[0][1])
    assert holder.status_code == 409
    assert holder.get_json()["error"]["code"] == "already_booked"


def test_a_credential_holder_is_told_so_and_not_put_in_line(
        full_day, join, make_resident_id, issue_credential):
    day, _ = full_day(quota=1)
    number = make_resident_id()
    issue_credential("exhibitor", number, day, day, "CNCC")
    refused = join(day, number=number)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "holds_credential"
    assert "参展商" in error["message"] or "exhibitor" in error["message"].lower()


def test_bad_input_names_the_field(full_day, join):
    day, _ = full_day(quota=1)
    bad_number = join(day, document={"type": "cn_resident_id", "number": "110101199003078031"})
    assert bad_number.status_code == 422
    assert "document.number" in bad_number.get_json()["error"]["fields"]
    no_email = join(day, email="x", **{})
    assert no_email.status_code == 422
    assert "email" in no_email.get_json()["error"]["fields"]
    no_consent = join(day, consent=False)
    assert no_consent.status_code == 422
    assert "consent" in no_consent.get_json()["error"]["fields"]


def test_a_cancellation_offers_the_held_place_to_the_first_in_line(
        app, full_day, join, cancel, day_state, offer_tokens, booking_body):
    day, booked = full_day(quota=2)
    first = join(day, email="first@example.com").get_json()["entry"]
    join(day, email="second@example.com")
    assert cancel(*booked[0]).status_code == 200
    state = day_state(day)
    assert state.statuses == ["offered", "waiting"]
    assert state.booked == 2  # the place is held, not given back to the public
    assert_invariant(state)
    # Nobody else can book the held place.
    refused = app.test_client().post("/api/v1/appointments", json=booking_body(day))
    assert refused.get_json()["error"]["code"] == "quota_full"
    tokens = offer_tokens()
    assert list(tokens) == ["first@example.com"]

    accepted = app.test_client().post(f"/api/v1/waitlist/offers/{tokens['first@example.com'][0]}"
                                      "/accept", json={})
    assert accepted.status_code == 201, accepted.get_json()
    appointment = accepted.get_json()["appointment"]
    assert appointment["holder"]["name"] == first["holder"]["name"]
    assert appointment["status"] == "active" and accepted.get_json()["pass"]["token"]
    state = day_state(day)
    assert state.statuses == ["booked", "waiting"]
    assert (state.booked, state.active) == (2, 2)
    assert_invariant(state)

    twice = app.test_client().post(f"/api/v1/waitlist/offers/{tokens['first@example.com'][0]}"
                                   "/accept", json={})
    assert twice.status_code == 409
    assert twice.get_json()["error"]["code"] == "offer_gone"


def test_the_offer_goes_by_sms_too_when_a_phone_was_given(
        full_day, join, cancel, offer_tokens, sms_outbox):
    day, booked = full_day(quota=1)
    join(day, email="first@example.com", phone="+86 139 0000 0001", lang="en")
    assert sms_outbox() == []
    assert cancel(*booked[0]).status_code == 200
    [message] = sms_outbox()
    [token] = offer_tokens()["first@example.com"]
    assert message["to"].endswith("13900000001")
    assert f"/waitlist/offer/{token}" in message["text"]
    assert message["text"].startswith("[CIFTIS] A place is held for you until ")


def test_a_cancellation_with_nobody_waiting_frees_the_place(full_day, cancel, day_state):
    day, booked = full_day(quota=2)
    cancel(*booked[0])
    state = day_state(day)
    assert (state.booked, state.active, state.statuses) == (1, 1, [])


def test_withdrawing_and_declining(app, full_day, join, cancel, day_state, offer_tokens,
                                   make_resident_id):
    day, booked = full_day(quota=1)
    numbers = [make_resident_id() for _ in range(3)]
    codes = [join(day, number=n, email=f"p{i}@example.com").get_json()["entry"]["code"]
             for i, n in enumerate(numbers)]
    client = app.test_client()
    wrong = client.post(f"/api/v1/waitlist/{codes[1]}/withdraw",
                        json={"document_number": numbers[0]})
    assert wrong.status_code == 404
    left = client.post(f"/api/v1/waitlist/{codes[1]}/withdraw",
                       json={"document_number": numbers[1]})
    assert left.get_json()["entry"]["status"] == "withdrawn"
    cancel(*booked[0])
    # The offered person declines (from the offer page): the place passes to the next.
    token = offer_tokens()["p0@example.com"][0]
    page = client.get(f"/waitlist/offer/{token}")
    assert page.status_code == 200
    client.post(f"/waitlist/offer/{token}", data={"decision": "decline"})
    state = day_state(day)
    assert state.statuses == ["withdrawn", "withdrawn", "offered"]
    assert "p2@example.com" in offer_tokens()
    assert_invariant(state)


def test_a_walk_in_cancellation_goes_back_to_the_desk(app, make_fair_day, join, day_state):
    """The walk-in reserve is the desk's: a walk-in's freed place is never held."""
    from registration.actions import appointments as appointment_actions
    from registration.actions.actors import Actor
    from registration.extensions import db
    from registration.models import Appointment, Channel

    day = make_fair_day(quota=1)
    client = app.test_client()
    body = {"venue": "CNCC", "date": day.isoformat(),
            "document": {"type": "cn_resident_id", "number": "11010119900307803X"},
            "name": "王五", "email": "w@example.com", "consent": True}
    code = client.post("/api/v1/appointments", json=body).get_json()["appointment"]["code"]
    assert join(day).status_code == 201
    with app.app_context():
        appointment = db.session.query(Appointment).filter_by(code=code).one()
        appointment.channel = Channel.WALK_IN
        db.session.execute(db.text("UPDATE fair_days SET walk_in_booked = 1"))
        db.session.commit()
        appointment_actions.cancel(Actor.visitor(), appointment)
        db.session.commit()
    state = day_state(day)
    assert (state.booked, state.statuses) == (0, ["waiting"])


def test_on_a_day_with_slots_the_held_place_keeps_its_slot(
        app, make_fair_day, booking_body, join, cancel, offer_tokens):
    from datetime import time

    from registration.extensions import db
    from registration.models import TimeSlot

    day = make_fair_day(quota=2, slots=[("AM", time(9), time(12), 1),
                                        ("PM", time(13), time(17), 1)])
    client, booked = app.test_client(), {}
    for slot in ("AM", "PM"):
        body = booking_body(day, slot=slot)
        answer = client.post("/api/v1/appointments", json=body).get_json()
        booked[slot] = (answer["appointment"]["code"], body["document"]["number"])
    assert join(day, email="slot@example.com").status_code == 201
    cancel(*booked["PM"])
    token = offer_tokens()["slot@example.com"][0]
    accepted = client.post(f"/api/v1/waitlist/offers/{token}/accept", json={}).get_json()
    assert accepted["appointment"]["slot"] == "PM"
    with app.app_context():
        assert {s.code: s.booked for s in db.session.query(TimeSlot)} == {"AM": 1, "PM": 1}


def test_a_booking_request_runs_out_the_days_expired_offers(
        app, full_day, join, cancel, booking_body, day_state):
    from datetime import datetime, timedelta, timezone

    from registration.extensions import db
    from registration.models import WaitlistEntry

    day, booked = full_day(quota=1)
    join(day)
    cancel(*booked[0])
    with app.app_context():
        db.session.query(WaitlistEntry).update(
            {"offer_expires_at": datetime.now(timezone.utc) - timedelta(minutes=1)})
        db.session.commit()
    # The place comes back to the day with the next booking request, which gets it.
    answer = app.test_client().post("/api/v1/appointments", json=booking_body(day))
    assert answer.status_code == 201
    state = day_state(day)
    assert (state.booked, state.active, state.statuses) == (1, 1, ["expired"])


def test_an_offer_rolled_back_sends_no_mail(app, full_day, join, outbox, day_state):
    from registration.actions import appointments as appointment_actions
    from registration.actions.actors import Actor
    from registration.extensions import db
    from registration.models import Appointment

    day, booked = full_day(quota=1)
    join(day, email="first@example.com")
    with app.app_context():
        appointment = db.session.query(Appointment).filter_by(code=booked[0][0]).one()
        appointment_actions.cancel(Actor.visitor(), appointment)
        db.session.rollback()  # e.g. a later step of the request failed
    assert outbox() == []
    state = day_state(day)
    assert (state.booked, state.active, state.statuses) == (1, 1, ["waiting"])

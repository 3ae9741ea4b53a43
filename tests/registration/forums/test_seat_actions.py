"""The seat actions' audit: staff taking a seat back is audited with the forum and the
holder's masked name; a seat given back while someone waits becomes their offer, audited;
a visitor's own reservation is not (as their own booking is not)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from seatkit import add_forum, book, seat_body


@pytest.fixture
def app(make_app, tmp_path):
    """The service with a mail outbox of this test's own."""
    return make_app(MAIL_OUTBOX=str(tmp_path / "outbox"))


@pytest.fixture
def audit_log(app):
    """``audit_log()`` -> [(action, venue, target, details dict)] in order."""
    from registration.extensions import db
    from registration.models import AuditEntry

    def read():
        with app.app_context():
            entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            return [(e.action.value, e.venue_code, e.target, json.loads(e.details or "{}"))
                    for e in entries]
    return read


def test_staff_cancelling_a_seat_is_audited_with_the_masked_name(
        app, client, make_fair_day, booking_body, make_staff, audit_log):
    from registration.actions import seats as seat_actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import Appointment, Forum, Seat, StaffUser
    from registration.services.errors import NotFound

    day = make_fair_day("CNCC", offset=1)
    add_forum(app, "F-DT", day, seats=2)
    person = book(client, booking_body(day, name="欧阳娜娜"))
    assert client.post("/api/v1/forums/F-DT/seats", json=seat_body(person)).status_code == 201
    assert audit_log() == []  # the visitor's own reservation
    username = make_staff("admin")
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        seat = db.session.scalar(select(Seat))
        with unit_of_work():
            cancelled = seat_actions.cancel_by_staff(Actor.staff(user, "192.0.2.7"), seat)
        assert cancelled.offer is None
        masked = db.session.scalar(select(Appointment.name_masked).where(
            Appointment.code == person["code"]))
        assert db.session.scalar(select(Forum.seats_taken)) == 0
        assert db.session.get(Seat, seat.id).status.value == "cancelled"
        user_id, seat_id = user.id, seat.id

    assert audit_log() == [("seat_cancelled_by_staff", "CNCC", "F-DT",
                            {"name": masked, "appointment": person["code"]})]
    assert masked != "欧阳娜娜" and person["number"] not in str(audit_log())
    again = client.post("/api/v1/forums/F-DT/seats/cancel", json=seat_body(person))
    assert again.get_json()["error"]["code"] == "seat_not_found"
    with app.app_context(), pytest.raises(NotFound) as refused:
        with unit_of_work():
            seat_actions.cancel_by_staff(Actor.staff(db.session.get(StaffUser, user_id)),
                                         db.session.get(Seat, seat_id))
    assert refused.value.code == "seat_not_found"
    assert len(audit_log()) == 1  # a refused cancellation leaves no entry


def test_a_seat_given_back_while_someone_waits_becomes_their_audited_offer(
        app, client, make_fair_day, booking_body, audit_log, outbox):
    from registration.extensions import db
    from registration.models import Forum, ForumWaitlistEntry
    from registration.services import forum_waitlist

    day = make_fair_day("CNCC", offset=1)
    add_forum(app, "F-ONE", day, seats=1)
    holder, waiting = book(client, booking_body(day)), book(client, booking_body(day))
    assert client.post("/api/v1/forums/F-ONE/seats", json=seat_body(holder)).status_code == 201
    with app.app_context():
        entry = forum_waitlist.join("F-ONE", code=waiting["code"],
                                    document_number=waiting["number"],
                                    email="waiting@example.com")
        db.session.commit()
        entry_code = entry.code

    given_back = client.post("/api/v1/forums/F-ONE/seats/cancel", json=seat_body(holder))
    assert given_back.status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(ForumWaitlistEntry))
        assert entry.status.value == "offered"
        assert db.session.scalar(select(Forum.seats_taken)) == 1  # held for the offer
        masked = entry.appointment.name_masked
    (action, venue, target, details), = audit_log()
    assert (action, venue, target) == ("forum_waitlist_offered", "CNCC", "F-ONE")
    assert details["entry"] == entry_code and details["name"] == masked
    assert details["because"] == "cancellation"
    assert "waiting@example.com" not in str(details) and waiting["number"] not in str(details)
    (mail,) = outbox()  # the offer's message, sent once the cancellation committed
    assert mail["To"] == "waiting@example.com"
    listed = client.get("/api/v1/forums").get_json()["forums"][0]
    assert (listed["seats_left"], listed["status"]) == (0, "full")


def test_a_seat_held_by_an_offer_that_ran_out_can_be_reserved(
        app, client, make_fair_day, booking_body):
    from datetime import timedelta

    from registration.extensions import db
    from registration.models import ForumWaitlistEntry
    from registration.services import forum_waitlist

    day = make_fair_day("CNCC", offset=1)
    add_forum(app, "F-ONE", day, seats=1)
    holder, waiting, late = (book(client, booking_body(day)) for _ in range(3))
    assert client.post("/api/v1/forums/F-ONE/seats", json=seat_body(holder)).status_code == 201
    with app.app_context():
        forum_waitlist.join("F-ONE", code=waiting["code"], document_number=waiting["number"],
                            email="waiting@example.com")
        db.session.commit()
    assert client.post("/api/v1/forums/F-ONE/seats/cancel",
                       json=seat_body(holder)).status_code == 200
    refused = client.post("/api/v1/forums/F-ONE/seats", json=seat_body(late))
    assert refused.get_json()["error"]["code"] == "seats_full"  # held for the offer
    with app.app_context():
        entry = db.session.scalar(select(ForumWaitlistEntry))
        entry.offer_expires_at = entry.offered_at - timedelta(minutes=1)  # it ran out
        db.session.commit()
    assert client.post("/api/v1/forums/F-ONE/seats", json=seat_body(late)).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(ForumWaitlistEntry.status)).value == "expired"

"""A booking writes its appointment and pass without the ORM's flush and reads its day once
(docs/booking-rush.md): what it answers is what the database holds, a refusal leaves no
row, and the request sends no statement it does not need."""
from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import event, func, select


def _statements_of(app, send):
    """The SQL statements ``send()`` makes the app execute (BEGIN/COMMIT not included)."""
    from registration.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def on_statement(conn, cursor, statement, *_):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
    return response, seen


def test_the_answer_is_what_the_database_holds(app, client, make_fair_day, booking_body):
    from registration.extensions import db
    from registration.models import Appointment, ManifestEntry, Pass, PassStatus

    day = make_fair_day(quota=5)
    body = client.post("/api/v1/appointments", json=booking_body(day)).get_json()
    with app.app_context():
        appointment = db.session.scalar(
            select(Appointment).where(Appointment.code == body["appointment"]["code"]))
        [issued] = appointment.passes
        assert (issued.serial, issued.token) == (body["pass"]["serial"], body["pass"]["token"])
        assert issued.status is PassStatus.ACTIVE and issued.issued_at is not None
        assert appointment.created_at is not None and appointment.gate_index is None
        assert appointment.document_masked == body["appointment"]["holder"]["document"]
        entries = db.session.scalars(select(ManifestEntry).where(
            ManifestEntry.fair_day_id == appointment.fair_day_id)).all()
        assert [(e.pass_id, e.change.value) for e in entries] == [(issued.id, "booked")]
        assert db.session.scalar(select(func.count()).select_from(Pass)) == 1


@pytest.mark.parametrize("refusal", ["already_booked", "quota_full"])
def test_a_refused_booking_leaves_no_appointment_and_no_pass(
        app, client, make_fair_day, booking_body, make_resident_id, refusal):
    from registration.extensions import db
    from registration.models import Appointment, Pass

    day = make_fair_day(quota=1)
    number = make_resident_id()
    assert client.post("/api/v1/appointments",
                       json=booking_body(day, number=number)).status_code == 201
    second = number if refusal == "already_booked" else make_resident_id()
    response = client.post("/api/v1/appointments", json=booking_body(day, number=second))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == refusal
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
        assert db.session.scalar(select(func.count()).select_from(Pass)) == 1


def test_a_booking_reads_its_day_once(app, client, make_fair_day, booking_body):
    """The waiting-room guard, the waiting list's due-offer check and the booking share one
    read of the day, the credential check rides in the appointment's INSERT; on PostgreSQL
    the booking is three statements in all."""
    day = make_fair_day(quota=5)
    response, statements = _statements_of(
        app, lambda: client.post("/api/v1/appointments", json=booking_body(day)))
    assert response.status_code == 201
    day_reads = [s for s in statements if s.startswith("SELECT") and "FROM fair_days" in s]
    assert len(day_reads) == 1
    assert "waitlist_entries" in day_reads[0]  # the due-offer check rides along
    assert [s for s in statements if "waitlist_entries" in s] == day_reads
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # The day; the appointment with its pass (and the credential check); the places.
        assert [s.split()[0] for s in statements] == ["SELECT", "WITH", "WITH"]
        assert "INSERT INTO passes" in statements[1] and "credentials" in statements[1]
    assert not [s for s in statements if s.startswith("SELECT") and "FROM credentials" in s]


def test_each_request_reads_the_day_afresh(app, client, make_fair_day, booking_body):
    """The day is kept for one request only: given time slots between two bookings, the
    second must name one."""
    from registration.extensions import db
    from registration.services import operations, venues

    day = make_fair_day(quota=5)
    assert client.post("/api/v1/appointments", json=booking_body(day)).status_code == 201
    with app.app_context():
        operations.set_slot(venues.find_fair_day("CNCC", day), "AM", time(9), time(12), 5)
        db.session.commit()
    response = client.post("/api/v1/appointments", json=booking_body(day))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "slot_required"
    assert client.post("/api/v1/appointments",
                       json=booking_body(day, slot="AM")).status_code == 201


def test_a_row_object_names_the_columns_it_misses(app):
    from registration.models import Pass
    from registration.services.written_rows import as_loaded

    with app.app_context(), pytest.raises(ValueError, match="issued_at"):
        as_loaded(Pass, {"id": 1, "serial": "S", "appointment_id": 1})

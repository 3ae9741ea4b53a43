"""Fixtures for the waiting list: a full day, joining, cancelling, the offer mail's link."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

OFFER_LINK = re.compile(r"/waitlist/offer/([A-Za-z0-9_\-]+)")


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(MAIL_OUTBOX=str(tmp_path / "outbox"), SMS_OUTBOX=str(tmp_path / "sms"))


@pytest.fixture
def offer_tokens(outbox):
    """``offer_tokens()`` -> {recipient: [tokens of the offer links mailed to them]}."""
    def read():
        found: dict[str, list[str]] = {}
        for message in outbox():
            body = message.get_body(("plain",)).get_content()
            for token in OFFER_LINK.findall(body):
                found.setdefault(str(message["To"]), []).append(token)
        return found

    return read


@pytest.fixture
def full_day(app, make_fair_day, booking_body):
    """``full_day(quota=2)`` -> (day, [(code, number), ...]): a day booked to its quota."""
    def build(quota: int = 2, **options):
        day = make_fair_day(quota=quota, **options)
        client, booked = app.test_client(), []
        for _ in range(quota):
            body = booking_body(day, **({"slot": options["slots"][0][0]}
                                        if options.get("slots") else {}))
            answer = client.post("/api/v1/appointments", json=body)
            assert answer.status_code == 201, answer.get_json()
            booked.append((answer.get_json()["appointment"]["code"], body["document"]["number"]))
        return day, booked

    return build


@pytest.fixture
def join_body(make_resident_id):
    """A valid waiting-list request body; keyword arguments override fields."""
    def build(number: str | None = None, email: str | None = None, **overrides):
        body = {"document": {"type": "cn_resident_id", "number": number or make_resident_id()},
                "name": "李四", "phone": None,
                "email": email or f"wait{abs(hash(number or id(overrides))) % 10**6}@example.com",
                "consent": True, "lang": "en"}
        body.update(overrides)
        return body

    return build


@pytest.fixture
def join(app, join_body):
    """``join(day, venue="CNCC", **body)`` -> the API response."""
    def submit(day, venue: str = "CNCC", **fields):
        return app.test_client().post(f"/api/v1/venues/{venue}/days/{day.isoformat()}/waitlist",
                                      json=join_body(**fields))

    return submit


@pytest.fixture
def cancel(app):
    def submit(code: str, number: str):
        return app.test_client().post(f"/api/v1/appointments/{code}/cancel",
                                      json={"document_number": number})

    return submit


@pytest.fixture
def day_state(app):
    """``day_state(day)``: the counter, active appointments and the line, as stored."""
    from registration.extensions import db
    from registration.models import (
        Appointment, AppointmentStatus, FairDay, WaitlistEntry, WaitlistStatus,
    )

    def read(day):
        with app.app_context():
            fair_day = db.session.scalar(select(FairDay).where(FairDay.date == day))
            active = db.session.scalar(select(func.count()).select_from(Appointment).where(
                Appointment.day == day, Appointment.status == AppointmentStatus.ACTIVE))
            entries = db.session.scalars(select(WaitlistEntry).where(
                WaitlistEntry.day == day).order_by(WaitlistEntry.id)).all()
            statuses = [entry.status.value for entry in entries]
            state = SimpleNamespace(
                quota=fair_day.quota, booked=fair_day.booked, active=active,
                statuses=statuses, codes=[entry.code for entry in entries],
                offered=statuses.count(WaitlistStatus.OFFERED.value),
                waiting=statuses.count(WaitlistStatus.WAITING.value))
            db.session.remove()
            return state

    return read

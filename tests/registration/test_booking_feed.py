"""The manifest change feed of bookings: one number per booking, no gaps, none for a refused
booking, and numbers handed out in commit order (what the kiosks' cursor relies on)."""
from __future__ import annotations

import threading
import time as clock
from datetime import time

from sqlalchemy import select, update

from tests.registration.test_booking_concurrency import _active_count, _fire


def _feed(app, day):
    """``(feed counter, [(seq, change, pass serial)] by seq)`` of the CNCC venue-day."""
    from registration.extensions import db
    from registration.models import FairDay, ManifestEntry, ManifestFeed, Pass

    with app.app_context():
        fair_day = db.session.scalar(select(FairDay).where(FairDay.date == day))
        counter = db.session.scalar(select(ManifestFeed.seq).where(
            ManifestFeed.fair_day_id == fair_day.id))
        entries = db.session.execute(
            select(ManifestEntry.seq, ManifestEntry.change, Pass.serial)
            .join(Pass, Pass.id == ManifestEntry.pass_id)
            .where(ManifestEntry.fair_day_id == fair_day.id).order_by(ManifestEntry.seq)).all()
        return counter, [(seq, change.value, serial) for seq, change, serial in entries]


def test_concurrent_bookings_get_one_change_number_each_without_gaps(app, make_fair_day,
                                                                     booking_body):
    day = make_fair_day(quota=20)
    results = _fire(app, [booking_body(day) for _ in range(24)])

    booked = {body["pass"]["serial"] for status, body in results if status == 201}
    assert len(booked) == 20
    counter, entries = _feed(app, day)
    assert counter == 20
    assert [seq for seq, _, _ in entries] == list(range(1, 21))
    assert {serial for _, _, serial in entries} == booked
    assert {change for _, change, _ in entries} == {"booked"}


def test_refused_bookings_take_no_change_number(client, app, make_fair_day, booking_body):
    day = make_fair_day(quota=3, slots=[("AM", time(9), time(12), 1),
                                        ("PM", time(13), time(17), 5)])
    assert client.post("/api/v1/appointments", json=booking_body(day, slot="AM")).status_code \
        == 201
    slot_full = client.post("/api/v1/appointments", json=booking_body(day, slot="AM"))
    assert slot_full.status_code == 409
    assert slot_full.get_json()["error"]["fields"] == {"slot": "This time slot is fully booked"}
    for _ in range(2):
        assert client.post("/api/v1/appointments",
                           json=booking_body(day, slot="PM")).status_code == 201
    day_full = client.post("/api/v1/appointments", json=booking_body(day, slot="PM"))
    assert day_full.status_code == 409
    assert day_full.get_json()["error"]["code"] == "quota_full"

    counter, entries = _feed(app, day)
    assert counter == 3 and [seq for seq, _, _ in entries] == [1, 2, 3]
    assert _active_count(app, day) == (3, 3)


def test_a_booking_is_numbered_after_a_feed_change_still_open(app, make_fair_day,
                                                              booking_body):
    """A change of the venue-day not yet committed (here: a raw transaction holding the feed
    row) makes a booking wait, so the booking's number is higher AND commits later: a kiosk
    cursor past the booking's number can never have skipped the open change."""
    from registration.extensions import db
    from registration.models import FairDay, ManifestFeed

    day = make_fair_day(quota=10)
    assert app.test_client().post("/api/v1/appointments",
                                  json=booking_body(day)).status_code == 201
    with app.app_context():
        fair_day_id = db.session.scalar(select(FairDay.id).where(FairDay.date == day))
        holder = db.engine.connect()
        transaction = holder.begin()
        open_seq = holder.execute(
            update(ManifestFeed).where(ManifestFeed.fair_day_id == fair_day_id)
            .values(seq=ManifestFeed.seq + 1).returning(ManifestFeed.seq)).scalar_one()
    outcome = {}
    booking = threading.Thread(target=lambda: outcome.update(
        response=app.test_client().post("/api/v1/appointments", json=booking_body(day))))
    booking.start()
    clock.sleep(0.8)
    waited = booking.is_alive()
    transaction.commit()
    holder.close()
    booking.join(timeout=60)

    assert waited, "the booking did not wait for the open change of its venue-day"
    assert outcome["response"].status_code == 201
    serial = outcome["response"].get_json()["pass"]["serial"]
    counter, entries = _feed(app, day)
    assert open_seq == 2 and counter == 3
    assert [(seq, serial_) for seq, _, serial_ in entries if serial_ == serial] == [(3, serial)]

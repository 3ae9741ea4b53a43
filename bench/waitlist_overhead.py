"""Waiting list: what it adds to a booking request, and the offer cycle, on PostgreSQL.

Run:  .venv/bin/python bench/waitlist_overhead.py [--rounds 2000] [--cycles 100]

In a throw-away PostgreSQL database, in process:
 1. the lazy-expiry check of a booking request (``expire_lazily_at``: here, outside a
    request, the day's read with its due-offer EXISTS; in a booking request that read is
    the one the waiting-room guard and the booking share, services/booking_day.py), per
    call, on a day with 500 people waiting;
 2. a full cycle, per cycle: a cancellation that holds its place and offers it (lock, head
    of the line, offer UPDATE, offer mail built and written to the outbox after commit),
    then the accept that books the held place (claim, appointment, pass, manifest);
and checks the counter equals active appointments plus held places at the end.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("FAIRGATE_TEST_PG_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def resident_id(serial: int) -> str:
    from gate.checksums import mod11_2_check_char

    body = f"110101{19600101 + (serial // 1000) % 28:08d}{serial % 1000:03d}"
    return body + mod11_2_check_char(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=100)
    args = parser.parse_args()
    name = f"fairgate_wlbench_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        run(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", args)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str, args) -> None:
    from flask_migrate import upgrade

    from registration import create_app
    from registration.actions import appointments as appointment_actions
    from registration.actions import waitlist as waitlist_actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import Appointment, WaitlistEntry
    from registration.services import booking, operations
    from registration.services.calendar import venue_today
    from registration.services.venues import find_fair_day
    from gate.documents import parse_document

    instance = tempfile.mkdtemp(prefix="fairgate-wlbench-")
    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                      "MAIL_OUTBOX": str(Path(instance) / "outbox")}, instance_path=instance)
    visitor = Actor.visitor()
    with app.app_context():
        upgrade()
        venue = operations.set_venue("CNCC", "国家会议中心", "China National Convention Center")
        day = venue_today(venue) + timedelta(days=1)
        quota = args.cycles
        operations.set_day("CNCC", day, quota=quota)
        db.session.commit()
        serial = 0

        def person():
            nonlocal serial
            serial += 1
            document = parse_document("cn_resident_id", resident_id(serial))
            return booking.Visitor(document=document, name="张三",
                                   email=f"p{serial}@example.com", lang="zh")

        for _ in range(quota):
            with unit_of_work():
                appointment_actions.book(visitor, venue="CNCC", day=day, slot=None,
                                         visitor=person(), consent=True)
        for _ in range(500):
            with unit_of_work():
                waitlist_actions.join(visitor, venue="CNCC", day=day, visitor=person(),
                                      consent=True)
        db.session.remove()

        def timed(call) -> tuple[float, float]:
            timings = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                call()
                timings.append(time.perf_counter() - started)
                db.session.rollback()
            timings.sort()
            return statistics.median(timings), timings[int(len(timings) * 0.99)]

        # Interleaved with a bare round trip (SELECT 1, same session and pool) so that the
        # figure can be read on a loaded machine.
        bare = timed(lambda: db.session.execute(sa.select(sa.literal(1))))
        lazy = timed(lambda: waitlist_actions.expire_lazily_at("CNCC", day))
        print(f"lazy-expiry read per booking request: p50 {lazy[0] * 1e6:.0f} µs,"
              f" p99 {lazy[1] * 1e6:.0f} µs; a bare SELECT 1 round trip: p50"
              f" {bare[0] * 1e6:.0f} µs, p99 {bare[1] * 1e6:.0f} µs ({args.rounds} calls each)")

        codes = list(db.session.scalars(sa.select(Appointment.id)))
        cancel_ms, accept_ms = [], []
        for appointment_id in codes[:args.cycles]:
            started = time.perf_counter()
            with unit_of_work():
                appointment_actions.cancel(visitor, db.session.get(Appointment, appointment_id))
            cancel_ms.append((time.perf_counter() - started) * 1000)
            entry = db.session.scalar(sa.select(WaitlistEntry).where(
                WaitlistEntry.status == "offered"))
            started = time.perf_counter()
            with unit_of_work():
                waitlist_actions.accept(visitor, entry)
            accept_ms.append((time.perf_counter() - started) * 1000)
        print(f"cancel + hold + offer (mail after commit): median"
              f" {statistics.median(cancel_ms):.1f} ms; accept of the held place: median"
              f" {statistics.median(accept_ms):.1f} ms ({len(cancel_ms)} cycles)")
        fair_day = find_fair_day("CNCC", day)
        active = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
            Appointment.status == "active"))
        held = db.session.scalar(sa.select(sa.func.count()).select_from(WaitlistEntry).where(
            WaitlistEntry.status == "offered"))
        print(f"counter {fair_day.booked} = active {active} + held {held}; quota {quota};"
              f" overbooked {max(fair_day.booked - quota, 0)}")


if __name__ == "__main__":
    main()

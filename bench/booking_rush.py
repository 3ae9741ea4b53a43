"""Booking rush: bookings/s through HTTP (gunicorn + PostgreSQL) against the bare transaction.

Run:  .venv/bin/python bench/booking_rush.py [--clients 32] [--workers 4] [--bookings 2000]

It creates a throw-away PostgreSQL database, seeds one venue-day, then
 1. times the bare booking transaction (the same service code and SQL, no web stack) from
    the same number of threads, and
 2. starts gunicorn on loopback and drives N concurrent HTTP clients booking distinct
    documents on one venue-day whose quota is smaller than the number of attempts,
and prints bookings/s, p50/p99 latency, the HTTP/bare ratio and the overbooking count.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gate.checksums import mod11_2_check_char  # noqa: E402
from benchkit import free_port, migrated_service, percentile, start_gunicorn  # noqa: E402


def resident_ids(count: int, seed: int) -> list[str]:
    rng, seen, out = random.Random(seed), set(), []
    while len(out) < count:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 25000))
        body = f"{rng.choice(['110101', '310101', '440106', '510104'])}{born:%Y%m%d}" \
               f"{rng.randrange(1000):03d}"
        if body not in seen:
            seen.add(body)
            out.append(body + mod11_2_check_char(body))
    return out


def seed(app, day: date, quota: int) -> None:
    from registration.extensions import db
    from registration.services import operations

    with app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center")
        operations.set_day("CNCC", day, quota=quota)
        db.session.commit()


def audit(app, day: date) -> dict:
    """Rows vs counter vs quota: overbooking is any active row beyond the quota."""
    from registration.extensions import db
    from registration.models import Appointment, AppointmentStatus, FairDay

    with app.app_context():
        fair_day = db.session.scalar(sa.select(FairDay).where(FairDay.date == day))
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
            Appointment.fair_day_id == fair_day.id,
            Appointment.status == AppointmentStatus.ACTIVE))
        return {"quota": fair_day.quota, "counter": fair_day.booked, "rows": rows,
                "overbooked": max(rows - fair_day.quota, 0) + abs(rows - fair_day.booked)}


def body_for(day: date, number: str, venue: str = "CNCC") -> dict:
    return {"venue": venue, "date": day.isoformat(), "name": "Bench Visitor",
            "document": {"type": "cn_resident_id", "number": number}, "consent": True}


def run_threads(clients: int, numbers: list[str], attempt) -> tuple[float, list[float], dict]:
    """Split ``numbers`` over ``clients`` threads calling ``attempt(number) -> outcome``."""
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    chunks = [numbers[i::clients] for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def worker(chunk):
        local, counts = [], {}
        barrier.wait()
        for number in chunk:
            started = time.perf_counter()
            outcome = attempt(number)
            local.append(time.perf_counter() - started)
            counts[outcome] = counts.get(outcome, 0) + 1
        with lock:
            latencies.extend(local)
            for key, value in counts.items():
                outcomes[key] = outcomes.get(key, 0) + value

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, outcomes


def bare_transactions(app, day: date, numbers: list[str], clients: int):
    from registration.extensions import db
    from registration.services import booking
    from registration.services.errors import ServiceError

    def attempt(number: str) -> str:
        with app.app_context():
            try:
                document = booking.validate_document("cn_resident_id", number, None)
                request = booking.BookingRequest(
                    venue="CNCC", day=day, slot=None, consent=True, consent_version="bench",
                    visitor=booking.Visitor(document=document, name="Bench Visitor"))
                booking.book_appointment(request)
                db.session.commit()
                return "201"
            except ServiceError as err:
                db.session.rollback()
                return str(err.status)

    return run_threads(clients, numbers, attempt)


def http_bookings(port: int, day: date, numbers: list[str], clients: int):
    local = threading.local()

    def attempt(number: str) -> str:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        payload = json.dumps(body_for(day, number))
        try:
            local.conn.request("POST", "/api/v1/appointments", body=payload,
                               headers={"Content-Type": "application/json"})
            response = local.conn.getresponse()
            response.read()
            return str(response.status)
        except (OSError, http.client.HTTPException):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return "error"

    return run_threads(clients, numbers, attempt)


def report(label: str, elapsed: float, latencies: list[float], outcomes: dict) -> float:
    booked = outcomes.get("201", 0)
    rate = len(latencies) / elapsed
    print(f"{label:<6} attempts {len(latencies):>5}  booked {booked:>5}  "
          f"refused {outcomes.get('409', 0):>5}  other {sum(outcomes.values()) - booked - outcomes.get('409', 0):>3}  "  # noqa: E501
          f"{rate:8.1f} req/s  p50 {statistics.median(latencies) * 1000:7.1f} ms  "
          f"p99 {percentile(latencies, 0.99) * 1000:7.1f} ms")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--bookings", type=int, default=2000,
                        help="attempts per phase; the quota is 90%% of this")
    parser.add_argument("--servers", type=int, default=1, help="gunicorn instances")
    parser.add_argument("--redis", default=None, metavar="URL",
                        help="rate-limit store shared by the servers (limits on, set high)")
    args = parser.parse_args()

    settings = {"FAIRGATE_RATELIMIT_ENABLED": "0"}
    if args.redis:  # every request then also counts in Redis, as in production
        settings.update({"FAIRGATE_RATELIMIT_ENABLED": "1",
                         "FAIRGATE_RATELIMIT_STORAGE_URI": args.redis,
                         "FAIRGATE_RATELIMIT_BOOKING": '"1000000/minute"'})
    app, env = migrated_service("fairgate_bench", settings,
                                {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.clients}})
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    bare_day, http_day = today + timedelta(days=1), today + timedelta(days=2)
    quota = int(args.bookings * 0.9)
    seed(app, bare_day, quota)
    seed(app, http_day, quota)
    numbers = resident_ids(args.bookings * 2, seed=7)

    print(f"booking rush: {args.clients} clients, {args.bookings} attempts per phase, "
          f"quota {quota}, gunicorn {args.servers}x{args.workers} workers (gthread x4), "
          f"PostgreSQL, rate limits {'in ' + args.redis if args.redis else 'off'}, "
          f"{os.cpu_count()} cores")
    bare_rate = report("bare", *bare_transactions(app, bare_day, numbers[:args.bookings],
                                                  args.clients))
    ports = [free_port() for _ in range(args.servers)]
    servers = [start_gunicorn(env, port, args.workers) for port in ports]
    try:
        if args.servers == 1:
            http_rate = report("http", *http_bookings(ports[0], http_day,
                                                      numbers[args.bookings:], args.clients))
        else:
            http_rate = report("http", *_spread(ports, http_day, numbers[args.bookings:],
                                                args.clients))
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    results = {"bare": audit(app, bare_day), "http": audit(app, http_day)}
    for label, facts in results.items():
        print(f"{label:<6} quota {facts['quota']}  counter {facts['counter']}  "
              f"active rows {facts['rows']}  overbooking {facts['overbooked']}")
    print(f"ratio http/bare {http_rate / bare_rate:.2f}  "
          f"(target >= 0.5 at 32 clients)")
    if any(facts["overbooked"] for facts in results.values()):
        raise SystemExit("OVERBOOKING DETECTED")


def _spread(ports: list[int], day: date, numbers: list[str], clients: int):
    """Clients spread round-robin over several gunicorn instances (same database)."""
    local = threading.local()
    counter = iter(range(10**9))
    lock = threading.Lock()

    def attempt(number: str) -> str:
        if not hasattr(local, "conn"):
            with lock:
                port = ports[next(counter) % len(ports)]
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.conn.request("POST", "/api/v1/appointments",
                           body=json.dumps(body_for(day, number)),
                           headers={"Content-Type": "application/json"})
        response = local.conn.getresponse()
        response.read()
        return str(response.status)

    return run_threads(clients, numbers, attempt)


if __name__ == "__main__":
    main()

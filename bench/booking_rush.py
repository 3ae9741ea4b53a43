"""Booking rush: bookings/s over HTTP (gunicorn + PostgreSQL) against the bare transaction.

Run:  .venv/bin/python bench/booking_rush.py [--clients 8,16,32] [--bookings 2000]
      [--workers CORES] [--threads 4] [--redis URL]

It creates a throw-away PostgreSQL database and one venue-day per phase (quota 90 % of the
attempts), then, in one run so that the ratios hold on a shared machine:
 1. the bare PostgreSQL transaction, psycopg without ORM: conditional UPDATE of the
    venue-day counter, INSERT of a booking row, COMMIT, from 8, 16 and 32 threads;
 2. one booking at a time through the service in process: ms and SQL statements each;
 3. the service over HTTP, one gunicorn (--workers x gthread --threads), 8 -> 16 -> 32
    clients;
 4. the same with two gunicorn instances on two ports (--workers / 2 each, so the same
    number of processes), the clients split between them;
and prints bookings/s, p50/p99 latency, the load generator's own CPU per request, the
HTTP/bare ratio at each client count and the overbooking audit of every phase (active rows
vs counter vs quota; must be 0). With each layout it also measures the request floor,
``GET /healthz`` over HTTP (and in process in step 2): what a request doing no work costs.
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

BARE_TABLE = """CREATE TABLE IF NOT EXISTS bare_bookings (
    id bigserial PRIMARY KEY, fair_day_id integer NOT NULL REFERENCES fair_days (id),
    document text NOT NULL, booked_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (fair_day_id, document))"""


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


def seed(app, day: date, quota: int) -> int:
    """One CNCC venue-day with ``quota``; returns its id."""
    from registration.extensions import db
    from registration.services import operations

    with app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center")
        fair_day = operations.set_day("CNCC", day, quota=quota)
        db.session.commit()
        return fair_day.id


def audit(app, day: date, bare: bool = False) -> dict:
    """Rows vs counter vs quota: overbooking is any active row beyond the quota."""
    from registration.extensions import db
    from registration.models import Appointment, AppointmentStatus, FairDay

    with app.app_context():
        fair_day = db.session.scalar(sa.select(FairDay).where(FairDay.date == day))
        if bare:
            rows = db.session.scalar(sa.text(
                "SELECT count(*) FROM bare_bookings WHERE fair_day_id = :id"), {"id": fair_day.id})
        else:
            rows = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
                Appointment.fair_day_id == fair_day.id,
                Appointment.status == AppointmentStatus.ACTIVE))
        return {"quota": fair_day.quota, "counter": fair_day.booked, "rows": rows,
                "overbooked": max(rows - fair_day.quota, 0) + abs(rows - fair_day.booked)}


def body_for(day: date, number: str, venue: str = "CNCC") -> dict:
    return {"venue": venue, "date": day.isoformat(), "name": "Bench Visitor",
            "document": {"type": "cn_resident_id", "number": number}, "consent": True}


def run_threads(clients: int, numbers: list[str], attempt, setup=None
                ) -> tuple[float, list[float], dict, float]:
    """Split ``numbers`` over ``clients`` threads calling ``attempt(number) -> outcome``
    (``setup()`` first in each thread, before the clock starts). Returns the elapsed
    seconds, the latencies, the outcomes and the CPU seconds this process (the load
    generator: the in-process app is idle meanwhile) used during the run."""
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    chunks = [numbers[i::clients] for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def worker(chunk):
        local, counts = [], {}
        if setup is not None:
            setup()
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
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, outcomes, time.process_time() - cpu


def bare_postgresql(url: str, fair_day_id: int, numbers: list[str], clients: int):
    """The database's own speed: psycopg, no ORM, one connection per thread."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    local = threading.local()

    def connect():
        local.conn = psycopg.connect(dsn)

    def attempt(number: str) -> str:
        conn = local.conn
        taken = conn.execute(
            "UPDATE fair_days SET booked = booked + 1 WHERE id = %s AND booked < quota "
            "RETURNING id", (fair_day_id,)).fetchone()
        if taken is None:
            conn.rollback()
            return "409"
        conn.execute("INSERT INTO bare_bookings (fair_day_id, document) VALUES (%s, %s)",
                     (fair_day_id, number))
        conn.commit()
        return "201"

    return run_threads(clients, numbers, attempt, setup=connect)


LOCKING = ("UPDATE fair_days", "WITH day_place")  # the first statement that locks the day


def one_client_in_process(app, day: date, numbers: list[str]) -> dict:
    """One client through the JSON API in process: ms, CPU ms of this process (holds better
    on a busy machine), SQL statements, and the day row's locked window (from the statement
    that takes the place to the end of the commit) and the statements inside it, per booking.
    """
    from sqlalchemy import event

    from registration.extensions import db

    facts = {"statements": 0, "locked_statements": 0, "locked_s": 0.0}
    locked_at: list[float] = []

    def on_statement(conn, cursor, statement, *_):
        facts["statements"] += 1
        if locked_at:
            facts["locked_statements"] += 1
        elif statement.lstrip().startswith(LOCKING):
            locked_at.append(time.perf_counter())
            facts["locked_statements"] += 1

    def on_commit(session):
        if locked_at:
            facts["locked_s"] += time.perf_counter() - locked_at.pop()

    client = app.test_client()
    with app.app_context():
        engine = db.engine
    client.post("/api/v1/appointments", json=body_for(day, numbers[0]))  # warm up
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(db.session, "after_commit", on_commit)
    started, cpu = time.perf_counter(), time.process_time()
    for number in numbers[1:]:
        assert client.post("/api/v1/appointments", json=body_for(day, number)).status_code \
            == 201
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    event.remove(engine, "before_cursor_execute", on_statement)
    event.remove(db.session, "after_commit", on_commit)
    done = len(numbers) - 1
    floor = request_floor(client)
    return {"ms": elapsed / done * 1000, "cpu_ms": cpu / done * 1000, **floor,
            "statements": facts["statements"] / done,
            "locked_ms": facts["locked_s"] / done * 1000,
            "locked_statements": facts["locked_statements"] / done}


def request_floor(client, requests: int = 300) -> dict:
    """The cheapest request through the same app: ``GET /healthz`` (every hook, a pooled
    connection with its pre-ping, ``SELECT 1``, a JSON answer), ms and CPU ms each."""
    client.get("/healthz")
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        assert client.get("/healthz").status_code == 200
    return {"floor_ms": (time.perf_counter() - started) / requests * 1000,
            "floor_cpu_ms": (time.process_time() - cpu) / requests * 1000}


def http_floor(ports: list[int], requests: int, clients: int):
    """``GET /healthz`` over HTTP with the booking phases' clients: the app servers' rate
    for a request that does no work, the ceiling of any endpoint on this machine."""
    local = threading.local()
    counter = iter(range(10**9))
    lock = threading.Lock()

    def connect():
        with lock:
            port = ports[next(counter) % len(ports)]
        local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def attempt(_) -> str:
        local.conn.request("GET", "/healthz")
        response = local.conn.getresponse()
        response.read()
        return "201" if response.status == 200 else str(response.status)

    return run_threads(clients, list(range(requests)), attempt, setup=connect)


def http_bookings(ports: list[int], day: date, numbers: list[str], clients: int):
    """Clients spread round-robin over the gunicorn instances on ``ports``."""
    local = threading.local()
    counter = iter(range(10**9))
    lock = threading.Lock()

    def connect():
        with lock:
            local.port = ports[next(counter) % len(ports)]
        local.conn = http.client.HTTPConnection("127.0.0.1", local.port, timeout=60)

    def attempt(number: str) -> str:
        try:
            local.conn.request("POST", "/api/v1/appointments",
                               body=json.dumps(body_for(day, number)),
                               headers={"Content-Type": "application/json"})
            response = local.conn.getresponse()
            response.read()
            return str(response.status)
        except (OSError, http.client.HTTPException):
            local.conn = http.client.HTTPConnection("127.0.0.1", local.port, timeout=60)
            return "error"

    return run_threads(clients, numbers, attempt, setup=connect)


def report(label: str, clients: int, elapsed: float, latencies: list[float],
           outcomes: dict, client_cpu: float) -> float:
    booked, refused = outcomes.get("201", 0), outcomes.get("409", 0)
    rate = len(latencies) / elapsed
    print(f"{label:<10} {clients:>3} clients  attempts {len(latencies):>5}  booked {booked:>5}  "
          f"refused {refused:>4}  other {sum(outcomes.values()) - booked - refused:>3}  "
          f"{rate:7.1f} req/s  p50 {statistics.median(latencies) * 1000:6.1f} ms  "
          f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  client CPU "
          f"{client_cpu / len(latencies) * 1000:.2f} ms/req ({client_cpu / elapsed:.0%} of a core)",
          flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8,16,32", help="client counts, comma-separated")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn workers of the single server (two servers: half each); "
                             "default one per core: more only share the same cores")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--bookings", type=int, default=2000,
                        help="attempts per phase; the quota is 90%% of this")
    parser.add_argument("--skip-http", action="store_true",
                        help="only the bare transaction and the one-client figures")
    parser.add_argument("--redis", default=None, metavar="URL",
                        help="rate-limit store shared by the servers (limits on, set high)")
    args = parser.parse_args()
    client_counts = [int(n) for n in args.clients.split(",")]

    settings = {"FAIRGATE_RATELIMIT_ENABLED": "0"}
    if args.redis:  # every request then also counts in Redis, as in production
        settings.update({"FAIRGATE_RATELIMIT_ENABLED": "1",
                         "FAIRGATE_RATELIMIT_STORAGE_URI": args.redis,
                         "FAIRGATE_RATELIMIT_BOOKING": '"1000000/minute"'})
    app, env = migrated_service("fairgate_bench", settings)
    url = env["FAIRGATE_DATABASE_URL"]
    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.text(BARE_TABLE))
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    quota = int(args.bookings * 0.9)
    days = iter(today + timedelta(days=n) for n in range(1, 60))
    numbers = iter(resident_ids(args.bookings * (3 * len(client_counts) + 1) + 201, seed=7))

    def batch(count: int) -> list[str]:
        return [next(numbers) for _ in range(count)]

    print(f"booking rush: {args.bookings} attempts per phase, quota {quota}, PostgreSQL, "
          f"rate limits {'in ' + args.redis if args.redis else 'off'}, "
          f"{os.cpu_count()} cores (load generator on the same machine)", flush=True)
    rates: dict[tuple[str, int], float] = {}
    audits: dict[str, dict] = {}
    for clients in client_counts:
        day = next(days)
        fair_day_id = seed(app, day, quota)
        rates["bare", clients] = report("bare pg", clients, *bare_postgresql(
            url, fair_day_id, batch(args.bookings), clients))
        audits[f"bare pg {clients}"] = audit(app, day, bare=True)

    day = next(days)
    seed(app, day, 10**6)
    one = one_client_in_process(app, day, batch(201))
    print(f"one client, in process: {one['ms']:.1f} ms per booking ({one['cpu_ms']:.1f} ms "
          f"CPU), {one['statements']:.1f} SQL statements (BEGIN/COMMIT not counted); day row "
          f"locked {one['locked_ms']:.2f} ms, {one['locked_statements']:.1f} statements + "
          f"COMMIT", flush=True)
    print(f"request floor, in process: GET /healthz {one['floor_ms']:.2f} ms "
          f"({one['floor_cpu_ms']:.2f} ms CPU)", flush=True)
    if args.skip_http:
        return

    layouts = [("http 1x", [args.workers]),
               ("http 2x", [max(args.workers // 2, 1)] * 2)]
    for label, workers in layouts:
        ports = [free_port() for _ in workers]
        servers = [start_gunicorn(env, port, count, args.threads)
                   for port, count in zip(ports, workers)]
        try:
            for clients in client_counts:
                day = next(days)
                seed(app, day, quota)
                rates[label, clients] = report(label, clients, *http_bookings(
                    ports, day, batch(args.bookings), clients))
                audits[f"{label} {clients}"] = audit(app, day)
            report(f"{label} floor", client_counts[-1], *http_floor(
                ports, args.bookings, client_counts[-1]))
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)

    print("\nratios to the bare PostgreSQL transaction at the same client count:")
    for label, workers in layouts:
        ratios = "  ".join(f"{clients}: {rates[label, clients] / rates['bare', clients]:.2f}"
                           for clients in client_counts)
        print(f"{label} ({'+'.join(map(str, workers))} workers x {args.threads} threads)  "
              f"{ratios}")
    best_bare = max(rates["bare", clients] for clients in client_counts)
    print(f"best HTTP / best bare: "
          f"{max(v for k, v in rates.items() if k[0] != 'bare') / best_bare:.2f} "
          f"(target >= 0.5)")
    overbooked = sum(facts["overbooked"] for facts in audits.values())
    for label, facts in audits.items():
        print(f"audit {label:<12} quota {facts['quota']}  counter {facts['counter']}  "
              f"rows {facts['rows']}  overbooking {facts['overbooked']}")
    print(f"overbooked in all phases: {overbooked}")
    if overbooked:
        raise SystemExit("OVERBOOKING DETECTED")


if __name__ == "__main__":
    main()

"""Gate day: many simulated kiosks syncing while bookings continue.

Run:  .venv/bin/python bench/gate_day.py [--kiosks 20] [--seconds 30] [--servers 2]

It creates a throw-away PostgreSQL database with a venue-day of N appointments, starts
gunicorn instances on loopback (sharing that database and Redis for rate limits), enrols
one kiosk per gate and runs, for the given time:
 - every kiosk: pull the manifest by cursor every --poll seconds and upload the check-in
   events of the passes it "scanned" since (30 people a minute per gate by default);
 - a booking client: new appointments for the same venue-day at --booking-rate per second.
It reports event throughput, upload and pull latency, and the sync lag: the time from a
booking's 201 answer until the first kiosk's manifest holds its pass.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import manifest_sync as ms  # noqa: E402
from benchkit import free_port, migrated_service, percentile, start_gunicorn  # noqa: E402


class Client(ms.Client):
    """Reconnects when the server closed an idle keep-alive connection."""

    def __init__(self, port: int, token: str | None = None):
        super().__init__(port, token)
        self.port = port

    def call(self, method, path, body=None):
        for attempt in (1, 2):
            try:
                return super().call(method, path, body)
            except (OSError, ms.http.client.HTTPException):
                self.conn.close()
                self.conn = ms.http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    return 0, b""
        return 0, b""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.uploads: list[float] = []
        self.pulls: list[float] = []
        self.events = 0
        self.errors = 0
        self.booked_at: dict[str, float] = {}
        self.seen_at: dict[str, float] = {}

    def seen(self, serials):
        now = time.perf_counter()
        with self.lock:
            for serial in serials:
                self.seen_at.setdefault(serial, now)


def kiosk(port, token, gate, serials, stop, stats, poll, per_minute):
    client = Client(port, token)
    cursor, rng, pending = None, random.Random(gate), []
    while not stop.is_set():
        started = time.perf_counter()
        path = "/api/v1/gate/manifest?limit=5000" + (f"&cursor={cursor}" if cursor else "")
        status, body = client.call("GET", path)
        if status != 200:
            with stats.lock:
                stats.errors += 1
        else:
            page = json.loads(body)
            cursor = page["cursor"]
            stats.seen(item["serial"] for item in page["appointments"])
            with stats.lock:
                stats.pulls.append(time.perf_counter() - started)
        scans = max(1, round(per_minute * poll / 60))
        now = datetime.now(timezone.utc).isoformat()
        pending += [{"id": uuid.uuid4().hex, "pass_serial": rng.choice(serials), "gate": gate,
                     "direction": "in", "admit": True, "reason": "ok", "scanned_at": now,
                     "offline": False} for _ in range(scans)]
        started = time.perf_counter()
        status, body = client.call("POST", "/api/v1/gate/events", {"events": pending})
        if status == 200:
            with stats.lock:
                stats.uploads.append(time.perf_counter() - started)
                stats.events += len(pending)
            pending = []
        else:
            with stats.lock:
                stats.errors += 1
        stop.wait(max(0.0, poll - (time.perf_counter() - started)))


def booker(port, day, stop, stats, rate):
    client = Client(port)
    numbers = ms.resident_numbers(10**6, start=500_000)
    while not stop.is_set():
        started = time.perf_counter()
        body = {"venue": "CNCC", "date": day.isoformat(), "name": "Gate Day",
                "consent": True,
                "document": {"type": "cn_resident_id", "number": next(numbers)}}
        status, answer = client.call("POST", "/api/v1/appointments", body)
        if status == 201:
            serial = json.loads(answer)["pass"]["serial"]
            with stats.lock:
                stats.booked_at[serial] = time.perf_counter()
        stop.wait(max(0.0, 1 / rate - (time.perf_counter() - started)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--appointments", type=int, default=20_000)
    parser.add_argument("--poll", type=float, default=2.0, help="kiosk sync period, seconds")
    parser.add_argument("--per-minute", type=float, default=30, help="people per gate")
    parser.add_argument("--booking-rate", type=float, default=10, help="bookings per second")
    args = parser.parse_args()

    app, env = migrated_service("fairgate_gate_day", {
        "FAIRGATE_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
        "FAIRGATE_RATELIMIT_BOOKING": '"100000/minute"',
        "FAIRGATE_RATELIMIT_ENROLL": '"1000/minute"'})
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    gates = [f"CNCC-E{n}" for n in range(1, args.kiosks + 1)]
    ms.GATES[:] = gates
    ms.seed(app, day, args.appointments)
    with app.app_context():
        from registration.extensions import db
        from registration.models import Pass

        serials = list(db.session.scalars(db.select(Pass.serial)))
    ports = [free_port() for _ in range(args.servers)]
    servers = [start_gunicorn(env, port, args.workers) for port in ports]
    stats, stop = Stats(), threading.Event()
    try:
        tokens = [ms.enrol(app, ports[n % len(ports)], gate) for n, gate in enumerate(gates)]
        threads = [threading.Thread(target=kiosk, args=(
            ports[n % len(ports)], token, gates[n], serials, stop, stats, args.poll,
            args.per_minute)) for n, token in enumerate(tokens)]
        booking = (ports[0], day, stop, stats, args.booking_rate)
        threads.append(threading.Thread(target=booker, args=booking))
        print(f"gate day: {args.kiosks} kiosks over {args.servers} gunicorn x {args.workers} "
              f"workers, {args.appointments} appointments, {args.seconds:.0f} s, "
              f"{os.cpu_count()} cores")
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    lags = [stats.seen_at[s] - t for s, t in stats.booked_at.items() if s in stats.seen_at]
    print(f"events uploaded {stats.events} ({stats.events / args.seconds:.0f}/s), "
          f"uploads {len(stats.uploads)} p50 {statistics.median(stats.uploads) * 1000:.0f} ms "
          f"p99 {percentile(stats.uploads, 0.99) * 1000:.0f} ms, errors {stats.errors}")
    print(f"manifest pulls {len(stats.pulls)} p50 {statistics.median(stats.pulls) * 1000:.0f} ms"
          f" p99 {percentile(stats.pulls, 0.99) * 1000:.0f} ms")
    print(f"bookings during the day {len(stats.booked_at)}, seen by a kiosk {len(lags)}; "
          f"sync lag p50 {statistics.median(lags):.2f} s p99 {percentile(lags, 0.99):.2f} s "
          f"max {max(lags):.2f} s" if lags else "no bookings seen")


if __name__ == "__main__":
    main()

"""The opening rush: 10,000 visitors through the waiting room, two app servers, Redis and
PostgreSQL on loopback, plus a bot that hammers the booking endpoint without tickets.

Run:  .venv/bin/python bench/rush_day.py [--visitors 10000] [--window 60] [--time-scale 3]
      [--rate 60] [--quota 7000] [--workers 2] [--clients 48] [--redis redis://...]

Schedule: the visitors' arrival times are drawn uniformly within ``--window`` seconds; the
booking opening is ``--prequeue-share`` of the way into it, so the first arrivals land in
the pre-queue (shuffled at the opening) and the rest queue in arrival order. Each visitor:
fetches a proof-of-work challenge and solves it for real (the cost is lowered to
``--pow`` for the run: the servers verify it the same way), joins the queue (API), polls the
queue page (HTML, its ticket as the cookie) at the interval the page asks for until the
page sends it to the booking form with an admission, books through POST
/api/v1/appointments with that admission, and joins the waiting list when the day is full.
A 2-core machine cannot also run 10,000 clients in real time: ``--time-scale`` stretches
the arrival clock (3: the 60 s of arrivals are replayed over 180 s), which the output says.

Prints: admitted, booked, refused quota_full, waiting-list joins, 5xx (goal 0), overbooked
(goal 0), queue page p50/p99 (goal p99 <= 50 ms), Kendall tau between arrival order and
admission order outside the pre-queue (goal >= 0.95), bot bookings (goal 0).
"""
from __future__ import annotations

import argparse
import heapq
import http.client
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchkit import free_port, migrated_service, percentile, start_gunicorn  # noqa: E402
from booking_rush import resident_ids  # noqa: E402

ADMIT_COOKIE = re.compile(r"fg_admit_[A-Z]+_\d+=([^;]+)")


def kendall_tau(xs: list[float], ys: list[float]) -> float:
    """Kendall's tau-a of two sequences (no ties expected), O(n log n) by merge sort."""
    order = [y for _, y in sorted(zip(xs, ys))]
    n = len(order)
    if n < 2:
        return 1.0

    def inversions(values: list[float]) -> tuple[list[float], int]:
        if len(values) <= 1:
            return values, 0
        mid = len(values) // 2
        left, a = inversions(values[:mid])
        right, b = inversions(values[mid:])
        merged, count, i, j = [], a + b, 0, 0
        while i < len(left) and j < len(right):
            if left[i] <= right[j]:
                merged.append(left[i])
                i += 1
            else:
                merged.append(right[j])
                count += len(left) - i
                j += 1
        return merged + left[i:] + right[j:], count

    _, swapped = inversions(order)
    pairs = n * (n - 1) / 2
    return (pairs - 2 * swapped) / pairs


class Client:
    """One keep-alive connection per thread and server; counts every status."""

    def __init__(self, ports: list[int], statuses: Counter, lock: threading.Lock):
        self.ports, self.statuses, self.lock = ports, statuses, lock
        self.local = threading.local()

    def request(self, server: int, method: str, path: str, body: dict | None = None,
                headers: dict | None = None):
        conns = self.local.__dict__.setdefault("conns", {})
        payload = json.dumps(body).encode() if body is not None else None
        headers = {**({"Content-Type": "application/json"} if payload else {}),
                   **(headers or {})}
        for attempt in range(2):
            conn = conns.get(server)
            if conn is None:
                conn = conns[server] = http.client.HTTPConnection(
                    "127.0.0.1", self.ports[server], timeout=60)
            try:
                started = time.perf_counter()
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - started
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                conns.pop(server, None)
                if attempt:
                    with self.lock:
                        self.statuses["connection_error"] += 1
                    return None, {}, b"", 0.0
        with self.lock:
            self.statuses[response.status] += 1
        headers = {}
        for name, value in response.getheaders():  # several Set-Cookie headers: keep all
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return response.status, headers, data, elapsed


def visitor_steps(args, client: Client, day, number: str, index: int, results: dict,
                  lock: threading.Lock):
    """A generator: yields the delay before its next step; fills ``results[index]``."""
    from registration.waitingroom.pow import solve

    server = index % len(client.ports)
    queue_path = f"/queue/CNCC/{day.isoformat()}"
    record = results[index]
    _, _, data, _ = client.request(server, "GET", "/api/v1/pow/challenge")
    payload = solve(json.loads(data))
    record["arrived"] = time.monotonic()
    status, _, data, _ = client.request(server, "POST", f"/api/v1/queue/CNCC/{day.isoformat()}",
                                        {"document": {"type": "cn_resident_id",
                                                      "number": number}, "altcha": payload})
    if status != 201:
        record["join_status"] = status
        return
    joined = json.loads(data)
    record["position_at_join"] = joined["position"]
    record["prequeue"] = joined["status"] == "prequeue"
    cookie = f"fg_queue_CNCC_{day:%Y%m%d}={joined['ticket']}"
    delay = joined["refresh_seconds"]
    admission = joined["admission_token"]
    while admission is None:
        yield delay
        status, headers, data, elapsed = client.request(server, "GET", queue_path,
                                                        headers={"Cookie": cookie})
        with lock:
            results["page_ms"].append(elapsed * 1000)
        if status == 303:
            match = ADMIT_COOKIE.search(headers.get("Set-Cookie", ""))
            admission = match.group(1) if match else None
            if admission is None:  # sent to the form without an admission: the room is off
                record["no_admission"] = True
                return
        elif status == 200:
            refresh = re.search(rb'http-equiv="refresh" content="(\d+)"', data)
            delay = int(refresh.group(1)) if refresh else 5
        else:
            delay = 5
    record["admitted"] = time.monotonic()
    body = {"venue": "CNCC", "date": day.isoformat(), "name": "张三", "consent": True,
            "document": {"type": "cn_resident_id", "number": number}}
    status, _, data, _ = client.request(server, "POST", "/api/v1/appointments", body,
                                        {"X-Admission-Token": admission})
    record["book_status"] = status
    if status == 409 and json.loads(data)["error"]["code"] == "quota_full":
        status, _, _, _ = client.request(
            server, "POST", f"/api/v1/venues/CNCC/days/{day.isoformat()}/waitlist",
            {"name": body["name"], "document": body["document"], "consent": True,
             "email": f"v{index}@example.com"})
        record["waitlist_status"] = status


def run_visitors(args, client: Client, day, numbers: list[str], arrivals: list[float],
                 lock: threading.Lock) -> dict:
    """A small event loop on ``--clients`` threads: each visitor is a generator of steps."""
    results: dict = {i: {} for i in range(len(numbers))}
    results["page_ms"] = []
    started = time.monotonic()
    events = [(started + at, i, None) for i, at in enumerate(arrivals)]
    heapq.heapify(events)
    cond = threading.Condition()
    pending = [len(numbers)]

    def worker():
        while True:
            with cond:
                while True:
                    if pending[0] == 0:
                        cond.notify_all()
                        return
                    if events and events[0][0] <= time.monotonic():
                        due, index, steps = heapq.heappop(events)
                        break
                    cond.wait(min(0.05, max(events[0][0] - time.monotonic(), 0.001))
                              if events else 0.05)
            if steps is None:
                steps = visitor_steps(args, client, day, numbers[index], index, results,
                                      lock)
            try:
                delay = next(steps)
            except StopIteration:
                with cond:
                    pending[0] -= 1
                    cond.notify_all()
                continue
            with cond:
                heapq.heappush(events, (time.monotonic() + delay, index, steps))
                cond.notify()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results["seconds"] = time.monotonic() - started
    return results


def bot(client: Client, day, stop: threading.Event, outcome: Counter, numbers: list[str]):
    """Books without a ticket, with a forged admission, as fast as one thread can."""
    forged = "a1.eyJyb29tIjoiQ05DQyJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    n = 0
    while not stop.is_set():
        number = numbers[n % len(numbers)]
        headers = {"X-Admission-Token": forged} if n % 2 else {}
        status, _, _, _ = client.request(n % len(client.ports), "POST", "/api/v1/appointments", {
            "venue": "CNCC", "date": day.isoformat(), "name": "机器人", "consent": True,
            "document": {"type": "cn_resident_id", "number": number}}, headers)
        outcome[status] += 1
        n += 1


def audit(app, day, quota: int, bot_numbers: list[str]) -> tuple[int, int, int]:
    """(active appointments, overbooked, bot bookings)."""
    from registration.extensions import db
    from registration.models import Appointment, AppointmentStatus, FairDay
    from registration.ratelimits import document_bucket

    with app.app_context(), app.test_request_context():
        fair_day = db.session.scalar(sa.select(FairDay).where(FairDay.date == day))
        active = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
            Appointment.fair_day_id == fair_day.id,
            Appointment.status == AppointmentStatus.ACTIVE))
        bot_index = {document_bucket(n) for n in bot_numbers}
        rows = db.session.scalars(sa.select(Appointment.document_index).where(
            Appointment.fair_day_id == fair_day.id)).all()
        bots = sum(1 for row in rows if (row or "")[:32] in bot_index)
        return active, max(active - quota, 0) + max(fair_day.booked - quota, 0), bots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="arrival window, seconds")
    parser.add_argument("--time-scale", type=float, default=3.0)
    parser.add_argument("--prequeue-share", type=float, default=0.15)
    parser.add_argument("--rate", type=float, default=60.0, help="admissions per second")
    parser.add_argument("--quota", type=int, default=7000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--clients", type=int, default=48, help="client threads")
    parser.add_argument("--pow", type=int, default=1000, help="proof-of-work cost (maxnumber)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()

    import redis

    redis.Redis.from_url(args.redis).flushdb()
    settings = {"FAIRGATE_RATELIMIT_ENABLED": "0", "FAIRGATE_WAITING_ROOM_STORE": args.redis,
                "FAIRGATE_WAITING_ROOM_RATE": str(args.rate),
                "FAIRGATE_POW_MAX_NUMBER": str(args.pow), "FAIRGATE_LOG_LEVEL": "WARNING"}
    app, env = migrated_service("fairgate_rush", settings)
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    stretched = args.window * args.time_scale
    lead = 5.0  # seconds to start the client threads before the first arrival
    opens_at = datetime.now(timezone.utc) + timedelta(
        seconds=lead + stretched * args.prequeue_share + 20)  # + server start-up (below)
    with app.app_context():
        from registration.extensions import db
        from registration.services import operations

        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center")
        operations.set_day("CNCC", day, quota=args.quota).booking_opens_at = opens_at
        db.session.commit()

    numbers = resident_ids(args.visitors, seed=14)
    bot_numbers = resident_ids(args.visitors + 200, seed=14)[args.visitors:]
    ports = [free_port(), free_port()]
    servers = [start_gunicorn(env, port, args.workers) for port in ports]
    statuses, bot_outcome, lock = Counter(), Counter(), threading.Lock()
    client = Client(ports, statuses, lock)
    try:
        # Arrivals: uniform within the window, stretched, shifted so the opening falls
        # --prequeue-share of the way in.
        rng = random.Random(14)
        begin = opens_at.timestamp() - time.time() - stretched * args.prequeue_share
        arrivals = sorted(max(begin, 0.0) + rng.uniform(0, stretched)
                          for _ in range(args.visitors))
        stop = threading.Event()
        bot_thread = threading.Thread(target=bot, args=(Client(ports, Counter(), lock), day,
                                                        stop, bot_outcome, bot_numbers))
        bot_thread.start()
        results = run_visitors(args, client, day, numbers, arrivals, lock)
        stop.set()
        bot_thread.join()
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)

    visitors = [results[i] for i in range(args.visitors)]
    admitted = [v for v in visitors if "admitted" in v]
    booked = sum(1 for v in visitors if v.get("book_status") == 201)
    full = sum(1 for v in visitors if v.get("book_status") == 409)
    waitlisted = sum(1 for v in visitors if v.get("waitlist_status") == 201)
    outside = [v for v in admitted if not v.get("prequeue")]
    tau_seen = kendall_tau([v["arrived"] for v in outside], [v["admitted"] for v in outside])
    tau_line = kendall_tau([v["arrived"] for v in outside],
                           [v["position_at_join"] or 0 for v in outside])
    active, overbooked, bot_booked = audit(app, day, args.quota, bot_numbers)
    server_errors = sum(n for status, n in statuses.items()
                        if isinstance(status, int) and status >= 500)
    bot_errors = sum(n for status, n in bot_outcome.items()
                     if isinstance(status, int) and status >= 500)
    page = results["page_ms"]
    print(f"rush_day: {args.visitors} visitors, arrivals drawn within {args.window:.0f} s and "
          f"replayed over {stretched:.0f} s (time scale {args.time_scale:g}: the clients share "
          f"the 2 cores with the servers), opening at {args.prequeue_share:.0%} of the window, "
          f"admission rate {args.rate:g}/s, quota {args.quota}, 2 gunicorn servers x "
          f"{args.workers} workers, Redis store, PostgreSQL, PoW cost {args.pow}")
    print(f"  run took {results['seconds']:.0f} s; pre-queue arrivals "
          f"{sum(1 for v in visitors if v.get('prequeue'))}")
    print(f"  admitted {len(admitted)}  booked {booked}  refused quota_full {full}  "
          f"waiting-list joins {waitlisted}  (active appointments {active})")
    print(f"  5xx {server_errors} (goal 0; bot's {bot_errors})  overbooked {overbooked} (goal 0)"
          f"  other statuses {dict(sorted((str(k), v) for k, v in statuses.items()))}")
    print(f"  queue page: {len(page)} polls, p50 {percentile(page, 0.5):.1f} ms, "
          f"p99 {percentile(page, 0.99):.1f} ms (goal p99 <= 50 ms)")
    print(f"  fairness outside the pre-queue ({len(outside)} visitors): Kendall tau arrival vs "
          f"place in line {tau_line:.4f}; vs admission as the clients saw it "
          f"(polling granularity included) {tau_seen:.4f} (goal >= 0.95)")
    print(f"  bot: {sum(bot_outcome.values())} booking attempts without a ticket or with a "
          f"forged admission: {dict(sorted((str(k), v) for k, v in bot_outcome.items()))}; "
          f"bot bookings {bot_booked} (goal 0)")


if __name__ == "__main__":
    main()

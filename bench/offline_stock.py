"""Minutes an offline gate keeps admitting at 30/min: sized stocks against the fixed 30.

Run:  .venv/bin/python bench/offline_stock.py [--limit 8000] [--gates 20] [--rate 30]

A simulation, second by second, of one venue-day's occupancy pool with the code the service
and the kiosk run (gate.occupancy: OccupancyPool, KioskCredits, peak_rate, stock_target; the
kiosk's top-up rule of kiosk/sync.py): ``--gates`` entrance kiosks, each admitting ``--rate``
people a minute, each syncing every 3 s (a lease request with its report: the service
applies it, measures the gate's peak rate from its reports of the last 15 minutes and tops it
up). Exits through the exit lanes, reported as they happen, hold the venue at 10 %, 50 % and
90 % of its limit. After 15 minutes one kiosk is cut off; it keeps admitting at its rate on
the credits it holds. The figure is how long that lasts, for the kiosk holding the fewest
credits at the cut (the worst gate), with the old fixed stock of 30 (top up to 30 when below
15, the request granted as asked) as the baseline, in the same run.

``--query``: also time the service's throughput query (registration.services.leases.
recent_peak) on PostgreSQL (a throw-away database, FAIRGATE_BENCH_PG) holding a fair's lease
reports: ``--gates`` devices x 6 days x 10 hours x one report every 3 s.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gate.occupancy import KioskCredits, OccupancyPool, peak_rate, stock_target  # noqa: E402

SYNC_SECONDS = 3
WARM_UP_MINUTES = 15
COVER_MINUTES = 10.0
WINDOW = timedelta(minutes=15)
START = datetime(2026, 9, 10, 1, 0, tzinfo=timezone.utc)


class Gate:
    def __init__(self, name: str, rate: float, phase: int):
        self.name, self.rate, self.phase = name, rate, phase
        self.credits = KioskCredits()
        self.reports: list[tuple[datetime, int]] = []
        self.target: int | None = None
        self.owed = 0.0  # people waiting at the lane (fraction: the arrival rate)

    def admit(self, seconds: float = 1.0) -> int:
        """People through the lane this second; the rest wait (venue_full)."""
        self.owed += self.rate * seconds / 60
        admitted = 0
        while self.owed >= 1 and self.credits.try_admit():
            self.owed -= 1
            admitted += 1
        if self.owed >= 1:
            self.owed = 1.0  # refused, turned away: no backlog builds up
        return admitted


def sync(pool: OccupancyPool, gate: Gate, now: datetime, sized: bool, stock: int) -> int:
    """One lease round of ``gate``; returns the entries it reported (for the exits)."""
    report = gate.credits.take_report()
    pool.apply_report(gate.name, report)
    held, available = pool.outstanding_for(gate.name), gate.credits.available
    if not sized:  # the old kiosk: top up to the fixed stock below half of it
        request = stock - available if available * 2 < stock else 0
        gate.credits.receive(pool.grant(gate.name, request))
        return report.entries
    want = max(stock, gate.target or 0)
    request = 0
    if available * 2 < want or (report and available < want):
        request = max(1, stock - available)
    gate.reports.append((now, report.entries))
    since = next((at for at, _ in reversed(gate.reports) if at < now - WINDOW), None)
    recent = [(at, n) for at, n in gate.reports if at >= now - WINDOW]
    peak = peak_rate(recent, now=now, window=WINDOW,
                     since=since if since is not None else recent[0][0])
    sizing = {"limit": pool.limit, "inside": pool.inside,
              "held": sum(pool.outstanding.values()),
              "gates": len(set(pool.outstanding) | {gate.name}), "peak_per_minute": peak,
              "cover_minutes": COVER_MINUTES, "held_here": held}
    gate.target = stock_target(**sizing)
    if request:
        wanted = stock_target(**sizing, hint=held + request)
        gate.credits.receive(pool.grant(gate.name, max(0, wanted - held)))
    return report.entries


def run(limit: int, gates: int, rate: float, share: float, sized: bool,
        stock: int = 30) -> dict:
    pool = OccupancyPool(limit, inside=int(limit * share))
    lanes = [Gate(f"E{n + 1}", rate, n % SYNC_SECONDS) for n in range(gates)]
    now = START
    for second in range(WARM_UP_MINUTES * 60):
        now = START + timedelta(seconds=second)
        for gate in lanes:
            gate.admit()
            if second % SYNC_SECONDS == gate.phase:
                entered = sync(pool, gate, now, sized, stock)
                pool.record_exits("exit lanes", min(entered, pool.inside))  # level held
    worst = min(lanes, key=lambda g: g.credits.available)
    held = worst.credits.available
    seconds = 0
    while worst.admit() or worst.credits.available:  # offline: no sync any more
        seconds += 1
        if seconds > 4 * 3600:
            break
    assert pool.committed <= pool.limit
    return {"held": held, "target": worst.target, "minutes": seconds / 60,
            "committed": pool.committed}


def time_query(gates: int, rounds: int = 200) -> None:
    import statistics
    import tempfile
    import time

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from benchkit import PG_ADMIN, fresh_database
    from registration import create_app
    from registration.extensions import db
    from registration.models import Device, FairDay, Gate
    from registration.services import leases, operations

    name = "fairgate_stockbench"
    url = fresh_database(name)
    instance = tempfile.mkdtemp(prefix="fairgate-stockbench-")
    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False},
                     instance_path=instance)
    first = START.date()
    try:
        with app.app_context():
            upgrade()
            operations.set_venue("CNCC", "国家会议中心", "China National Convention Center",
                                 gates=[f"CNCC-E{n + 1}" for n in range(gates)])
            days = [operations.set_day("CNCC", first + timedelta(days=n), quota=100000,
                                       occupancy_limit=8000) for n in range(6)]
            db.session.flush()
            devices = []
            for n, gate in enumerate(db.session.scalars(sa.select(Gate).order_by(Gate.id))):
                devices.append(Device(name=f"lane {n}", venue_id=gate.venue_id,
                                      gate_id=gate.id, token_hash=f"{n:064d}"))
            db.session.add_all(devices)
            db.session.commit()
            per_day = 10 * 3600 // SYNC_SECONDS
            started = time.perf_counter()
            for day in days:
                # one report every 3 s per device, 10 hours from 01:00 UTC, lease ids random
                db.session.execute(sa.text(
                    "INSERT INTO device_leases (device_id, fair_day_id, lease_id, requested, "
                    "granted, entries, exits, recycled_exits, returned, overdraft, "
                    "outstanding_after, created_at) SELECT d.id, :day, md5(random()::text), 0, "
                    "0, 1 + (s % 3), 0, 0, 0, 0, 100, "
                    ":start + make_interval(secs => s * 3) FROM devices d, "
                    "generate_series(0, :n - 1) s"),
                    {"day": day.id, "n": per_day,
                     "start": datetime.combine(day.date, START.time(), tzinfo=timezone.utc)})
            db.session.execute(sa.text("ANALYZE device_leases"))
            db.session.commit()
            rows = db.session.scalar(sa.select(sa.func.count()).select_from(
                sa.text("device_leases")))
            print(f"\nthroughput query on PostgreSQL: {rows:,} lease reports "
                  f"({gates} devices x 6 days x {per_day:,}), loaded in "
                  f"{time.perf_counter() - started:.0f} s")
            today = db.session.get(FairDay, days[-1].id)
            now = datetime.combine(today.date, START.time(), tzinfo=timezone.utc) + \
                timedelta(hours=10)
            timings, peaks = [], []
            for n in range(rounds):
                device = devices[n % len(devices)]
                began = time.perf_counter()
                peaks.append(leases.recent_peak(device, today, now, 3))
                timings.append(time.perf_counter() - began)
                db.session.rollback()
            timings.sort()
            print(f"recent_peak: median {statistics.median(timings) * 1000:.2f} ms, "
                  f"p99 {timings[int(len(timings) * 0.99)] * 1000:.2f} ms over {rounds} "
                  f"calls (peak {statistics.median(peaks):.0f}/min)")
            horizon = now - 2 * WINDOW
            floor_sql = "SELECT max(id) FROM device_leases WHERE created_at < :horizon"
            floor = db.session.execute(sa.text(floor_sql), {"horizon": horizon}).scalar()
            reports_sql = ("SELECT created_at, entries FROM device_leases WHERE id > :floor "
                           "AND device_id = :d AND fair_day_id = :f AND created_at >= "
                           ":horizon ORDER BY id")
            for label, sql, params in [
                    ("floor", floor_sql, {"horizon": horizon}),
                    ("reports", reports_sql, {"floor": floor, "d": devices[0].id,
                                              "f": today.id, "horizon": horizon})]:
                plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql),
                                          params).scalars().all()
                print(f"plan ({label}):\n  " + "\n  ".join(plan))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=8000)
    parser.add_argument("--gates", type=int, default=20)
    parser.add_argument("--rate", type=float, default=30.0, help="people per minute per gate")
    parser.add_argument("--query", action="store_true",
                        help="also time the throughput query on PostgreSQL")
    args = parser.parse_args()
    print(f"venue limit {args.limit:,}, {args.gates} entrance gates at {args.rate:g}/min each, "
          f"sync every {SYNC_SECONDS} s, cover {COVER_MINUTES:g} min, one gate cut off after "
          f"{WARM_UP_MINUTES} min (the one holding the fewest credits)")
    print("minutes an offline gate keeps admitting at "
          f"{args.rate:g}/min:")
    print(f"{'occupancy':>9}  {'fixed 30: credits':>17} {'minutes':>7}  "
          f"{'sized: credits':>14} {'target':>6} {'minutes':>7}  {'committed':>9}")
    for share in (0.10, 0.50, 0.90):
        old = run(args.limit, args.gates, args.rate, share, sized=False)
        new = run(args.limit, args.gates, args.rate, share, sized=True)
        print(f"{share:>9.0%}  {old['held']:>17} {old['minutes']:>7.1f}  "
              f"{new['held']:>14} {new['target']:>6} {new['minutes']:>7.1f}  "
              f"{new['committed']:>9,}")
    if args.query:
        time_query(args.gates)


if __name__ == "__main__":
    main()

"""A stolen kiosk ledger attacked: what one guess of an ID number costs, and what sweeping a
venue-day or singling out one visitor costs.

Run:  .venv/bin/python bench/ledger_attack.py [--visitors 40] [--window 15] [--samples 60]

1. The real service (the app on loopback, a migrated SQLite database in a scratch instance
   folder, the production GATE_LOOKUP_KDF_* defaults of registration/config.py), N bookings
   through the HTTP API, counting KDF calls: the booking path must make none.
2. A kiosk enrolled with `fairgate-kiosk enroll` (in process), which pulls the manifest:
   the service computes the look-up indexes there, within its per-page time budget.
3. The ledger file copied as a thief would, read with sqlite3 alone: what it holds.
4. The cost of one guess on one core, measured the way an attacker runs Argon2id (one
   thread, the memory block allocated once and reused), beside the old HMAC index.
5. A real attack: a few hundred candidate numbers that fit what the ledger shows of one
   visitor (plus outside knowledge of district and birth month), run against the stolen
   indexes until the visitor's number is found.
6. The extrapolation: ID space sizes (with the check-digit filter counted exactly) times
   the cost of a guess, in CPU time.
7. The kiosk's own offline ID-card look-up through the KDF: p50/p99.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, time as dtime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402

from benchkit import percentile  # noqa: E402

# GB/T 2260 codes of Beijing's 16 districts (a thief's first guess at a Beijing fair).
BEIJING = ["110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
           "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
YEAR_SECONDS = 365.25 * 86400
# The assumed mainland space (reasoning printed with the figures).
REGIONS = 3500
ALL_BIRTH_DATES = 36500  # 100 years of birth dates
VISITOR_BIRTH_DATES = (date(2005, 12, 31) - date(1950, 1, 1)).days + 1  # 1950-2005: 20,454
REGIONS_FIRST_DIGIT_1 = 420  # Beijing, Tianjin, Hebei, Shanxi, Inner Mongolia (11-15)


def resident_id(region: str, born: date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def cpu_time(seconds: float) -> str:
    """A CPU time in the unit that reads best."""
    for unit, size in (("CPU-years", YEAR_SECONDS), ("CPU-days", 86400), ("CPU-hours", 3600),
                       ("CPU-minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:.1f} CPU-s"


# --- the service and the kiosk ------------------------------------------------------------

class Service:
    """The real app on 127.0.0.1 (werkzeug, threads), like tests/kiosk/kioskkit.py."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class KdfCalls:
    """Counts every Argon2id computed in this process (service and kiosk), calling through."""

    def __init__(self):
        import gate.lookup

        self.count = 0
        original = gate.lookup.argon2id

        def counted(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)

        gate.lookup.argon2id = counted


def setup_service(scratch: Path, overrides: dict):
    """The app on a migrated SQLite file, production KDF defaults (unless ``overrides``),
    CNCC open today."""
    from flask_migrate import upgrade

    from registration import create_app
    from registration.extensions import db
    from registration.services import operations
    from registration.services.calendar import venue_today

    for name in [n for n in os.environ if n.startswith("FAIRGATE_")]:
        del os.environ[name]  # nothing from the environment: the defaults are measured
    app = create_app({"DATABASE_URL": f"sqlite:///{scratch / 'service.sqlite'}",
                      "RATELIMIT_ENABLED": False, **overrides},
                     instance_path=str(scratch / "instance"))
    with app.app_context():
        upgrade()
        venue = operations.set_venue("CNCC", "国家会议中心", "China National Convention Center",
                                     gates=["CNCC-E1"])
        today = venue_today(venue)
        operations.set_day("CNCC", today, quota=10_000, opens=dtime(0, 0),
                           closes=dtime(23, 59))
        db.session.commit()
    return app, today


def visitors(count: int, rng: random.Random) -> list[str]:
    numbers = set()
    while len(numbers) < count:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(VISITOR_BIRTH_DATES))
        numbers.add(resident_id(rng.choice(BEIJING), born, rng.randrange(1000)))
    return sorted(numbers)


def book_all(service: Service, day: date, numbers: list[str]) -> list[float]:
    latencies = []
    with requests.Session() as session:
        for n, number in enumerate(numbers):
            body = {"venue": "CNCC", "date": day.isoformat(), "name": "张三", "consent": True,
                    "document": {"type": "cn_resident_id", "number": number}, "lang": "en",
                    "email": f"v{n}@example.com"}
            started = time.perf_counter()
            answer = session.post(service.url + "/api/v1/appointments", json=body, timeout=30)
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.text
    return latencies


def enrol_kiosk(app, service: Service, home: Path) -> Path:
    from kiosk.cli import main as kiosk_main
    from registration.extensions import db
    from registration.services import devices

    with app.app_context():
        code, _ = devices.new_enrollment_code("CNCC", "CNCC-E1")
        db.session.commit()
    with contextlib.redirect_stdout(io.StringIO()):  # its own report: not a figure here
        assert kiosk_main(["--home", str(home), "enroll", "--server", service.url,
                           "--code", code, "--name", "bench lane"]) == 0
    return home / "ledger.sqlite"


# --- the attacker's side: only the copied file and public knowledge -----------------------

def steal(ledger: Path, loot: Path) -> sqlite3.Connection:
    """Copy the ledger (and its WAL) and open the copy read-only, with nothing of fairgate."""
    loot.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = ledger.with_name(ledger.name + suffix)
        if source.exists():
            shutil.copy(source, loot / source.name)
    conn = sqlite3.connect(f"file:{loot / ledger.name}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


class AttackerKdf:
    """Argon2id the way a thief runs it for many guesses: one thread (one core) per guess
    and the memory block allocated once (no page faults per guess, unlike the kiosk)."""

    def __init__(self, params):
        from argon2.low_level import ffi

        self.ffi, self.params = ffi, params
        self.memory = ffi.new("uint8_t[]", params.memory_kib * 1024)
        self.salt = ffi.new("uint8_t[]", params.salt)
        self.out = ffi.new("uint8_t[]", params.length)

        @ffi.callback("int(uint8_t **, size_t)")
        def allocate(memory, size):
            if size > params.memory_kib * 1024:
                return -22  # ARGON2_MEMORY_ALLOCATION_ERROR
            memory[0] = self.memory
            return 0

        @ffi.callback("void(uint8_t *, size_t)")
        def free(memory, size):
            return None

        self.callbacks = (allocate, free)

    def index(self, document_key: str) -> str:
        from argon2.low_level import ARGON2_VERSION, Type, core, lib

        from gate.lookup import INDEX_CONTEXT

        secret = INDEX_CONTEXT + document_key.encode()
        pwd = self.ffi.new("uint8_t[]", secret)
        p = self.params
        context = self.ffi.new("argon2_context *", {
            "out": self.out, "outlen": p.length, "pwd": pwd, "pwdlen": len(secret),
            "salt": self.salt, "saltlen": len(p.salt), "secret": self.ffi.NULL, "secretlen": 0,
            "ad": self.ffi.NULL, "adlen": 0, "t_cost": p.time_cost, "m_cost": p.memory_kib,
            "lanes": p.parallelism, "threads": 1, "version": ARGON2_VERSION,
            "allocate_cbk": self.callbacks[0], "free_cbk": self.callbacks[1],
            "flags": lib.ARGON2_DEFAULT_FLAGS})
        code = core(context, Type.ID.value)
        if code != 0:
            raise RuntimeError(f"argon2 error {code}")
        return bytes(self.ffi.buffer(self.out, p.length)).hex()


def per_guess(function, guesses: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per call, over ``guesses`` calls after one warm-up."""
    function(0)
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(1, guesses + 1):
        function(n)
    return (time.process_time() - cpu) / guesses, (time.perf_counter() - wall) / guesses


# --- counting candidates exactly (check-digit filter included) ----------------------------

def residue(digits: str, weights) -> int:
    return sum(int(c) * w for c, w in zip(digits, weights)) % 11


def per_residue_last_two(last_two: str) -> list[int]:
    """For each residue of the 14-digit prefix sum: how many of the 1,000 sequence numbers
    end in ``last_two[0]`` and give the check character ``last_two[1]``."""
    last = int(last_two[0])
    return [sum(1 for a in range(10) for b in range(10)
                if CHECK[(r + 8 * a + 4 * b + 2 * last) % 11] == last_two[1])
            for r in range(11)]


def per_residue_last_four(last_four: str) -> list[int]:
    """The same for the staff form's last four (whole sequence number + check character)."""
    tail = 8 * int(last_four[0]) + 4 * int(last_four[1]) + 2 * int(last_four[2])
    return [int(CHECK[(r + tail) % 11] == last_four[3]) for r in range(11)]


def date_residues(first: date, count: int) -> Counter:
    return Counter(residue(f"{first + timedelta(days=n):%Y%m%d}", WEIGHTS[6:14])
                   for n in range(count))


def exact_count(regions: list[str], dates: Counter, table: list[int]) -> int:
    regions_by_residue = Counter(residue(region, WEIGHTS[:6]) for region in regions)
    return sum(rn * dn * table[(rr + dr) % 11]
               for rr, rn in regions_by_residue.items() for dr, dn in dates.items())


def per_region_bounds(dates: Counter, table: list[int]) -> tuple[int, int]:
    """Fewest and most candidates one region can give over ``dates`` (whatever its code)."""
    sums = [sum(dn * table[(rr + dr) % 11] for dr, dn in dates.items()) for rr in range(11)]
    return min(sums), max(sums)


# --- main ---------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=40, help="bookings in the venue-day")
    parser.add_argument("--window", type=int, default=15,
                        help="days either side of the victim's birth date the thief tries")
    parser.add_argument("--guesses", type=int, default=20, help="guesses timed per method")
    parser.add_argument("--samples", type=int, default=60, help="kiosk card look-ups timed")
    parser.add_argument("--time-cost", type=int, help="try another GATE_LOOKUP_KDF_TIME_COST")
    parser.add_argument("--memory-kib", type=int, help="... GATE_LOOKUP_KDF_MEMORY_KIB")
    parser.add_argument("--parallelism", type=int, help="... GATE_LOOKUP_KDF_PARALLELISM")
    args = parser.parse_args()
    overrides = {f"GATE_LOOKUP_KDF_{name.upper()}": value for name, value in (
        ("time_cost", args.time_cost), ("memory_kib", args.memory_kib),
        ("parallelism", args.parallelism)) if value is not None}
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from gate.documents import parse_document
    from gate.lookup import LookupParams, gate_lookup_index

    rng = random.Random(20261202)
    print(f"machine: {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="ledger-attack-") as scratch_name:
        scratch = Path(scratch_name)
        app, today = setup_service(scratch, overrides)
        calls = KdfCalls()
        service = Service(app)
        try:
            numbers = visitors(args.visitors, rng)
            booking = book_all(service, today, numbers)
            from registration.extensions import db
            from registration.models import Appointment

            with app.app_context():
                indexed = db.session.query(Appointment).filter(
                    Appointment.gate_index.is_not(None)).count()
            booked_calls = calls.count
            print(f"\n1. booking: {len(numbers)} bookings through the API, p50 "
                  f"{ms(statistics.median(booking))}, max {ms(max(booking))}; KDF calls "
                  f"{calls.count}, gate indexes stored {indexed} (none on the booking path)")
            started = time.perf_counter()
            ledger_path = enrol_kiosk(app, service, scratch / "kiosk")
            pull = time.perf_counter() - started
            computed = calls.count
            pages = again = 0
            token = (scratch / "kiosk" / "token").read_text().strip()
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {token}"
                cursor = None
                while True:  # a second full pull, as a kiosk enrolled later makes it
                    page = session.get(service.url + "/api/v1/gate/manifest", timeout=30,
                                       params={"cursor": cursor} if cursor else {}).json()
                    pages, cursor = pages + 1, page["cursor"]
                    if not page["has_more"]:
                        break
            again = calls.count - computed
            print(f"2. kiosk enrolment + manifest pull: {pull:.1f} s; the service computed "
                  f"{computed} indexes there ({ms(pull / max(computed, 1))} per index, the "
                  f"pull included; pages cut "
                  f"at the {app.config.get('GATE_MANIFEST_INDEX_BUDGET_SECONDS', 2.0)} s "
                  f"budget); a second full pull: {pages} page(s), {again} indexes computed")

            # --- the thief -----------------------------------------------------------
            loot = steal(ledger_path, scratch / "loot")
            meta = {row["key"]: row["value"] for row in loot.execute("SELECT * FROM meta")}
            import json

            params = LookupParams.from_wire(json.loads(meta["lookup_kdf"]))
            rows = loot.execute("SELECT serial, holder_name, document_masked, gate_index, kind "
                                "FROM appointments").fetchall()
            stolen = {row["gate_index"]: row for row in rows if row["gate_index"]}
            disk = b"".join(p.read_bytes() for p in (scratch / "loot").iterdir())
            leaked = sum(number.encode() in disk or number[:17].encode() in disk
                         for number in numbers)
            shown = Counter(len(row["document_masked"].strip("*")) for row in rows)
            print(f"3. stolen ledger: {len(rows)} appointments, {len(stolen)} look-up indexes;"
                  f" meta keys {sorted(meta)}; lookup_key present: {'lookup_key' in meta}; "
                  f"full numbers in the file: {leaked}; document characters shown per "
                  f"visitor: {dict(shown)} (e.g. {rows[0]['document_masked']!r}, name "
                  f"{rows[0]['holder_name']!r})")
            print(f"   KDF parameters from the ledger: argon2id t={params.time_cost}, "
                  f"m={params.memory_kib} KiB ({params.memory_kib // 1024} MiB), "
                  f"p={params.parallelism}, {params.length}-byte index, "
                  f"{len(params.salt)}-byte venue-day salt")

            # --- one guess -------------------------------------------------------------
            attacker = AttackerKdf(params)
            probe = parse_document("cn_resident_id", numbers[0]).key
            assert attacker.index(probe) == gate_lookup_index(params, probe)
            keys = [parse_document("cn_resident_id",
                                   resident_id("110105", date(1980, 1, 1), n)).key
                    for n in range(args.guesses + 1)]
            guess_cpu, guess_wall = per_guess(lambda n: attacker.index(keys[n]), args.guesses)
            kiosk_cpu, kiosk_wall = per_guess(lambda n: gate_lookup_index(params, keys[n]),
                                              args.guesses)
            import hashlib
            import hmac

            old_key = bytes(32)
            hmac_cpu, _ = per_guess(lambda n: hmac.new(old_key, keys[n % len(keys)].encode(),
                                                       hashlib.sha256).hexdigest(), 200_000)
            print(f"\n4. one guess on one core (the attacker's loop, one thread, memory "
                  f"reused): {ms(guess_cpu)} CPU ({ms(guess_wall)} wall)")
            print(f"   the same index as the kiosk computes it (gate.lookup: its memory kept, "
                  f"{params.parallelism} threads): {ms(kiosk_wall)} wall, {ms(kiosk_cpu)} CPU")
            print(f"   the old HMAC-SHA256 index: {hmac_cpu * 1e6:.2f} us a guess "
                  f"(x{guess_cpu / hmac_cpu:,.0f} now)")

            # --- a real attack on one visitor -------------------------------------------
            victim = numbers[rng.randrange(len(numbers))]
            victim_row = stolen[gate_lookup_index(params, parse_document(
                "cn_resident_id", victim).key)]
            hint = victim_row["document_masked"][-2:]
            born = date(int(victim[6:10]), int(victim[10:12]), int(victim[12:14]))
            candidates = [resident_id(victim[:6], born + timedelta(days=offset), sequence)
                          for offset in range(-args.window, args.window + 1)
                          for sequence in range(1000)]
            fitting = [c for c in candidates if c.endswith(hint)]
            rng.shuffle(fitting)
            print(f"\n5. real attack on visitor {victim_row['serial']} (ledger shows "
                  f"{victim_row['document_masked']!r}, {victim_row['holder_name']!r}); the "
                  f"thief also knows district {victim[:6]} and birth date +-{args.window} "
                  f"days: {len(candidates)} numbers, {len(fitting)} end in {hint!r} "
                  f"(check-digit filter)")
            cpu, wall = time.process_time(), time.perf_counter()
            found, tried = {}, 0
            for candidate in fitting:
                tried += 1
                index = attacker.index(parse_document("cn_resident_id", candidate).key)
                if index in stolen:  # tested against every stolen index at once
                    found[candidate] = stolen[index]["serial"]
                    if index == victim_row["gate_index"]:
                        break
            spent_cpu, spent_wall = time.process_time() - cpu, time.perf_counter() - wall
            assert victim in found, "the attack must find the victim"
            print(f"   found {victim[:6]}********{victim[-4:]} (serial {found[victim]}) after "
                  f"{tried} of {len(fitting)} guesses: {spent_cpu:.1f} CPU-s "
                  f"({ms(spent_cpu / tried)} a guess, {spent_wall:.1f} s wall); others "
                  f"matched on the way: {len(found) - 1}")
            real_guess = spent_cpu / tried

            # --- extrapolation ---------------------------------------------------------
            cost = min(real_guess, guess_cpu)  # the cheaper measurement: the thief's best
            all_dates = date_residues(date(1926, 1, 1), ALL_BIRTH_DATES)
            visitor_dates = date_residues(date(1950, 1, 1), VISITOR_BIRTH_DATES)
            full = REGIONS * ALL_BIRTH_DATES * 1000
            adults = REGIONS * VISITOR_BIRTH_DATES * 1000
            beijing = len(BEIJING) * VISITOR_BIRTH_DATES * 1000
            two = 2 * VISITOR_BIRTH_DATES * 1000
            print(f"\n6. extrapolation at {ms(cost)} CPU a guess (the cheaper of the two "
                  f"measurements above); one guess is tested against every index of the "
                  f"venue-day at once (one salt per venue-day), so a sweep costs its size "
                  f"in guesses:")
            print("   ID space assumed (mainland resident IDs): about 3,500 region codes "
                  "(GB/T 2260 county-level codes in use, plus retired ones still on valid "
                  "cards) x birth dates x 1,000 sequence numbers; the check character is "
                  "determined by the rest, so each (region, date, sequence) is one guess.")
            sweeps = [
                (f"whole mainland, 100 years of birth dates: 3,500 x {ALL_BIRTH_DATES:,} x "
                 f"1,000", full),
                (f"mainland, visitors born 1950-2005: 3,500 x {VISITOR_BIRTH_DATES:,} x 1,000",
                 adults),
                ("Beijing only (16 districts), born 1950-2005 (recovers only Beijing-born "
                 "visitors)", beijing),
                ("the issue's sweep: 2 Beijing districts x 1950-2005 x 1,000 (was 194 s)", two),
            ]
            for label, size in sweeps:
                print(f"   sweep  {label}: {size:.3g} guesses -> {cpu_time(size * cost)}")
            table2 = per_residue_last_two(hint)
            table4 = per_residue_last_four(victim[-4:])
            bj_exact = exact_count(BEIJING, visitor_dates, table2)
            low, high = per_region_bounds(all_dates, table2)
            low_v, high_v = per_region_bounds(visitor_dates, table2)
            old_low, _ = per_region_bounds(all_dates, table4)
            print(f"   candidates for one visitor given what the ledger keeps ({hint!r}: the "
                  f"last sequence digit and the check character), counted exactly per region"
                  f" code: {low:,}-{high:,} over 100 years of birth dates "
                  f"({low_v:,}-{high_v:,} over 1950-2005), i.e. 1 in "
                  f"{ALL_BIRTH_DATES * 1000 / high:.0f} (Beijing 1950-2005 exactly: "
                  f"{bj_exact:,} = 1 in {beijing / bj_exact:.0f})")
            targets = [
                ("from the ledger alone, mainland, 100 years", REGIONS * low),
                ("from the ledger alone, mainland, born 1950-2005", REGIONS * low_v),
                ("plus outside knowledge: born in Beijing, 1950-2005", bj_exact),
                ("plus outside knowledge: the exact birth date (at most)",
                 REGIONS * max(table2)),
                ("plus outside knowledge: birth date and district (at most)", max(table2)),
                ("the old staff form '1***...472X' kept by the old ledger (regions 11-15, "
                 f"~{REGIONS_FIRST_DIGIT_1}), 100 years", REGIONS_FIRST_DIGIT_1 * old_low),
            ]
            for label, size in targets:
                print(f"   target {label}: {size:,.0f} candidates -> {cpu_time(size * cost)} "
                      f"to try all ({cpu_time(size * cost / 2)} on average)")

            # --- the kiosk -------------------------------------------------------------
            from kiosk.gatekeeper import Gatekeeper
            from kiosk.ledger import Ledger

            ledger = Ledger(ledger_path)
            gate = Gatekeeper(ledger, venue="CNCC", gate="CNCC-E1", online=lambda: False)
            strangers = visitors(args.samples, random.Random(7))
            timings, reasons = [], Counter()
            for n in range(args.samples):
                number = numbers[n % len(numbers)] if n % 2 == 0 else strangers[n]
                started = time.perf_counter()
                decision = gate.decide_card(number)
                timings.append(time.perf_counter() - started)
                reasons[decision.verdict.reason.value] += 1
            ledger.close()
            p99 = percentile(timings, 0.99)
            print(f"\n7. kiosk, offline ID-card look-up (parse, Argon2id, ledger look-up, "
                  f"decision committed), {args.samples} cards: p50 "
                  f"{ms(statistics.median(timings))}, p99 {ms(p99)}, "
                  f"max {ms(max(timings))} (target < 300 ms); verdicts {dict(reasons)}")
            goals = [("whole venue-day sweep of the mainland space >= 100 CPU-years",
                      full * cost / YEAR_SECONDS >= 100),
                     ("one visitor from what the ledger keeps >= 1 CPU-week",
                      REGIONS * low_v * cost >= 7 * 86400),
                     ("kiosk card look-up p99 < 300 ms", p99 < 0.3),
                     ("no KDF on the booking path", booked_calls == 0)]
            print("\ngoals: " + "; ".join(f"{label}: {'yes' if ok else 'NO'}"
                                          for label, ok in goals)
                  + f" (load average at the end {os.getloadavg()[0]:.2f})")
        finally:
            service.stop()


if __name__ == "__main__":
    main()

"""Manifest sync: a 100,000-appointment venue-day pulled and applied by a kiosk, then an
incremental pull after 1,000 changes, and the check-in event upload rate.

Run:  .venv/bin/python bench/manifest_sync.py [--appointments 100000] [--page 20000]

It creates a throw-away PostgreSQL database, seeds one venue-day with N appointments and
their passes by bulk INSERTs (real encrypted identity data, look-up indexes and Ed25519
signatures, no HTTP; the look-up indexes as `fairgate gate prepare` leaves them, with cheap
KDF settings: the Argon2id's own cost is bench/ledger_attack.py's subject), starts gunicorn
on loopback, enrols a kiosk, and times:
 1. a full manifest pull over HTTP plus applying it into a fresh kiosk-side SQLite store
    (the target is under 5 s for 100,000 appointments);
 2. 1,000 changes (cancellations, new bookings, check-ins at another gate) and the
    incremental pull + apply that brings the kiosk up to date;
 3. uploads of check-in events in batches of 500, from one kiosk and from four at once.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gate.checksums import mod11_2_check_char  # noqa: E402
from benchkit import migrated_service, start_gunicorn  # noqa: E402

GATES = ["CNCC-E1", "CNCC-E2", "CNCC-E3", "CNCC-E4", "CNCC-E5"]

KIOSK_SCHEMA = """
CREATE TABLE items (serial TEXT PRIMARY KEY, status TEXT NOT NULL, kind TEXT NOT NULL,
    slot_code TEXT, slot_start TEXT, slot_end TEXT, holder_name TEXT, holder_document TEXT,
    gate_index TEXT, entries INTEGER, exits INTEGER, inside INTEGER, last_direction TEXT,
    last_gate TEXT, last_passed_at TEXT, seq INTEGER NOT NULL);
CREATE INDEX items_gate_index ON items (gate_index);
CREATE TABLE revoked (serial TEXT PRIMARY KEY);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def resident_numbers(count: int, start: int = 0):
    """Distinct valid resident ID numbers: birth dates x sequence numbers."""
    for n in range(start, start + count):
        born = date(1950, 1, 1) + timedelta(days=n // 999)
        body = f"110101{born:%Y%m%d}{n % 999 + 1:03d}"
        yield body + mod11_2_check_char(body)


def seed(app, day: date, count: int) -> None:
    """N appointments with passes and manifest entries, inserted in bulk."""
    from gate.documents import parse_document
    from gate.lookup import gate_lookup_index
    from gate.masking import mask_document, mask_name
    from gate.passes import new_claims, sign_pass
    from registration.extensions import db
    from registration.models import (
        Appointment, FairDay, ManifestEntry, ManifestFeed, Pass,
    )
    from registration.services import gate_lookup, operations
    from registration.services.identity import vault

    with app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center",
                             gates=GATES)
        fair_day = operations.set_day("CNCC", day, quota=count + 10_000, opens=dtime(0, 0),
                                      closes=dtime(23, 59))
        db.session.commit()
        keys, ring = vault(), app.extensions["fairgate.keys"]
        params = gate_lookup.venue_day_params(fair_day)
        db.session.commit()
        signing = ring.current_signing_key
        now = datetime.now(timezone.utc)
        name_blob = keys.encrypt("张三", purpose="name")
        appointments, passes, entries = [], [], []
        for n, number in enumerate(resident_numbers(count), start=1):
            document = parse_document("cn_resident_id", number)
            claims = new_claims(venue="CNCC", first_day=day, document_key=document.key)
            appointments.append({
                "id": n, "code": f"B{n:07d}", "fair_day_id": fair_day.id, "day": day,
                "status": "active", "channel": "online", "document_type": "cn_resident_id",
                "document_index": keys.blind_index(document),
                "gate_index": gate_lookup_index(params, document.key),
                "document_ciphertext": keys.encrypt_document(document),
                "document_masked": mask_document(number), "name_ciphertext": name_blob,
                "name_masked": mask_name("张三"), "lang": "zh", "consent_version": "bench",
                "consented_at": now, "created_at": now})
            passes.append({"id": n, "serial": claims.serial, "appointment_id": n,
                           "kind": "visitor", "key_id": signing.key_id,
                           "token": sign_pass(claims, signing), "status": "active",
                           "issued_at": now})
            entries.append({"id": n, "fair_day_id": fair_day.id, "pass_id": n, "seq": n,
                            "change": "booked", "changed_at": now})
        with db.engine.begin() as conn:
            for table, rows in ((Appointment.__table__, appointments),
                                (Pass.__table__, passes), (ManifestEntry.__table__, entries)):
                for start in range(0, len(rows), 5000):
                    conn.execute(table.insert(), rows[start:start + 5000])
                conn.execute(sa.text(f"SELECT setval('{table.name}_id_seq', {count})"))
            conn.execute(ManifestFeed.__table__.insert(), {"fair_day_id": fair_day.id,
                                                           "seq": count})
            conn.execute(sa.update(FairDay.__table__).where(FairDay.id == fair_day.id)
                         .values(booked=count))
            conn.execute(sa.text("ANALYZE"))


class Client:
    def __init__(self, port: int, token: str | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        self.conn.request(method, path, body=None if body is None else json.dumps(body),
                          headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def enrol(app, port: int, gate: str) -> str:
    from registration.extensions import db
    from registration.services import devices

    with app.app_context():
        code, _ = devices.new_enrollment_code("CNCC", gate)
        db.session.commit()
    status, body = Client(port).call("POST", "/api/v1/devices/enroll",
                                     {"code": code, "name": f"bench {gate}"})
    assert status == 201, body
    return json.loads(body)["token"]


def kiosk_store(path: Path) -> sqlite3.Connection:
    store = sqlite3.connect(path)
    store.executescript(KIOSK_SCHEMA)
    return store


def apply_page(store: sqlite3.Connection, page: dict) -> None:
    """What a kiosk does with a page: reset, upsert items by serial, keep the cursor."""
    with store:
        if page["reset"]:
            store.execute("DELETE FROM items")
            store.execute("DELETE FROM revoked")
        rows = []
        for item in page["appointments"]:
            slot, presence, holder = item["slot"] or {}, item["presence"] or {}, item["holder"]
            rows.append((item["serial"], item["status"], item["kind"], slot.get("code"),
                         slot.get("start"), slot.get("end"), holder["name"],
                         holder["document"], item["gate_index"], presence.get("entries", 0),
                         presence.get("exits", 0), int(presence.get("inside", False)),
                         presence.get("last_direction"), presence.get("last_gate"),
                         presence.get("last_passed_at"), item["seq"]))
        store.executemany("INSERT OR REPLACE INTO items VALUES "
                          "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        store.executemany("INSERT OR IGNORE INTO revoked VALUES (?)",
                          [(serial,) for serial in page["revoked"]])
        store.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
            ("cursor", page["cursor"]), ("lookup_kdf", json.dumps(page["lookup_kdf"])),
            ("policy", json.dumps(page["policy"])), ("keys", json.dumps(page["keys"]))])


def pull(client: Client, store: sqlite3.Connection, page_size: int,
         cursor: str | None = None) -> dict:
    """Pull pages until has_more is false, applying each; timings split by phase."""
    figures = {"pages": 0, "items": 0, "bytes": 0, "http": 0.0, "parse": 0.0, "apply": 0.0}
    started = time.perf_counter()
    while True:
        path = f"/api/v1/gate/manifest?limit={page_size}" + (f"&cursor={cursor}" if cursor
                                                             else "")
        t0 = time.perf_counter()
        status, body = client.call("GET", path)
        t1 = time.perf_counter()
        assert status == 200, body[:300]
        page = json.loads(body)
        t2 = time.perf_counter()
        apply_page(store, page)
        t3 = time.perf_counter()
        figures["http"] += t1 - t0
        figures["parse"] += t2 - t1
        figures["apply"] += t3 - t2
        figures["pages"] += 1
        figures["items"] += len(page["appointments"])
        figures["bytes"] += len(body)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    figures["total"] = time.perf_counter() - started
    figures["cursor"] = cursor
    return figures


def make_changes(app, port: int, day: date, count: int, token: str) -> dict:
    """count changes: 30 % cancellations, 30 % new bookings, 40 % check-ins at gate E2."""
    from registration.extensions import db
    from registration.models import Appointment, Pass
    from registration.services import booking

    cancels, books = int(count * 0.3), int(count * 0.3)
    checkins = count - cancels - books
    with app.app_context():
        for appointment in db.session.scalars(sa.select(Appointment).where(
                Appointment.id <= cancels)):
            booking.cancel_appointment(appointment)
        for number in resident_numbers(books, start=10_000_000):
            document = booking.validate_document("cn_resident_id", number, None)
            booking.book_appointment(booking.BookingRequest(
                venue="CNCC", day=day, slot=None, consent=True, consent_version="bench",
                visitor=booking.Visitor(document=document, name="李四")))
        db.session.commit()
        serials = db.session.scalars(sa.select(Pass.serial).where(
            Pass.id > cancels).order_by(Pass.id).limit(checkins)).all()
    now = datetime.now(timezone.utc).isoformat()
    events = [{"id": f"chg-{n}", "pass_serial": serial, "gate": "CNCC-E2", "direction": "in",
               "admit": True, "reason": "ok", "scanned_at": now, "offline": False}
              for n, serial in enumerate(serials)]
    status, body = Client(port, token).call("POST", "/api/v1/gate/events", {"events": events})
    assert status == 200, body[:300]
    return {"cancelled": cancels, "booked": books, "checked_in": checkins}


def upload_rate(app, port: int, tokens: list[str], batches: int, offset: int) -> dict:
    """Batches of 500 admissions of distinct passes, from len(tokens) kiosks at once."""
    from registration.extensions import db
    from registration.models import Pass

    size = 500
    with app.app_context():
        serials = db.session.scalars(sa.select(Pass.serial).where(Pass.id > offset)
                                     .order_by(Pass.id).limit(size * batches)).all()
    latencies, lock = [], threading.Lock()
    work = [serials[i:i + size] for i in range(0, len(serials), size)]

    def kiosk(index: int, token: str):
        client, gate = Client(port, token), GATES[index % len(GATES)]
        for chunk in work[index::len(tokens)]:
            now = datetime.now(timezone.utc).isoformat()
            events = [{"id": uuid.uuid4().hex, "pass_serial": s, "gate": gate,
                       "direction": "in", "admit": True, "reason": "ok", "scanned_at": now,
                       "offline": True} for s in chunk]
            started = time.perf_counter()
            status, body = client.call("POST", "/api/v1/gate/events", {"events": events})
            assert status == 200 and len(json.loads(body)["accepted"]) == len(chunk), body[:300]
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=kiosk, args=(i, t)) for i, t in enumerate(tokens)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"events": len(serials), "seconds": elapsed, "rate": len(serials) / elapsed,
            "p50": statistics.median(latencies), "max": max(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=20_000, help="manifest page size")
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=40,
                        help="upload batches of 500 per phase (needs 1000 x batches passes)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.appointments < args.changes + 1000 * args.batches:
        parser.error(f"--appointments must be at least --changes + 1000 x --batches "
                     f"({args.changes + 1000 * args.batches}) for the upload phases")

    app, env = migrated_service("fairgate_bench_manifest", {
        "FAIRGATE_RATELIMIT_ENABLED": "0", "FAIRGATE_GATE_LOOKUP_KDF_TIME_COST": "1",
        "FAIRGATE_GATE_LOOKUP_KDF_MEMORY_KIB": "64", "FAIRGATE_GATE_LOOKUP_KDF_PARALLELISM": "1"})
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    started = time.perf_counter()
    seed(app, day, args.appointments)
    print(f"seeded {args.appointments} appointments for CNCC {day} "
          f"in {time.perf_counter() - started:.1f} s (bulk INSERT, PostgreSQL)")

    port = 18000 + os.getpid() % 1000
    server = start_gunicorn(env, port, args.workers)
    try:
        tokens = [enrol(app, port, gate) for gate in GATES[:4]]
        with tempfile.TemporaryDirectory() as scratch:
            store = kiosk_store(Path(scratch) / "kiosk.sqlite")
            full = pull(Client(port, tokens[0]), store, args.page)
            rows = store.execute("SELECT count(*) FROM items").fetchone()[0]
            assert rows == args.appointments, rows
            print(f"full pull + apply: {full['total']:.2f} s  ({full['items']} items, "
                  f"{full['pages']} pages of {args.page}, {full['bytes'] / 1e6:.1f} MB; "
                  f"HTTP+server {full['http']:.2f} s, JSON parse {full['parse']:.2f} s, "
                  f"SQLite apply {full['apply']:.2f} s)  target < 5 s")
            changes = make_changes(app, port, day, args.changes, tokens[1])
            incremental = pull(Client(port, tokens[0]), store, args.page, full["cursor"])
            cancelled = store.execute(
                "SELECT count(*) FROM items WHERE status = 'cancelled'").fetchone()[0]
            inside = store.execute("SELECT count(*) FROM items WHERE inside = 1").fetchone()[0]
            print(f"incremental after {args.changes} changes ({changes}): "
                  f"{incremental['total'] * 1000:.0f} ms, {incremental['items']} items, "
                  f"{incremental['bytes'] / 1e3:.0f} kB; kiosk now has "
                  f"{cancelled} cancelled, {inside} inside")
        # Passes nobody has scanned yet: past the ones cancelled and checked in above.
        fresh = args.changes
        one = upload_rate(app, port, tokens[:1], args.batches, offset=fresh)
        four = upload_rate(app, port, tokens, args.batches, offset=fresh + 500 * args.batches)
        for label, figures in (("1 kiosk", one), ("4 kiosks", four)):
            print(f"event upload, batches of 500, {label}: {figures['rate']:.0f} events/s "
                  f"({figures['events']} events in {figures['seconds']:.1f} s; batch p50 "
                  f"{figures['p50'] * 1000:.0f} ms, max {figures['max'] * 1000:.0f} ms)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

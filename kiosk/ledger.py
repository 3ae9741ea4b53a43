"""The kiosk's local ledger: one SQLite file in WAL mode, the only state a gate decides from.

It holds what the service sent (the venue-day's appointments by pass serial, revoked
serials, public keys, policy, the look-up index parameters and the manifest cursor), what
this gate did (each decision and its check-in event, local presence per serial) and the
entry credits of the occupancy lease (kiosk/credits.py). Protocol: docs/sync-protocol.md.
It never holds a key that could sign a pass or shortcut the Argon2id look-up index.

Durability: every transaction is ``BEGIN IMMEDIATE ... COMMIT`` with ``synchronous=FULL``.
A decision, its event, the presence change and the credit spent are one transaction, and
the turnstile opens only after it committed, so a power cut at any moment loses no
admitted entry and a restarted kiosk never admits the same pass twice.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path

from gate.lookup import LookupParams, LookupParamsError
from gate.passes import PassKind
from gate.rules import AppointmentRecord, PresenceState, VenuePolicy
from gate.vocabulary import GateStatus
from kiosk.credits import add_pending
from kiosk.manifest import key_rows, parse_page, parse_time, utc_text

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS keys (key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL,
    active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS appointments (
    serial TEXT PRIMARY KEY, day TEXT NOT NULL, status TEXT NOT NULL, kind TEXT NOT NULL,
    slot_start TEXT, slot_end TEXT, holder_name TEXT, document_masked TEXT, gate_index TEXT,
    seq INTEGER NOT NULL, entries INTEGER NOT NULL, exits INTEGER NOT NULL,
    inside INTEGER NOT NULL, last_direction TEXT, last_gate TEXT, last_passed_at TEXT,
    seats TEXT, attention TEXT);
CREATE INDEX IF NOT EXISTS appointments_gate_index ON appointments (gate_index)
    WHERE gate_index IS NOT NULL;
CREATE INDEX IF NOT EXISTS appointments_entered ON appointments (day, kind)
    WHERE entries > 0;
CREATE INDEX IF NOT EXISTS appointments_passed ON appointments (day)
    WHERE last_passed_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS revoked (serial TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, day TEXT NOT NULL,
    source TEXT NOT NULL, serial TEXT, document_index TEXT, gate TEXT NOT NULL,
    direction TEXT NOT NULL, admit INTEGER NOT NULL, reason TEXT NOT NULL, kind TEXT,
    counts_toward_quota INTEGER NOT NULL, scanned_at TEXT NOT NULL, offline INTEGER NOT NULL,
    annulled_at TEXT, annuls TEXT);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY REFERENCES decisions (event_id), body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'accepted', 'duplicate', 'rejected')),
    sent_at TEXT, anomalies TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS events_queued ON events (state) WHERE state = 'queued';
CREATE TABLE IF NOT EXISTS presence (
    serial TEXT NOT NULL, day TEXT NOT NULL, kind TEXT, entries INTEGER NOT NULL,
    exits INTEGER NOT NULL, inside INTEGER NOT NULL, last_direction TEXT, last_gate TEXT,
    last_passed_at TEXT, PRIMARY KEY (serial, day));
CREATE TABLE IF NOT EXISTS credits (
    day TEXT PRIMARY KEY, available INTEGER NOT NULL CHECK (available >= 0),
    entries INTEGER NOT NULL, exits INTEGER NOT NULL, recycled_exits INTEGER NOT NULL,
    returned INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
    lease_id TEXT PRIMARY KEY, day TEXT NOT NULL, request INTEGER NOT NULL,
    entries INTEGER NOT NULL, exits INTEGER NOT NULL, recycled_exits INTEGER NOT NULL,
    returned INTEGER NOT NULL, state TEXT NOT NULL, granted INTEGER,
    created_at TEXT NOT NULL);
"""

UPGRADES = (("appointments", "seats", "TEXT"), ("appointments", "attention", "TEXT"),
            ("decisions", "annulled_at", "TEXT"), ("decisions", "annuls", "TEXT"))
"""Columns added since the first ledgers (issue 13): added to an older file when opened."""


def _hhmm(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


class Ledger:
    """One connection to the ledger file; open one per thread (SQLite serialises writers).

    ``synchronous=FULL``: in WAL mode every commit then waits for the WAL to reach the
    disk. With ``NORMAL`` a commit is durable only after the next checkpoint, so a power
    cut can roll back the last transactions: an entry whose turnstile already opened would
    vanish, never be uploaded, and its pass would be admitted again. FULL costs about
    0.2-0.6 ms per decision on the gate PC (bench/kiosk_pipeline.py).
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), timeout=busy_timeout,
                                    isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self._depth = 0
        # executescript commits any open transaction first: the script brings its own.
        self.conn.executescript(f"BEGIN IMMEDIATE;{SCHEMA}COMMIT;")
        self._add_columns()
        self.path.chmod(0o600)
        self._drop_lookup_key()

    def _add_columns(self) -> None:
        """CREATE TABLE IF NOT EXISTS keeps an older file's tables as they were: add the
        columns it lacks (NULL in old rows: no seats, no note, not annulled)."""
        with self.transaction():
            for table, column, sql_type in UPGRADES:
                have = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")

    def _drop_lookup_key(self) -> None:
        """A ledger from before the Argon2id index kept the venue-day's HMAC key, with which
        its indexes were cheap to attack: erase the key and those indexes and start the next
        sync with a full pull, which brings new ones. The file is rebuilt (VACUUM) so that
        no stale copy stays in free space, and the WAL emptied."""
        if self._one("SELECT 1 FROM meta WHERE key = 'lookup_key'") is None:
            return
        self.conn.execute("PRAGMA secure_delete = ON")
        try:
            with self.transaction():
                self.conn.execute("DELETE FROM meta WHERE key IN ('lookup_key', 'cursor', "
                                  "'header_digest')")
                self.conn.execute("UPDATE appointments SET gate_index = NULL")
            try:
                self.conn.execute("VACUUM")
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:  # the gate must start all the same
                log.warning("ledger upgrade: could not rebuild the file (%s); old copies of "
                            "the look-up key may remain in its free space", exc)
        finally:
            self.conn.execute("PRAGMA secure_delete = OFF")
        log.info("ledger upgraded: old look-up key erased, next sync pulls the manifest")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator["Ledger"]:
        """A write transaction (re-entrant: inner blocks join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    def _one(self, sql: str, *args):
        return self.conn.execute(sql, args).fetchone()

    def _value(self, sql: str, *args):
        row = self._one(sql, *args)
        return row[0] if row is not None else None

    # --- meta -----------------------------------------------------------------------------

    def get(self, key: str, default=None):
        value = self._value("SELECT value FROM meta WHERE key = ?", key)
        return default if value is None else json.loads(value)

    def set(self, **values) -> None:
        with self.transaction():
            self.conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                  [(k, json.dumps(v)) for k, v in values.items()])

    # --- manifest -------------------------------------------------------------------------

    def apply_manifest_page(self, page: dict) -> int:
        """Apply one manifest page (validated with schemas.gate) in one transaction: a
        reset page drops the venue-day first; items replace rows by serial (idempotent);
        keys, policy, look-up parameters and cursor are kept from the latest page."""
        header, keys, rows, digest = parse_page(page)
        venue = self.get("venue")
        if venue and header["venue"] != venue:
            raise ValueError(f"manifest for {header['venue']}, this kiosk is at {venue}")
        if not rows and not header["reset"] and header["cursor"] == self.get("cursor") \
                and digest == self.get("header_digest"):
            return 0  # nothing new: no write, no fsync on every poll
        with self.transaction():
            if header["reset"]:
                self.conn.execute("DELETE FROM appointments")
                self.conn.execute("DELETE FROM revoked")
            self.conn.execute("DELETE FROM keys")
            self.conn.executemany("INSERT INTO keys VALUES (?, ?, ?)", keys)
            self.conn.executemany(
                "INSERT OR REPLACE INTO appointments VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.executemany("INSERT OR IGNORE INTO revoked VALUES (?)",
                                  [(serial,) for serial in header["revoked"]])
            self.set(venue=header["venue"], manifest_day=header["date"],
                     policy=header["policy"], lookup_kdf=header["lookup_kdf"],
                     cursor=header["cursor"], header_digest=digest, zone=header["zone"],
                     attention_kinds=header["attention_kinds"])
        return len(rows)

    def apply_keys(self, keys: list[dict]) -> None:
        """Replace the public keys only (a quick refresh on an unknown key id)."""
        rows = key_rows(keys)
        with self.transaction():
            self.conn.execute("DELETE FROM keys")
            self.conn.executemany("INSERT INTO keys VALUES (?, ?, ?)", rows)

    def public_keys(self) -> dict[str, bytes]:
        return {row[0]: bytes(row[1]) for row in self.conn.execute(
            "SELECT key_id, public_key FROM keys")}

    @property
    def manifest_day(self) -> date | None:
        value = self.get("manifest_day")
        return date.fromisoformat(value) if value else None

    def policy(self, *, id_check_kinds=()) -> VenuePolicy | None:
        data = self.get("policy")
        if data is None:
            return None
        # The venue's policy from the service, plus any kinds this kiosk checks on its own.
        kinds = {PassKind(k) for k in (*data.get("id_check_kinds", ()), *id_check_kinds)}
        # A manifest from before kind_opens / quota_kinds: the rules' defaults.
        extra = {}
        if data.get("quota_kinds") is not None:
            extra["quota_kinds"] = frozenset(PassKind(k) for k in data["quota_kinds"])
        return VenuePolicy(venue=self.get("venue"), opens=time.fromisoformat(data["opens"]),
                           closes=time.fromisoformat(data["closes"]),
                           timezone=data["timezone"], reentry_allowed=data["reentry_allowed"],
                           id_check_kinds=frozenset(kinds),
                           kind_opens={PassKind(k): time.fromisoformat(v)
                                       for k, v in (data.get("kind_opens") or {}).items()},
                           **extra)

    def lookup_params(self) -> LookupParams | None:
        """How to compute a card's look-up index today (None before the first sync)."""
        data = self.get("lookup_kdf")
        if data is None:
            return None
        try:
            return LookupParams.from_wire(data)
        except LookupParamsError as exc:  # checked when the page came: only a damaged file
            log.error("unusable look-up parameters in the ledger: %s", exc)
            return None

    # --- facts for a decision -------------------------------------------------------------

    def appointment(self, serial: str) -> AppointmentRecord | None:
        return _record(self._one("SELECT * FROM appointments WHERE serial = ?", serial),
                       self.get("venue"))

    def appointment_by_index(self, index: str) -> AppointmentRecord | None:
        return _record(self._one("SELECT * FROM appointments WHERE gate_index = ? AND "
                                 "status = ?", index, GateStatus.active.value),
                       self.get("venue"))

    def seats(self, serial: str) -> frozenset[str]:
        """Forum codes the pass holds a seat for in this (door) device's zone today."""
        value = self._value("SELECT seats FROM appointments WHERE serial = ?", serial)
        return frozenset(json.loads(value)) if value else frozenset()

    def attention(self, serial: str) -> dict | None:
        """The pass's own (or its organisation's) note: {zh, en, needs_staff} or None."""
        value = self._value("SELECT attention FROM appointments WHERE serial = ?", serial)
        return json.loads(value) if value else None

    def is_revoked(self, serial: str) -> bool:
        return self._one("SELECT 1 FROM revoked WHERE serial = ?", serial) is not None

    def presence(self, serial: str, day: date) -> PresenceState:
        """The manifest's presence (all gates, as the service knows it) combined with this
        gate's own passages: the latest passage decides, entries are the larger count."""
        remote = self._one("SELECT entries, inside, last_direction, last_gate, last_passed_at"
                           " FROM appointments WHERE serial = ? AND day = ?",
                           serial, day.isoformat())
        local = self._one("SELECT entries, inside, last_direction, last_gate, last_passed_at"
                          " FROM presence WHERE serial = ? AND day = ?",
                          serial, day.isoformat())
        rows = [row for row in (remote, local) if row is not None and row["last_passed_at"]]
        if not rows:
            return PresenceState()
        latest = max(rows, key=lambda row: row["last_passed_at"])
        return PresenceState(inside=bool(latest["inside"]),
                             entries_today=max(row["entries"] for row in rows),
                             last_direction=latest["last_direction"],
                             last_gate=latest["last_gate"],
                             last_passed_at=parse_time(latest["last_passed_at"]))

    def _local_presence(self, serial: str, day: date) -> PresenceState:
        row = self._one("SELECT entries, exits, inside, last_direction, last_gate, "
                        "last_passed_at FROM presence WHERE serial = ? AND day = ?",
                        serial, day.isoformat())
        if row is None:
            return PresenceState()
        return PresenceState(inside=bool(row["inside"]), entries_today=row["entries"],
                             exits_today=row["exits"], last_direction=row["last_direction"],
                             last_gate=row["last_gate"],
                             last_passed_at=parse_time(row["last_passed_at"]))

    def admitted_today(self, day: date, kinds) -> int:
        """Distinct passes of ``kinds`` admitted today, by any gate as far as known here."""
        kinds = sorted(k.value for k in kinds) or [""]
        marks = ",".join("?" * len(kinds))
        day_text = day.isoformat()
        remote = self._value(f"SELECT count(*) FROM appointments WHERE day = ? AND kind IN "
                             f"({marks}) AND entries > 0", day_text, *kinds)
        local = self._value(
            f"SELECT count(*) FROM presence p LEFT JOIN appointments a ON a.serial = p.serial"
            f" AND a.day = p.day WHERE p.day = ? AND p.entries > 0 AND p.kind IN ({marks})"
            f" AND (a.serial IS NULL OR a.entries = 0)", day_text, *kinds)
        return remote + local

    def inside_now(self, day: date) -> int:
        """Passes inside now: for each pass, its latest passage (manifest or local)."""
        day_text = day.isoformat()
        return self._value(
            "SELECT count(*) FROM (SELECT CASE WHEN p.last_passed_at IS NOT NULL AND "
            "(a.last_passed_at IS NULL OR p.last_passed_at > a.last_passed_at) THEN p.inside "
            "ELSE a.inside END AS inside FROM appointments a LEFT JOIN presence p "
            "ON p.serial = a.serial AND p.day = a.day "
            "WHERE a.day = ? AND a.last_passed_at IS NOT NULL "
            "UNION ALL SELECT p.inside FROM presence p LEFT JOIN appointments a "
            "ON a.serial = p.serial AND a.day = p.day "
            "WHERE p.day = ? AND (a.serial IS NULL OR a.last_passed_at IS NULL)) "
            "WHERE inside = 1", day_text, day_text)

    # --- decisions and events -------------------------------------------------------------

    def record_decision(self, verdict, event: dict, *, day: date, source: str,
                        credits=None, credits_available: int | None = None) -> None:
        """Commit one decision, its check-in event, the pass's local presence and the
        credit spent or freed (``credits``: a CreditReport delta) in one durable
        transaction (joins the caller's transaction when there is one)."""
        scanned_at = utc_text(datetime.fromisoformat(event["scanned_at"]))
        serial = None if verdict.reason.is_token_failure else verdict.serial
        kind = verdict.kind.value if verdict.kind is not None else None
        with self.transaction():
            self.conn.execute(
                "INSERT INTO decisions (event_id, day, source, serial, document_index, gate,"
                " direction, admit, reason, kind, counts_toward_quota, scanned_at, offline)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event["id"], day.isoformat(), source, serial, event.get("document_index"),
                 event["gate"], verdict.direction, int(verdict.admit), verdict.reason.value,
                 kind, int(verdict.counts_toward_quota), scanned_at, int(event["offline"])))
            self.conn.execute("INSERT INTO events (id, body) VALUES (?, ?)",
                              (event["id"], json.dumps(event, separators=(",", ":"))))
            if verdict.admit and serial is not None:
                # This gate's own passages, advanced by the shared state machine.
                new = self._local_presence(serial, day).after(
                    verdict.direction, event["gate"], parse_time(scanned_at))
                self.conn.execute(
                    "INSERT INTO presence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (serial, day) DO UPDATE SET entries = excluded.entries, "
                    "exits = excluded.exits, inside = excluded.inside, last_direction = "
                    "excluded.last_direction, last_gate = excluded.last_gate, "
                    "last_passed_at = excluded.last_passed_at",
                    (serial, day.isoformat(), kind, new.entries_today, new.exits_today,
                     int(new.inside), new.last_direction, new.last_gate, scanned_at))
            if credits is not None and (credits or credits_available is not None):
                add_pending(self, day, credits, credits_available)

    def queued_count(self) -> int:
        """Events not uploaded yet (the status bar's queue)."""
        return self._value("SELECT count(*) FROM events WHERE state = 'queued'")

    def queued_events(self, limit: int = 500) -> list[dict]:
        rows = self.conn.execute("SELECT e.body FROM events e JOIN decisions d ON "
                                 "d.event_id = e.id WHERE e.state = 'queued' ORDER BY d.id "
                                 "LIMIT ?", (limit,))
        return [json.loads(row[0]) for row in rows]

    def mark_uploaded(self, accepted, duplicates, anomalies=(), *, at: datetime) -> int:
        """Record the service's answer: only ids it names leave the queue."""
        by_event: dict[str, list[dict]] = {}
        for anomaly in anomalies:
            by_event.setdefault(anomaly["event"], []).append(anomaly)
        sent = utc_text(at)
        rows = [("accepted", sent, i) for i in accepted]
        rows += [("duplicate", sent, i) for i in duplicates]
        with self.transaction():
            self.conn.executemany("UPDATE events SET state = ?, sent_at = ? WHERE id = ? AND"
                                  " state = 'queued'", rows)
            self.conn.executemany(
                "UPDATE events SET anomalies = ? WHERE id = ?",
                [(json.dumps(found, ensure_ascii=False), event_id)
                 for event_id, found in by_event.items()])
        return len(rows)

    def reject_events(self, ids, error: str) -> None:
        """Events the service refuses for good (kept, never deleted, shown by status)."""
        with self.transaction():
            self.conn.executemany("UPDATE events SET state = 'rejected', error = ? WHERE id = ?",
                                  [(error, i) for i in ids])

    def decision(self, event_id: str):
        return self._one("SELECT d.*, e.state, e.anomalies FROM decisions d JOIN events e ON "
                         "e.id = d.event_id WHERE d.event_id = ?", event_id)

    def counts(self) -> dict:
        """Numbers for `fairgate-kiosk status` and the tests."""
        states = dict(self.conn.execute("SELECT state, count(*) FROM events GROUP BY state"))
        return {
            "decisions": self._value("SELECT count(*) FROM decisions"),
            "admitted": self._value("SELECT count(*) FROM decisions WHERE admit = 1 AND "
                                    "direction = 'in' AND annulled_at IS NULL"),
            "annulled": self._value("SELECT count(*) FROM decisions WHERE annulled_at IS "
                                    "NOT NULL"),
            "let_out": self._value("SELECT count(*) FROM decisions WHERE admit = 1 AND "
                                   "direction = 'out'"),
            "events": sum(states.values()),
            "queued": states.get("queued", 0),
            "uploaded": states.get("accepted", 0) + states.get("duplicate", 0),
            "rejected": states.get("rejected", 0),
            "anomalies": self._value("SELECT count(*) FROM events WHERE anomalies IS NOT NULL"),
            "appointments": self._value("SELECT count(*) FROM appointments"),
        }

    def check(self) -> list[str]:
        """Consistency problems (empty when sound): SQLite's own check, every decision
        with exactly its one event, presence matching the admitted decisions."""
        problems = [row[0] for row in self.conn.execute("PRAGMA integrity_check")
                    if row[0] != "ok"]
        orphans = self._value("SELECT count(*) FROM decisions d LEFT JOIN events e ON "
                              "e.id = d.event_id WHERE e.id IS NULL")
        strays = self._value("SELECT count(*) FROM events e LEFT JOIN decisions d ON "
                             "d.event_id = e.id WHERE d.id IS NULL")
        if orphans or strays:
            problems.append(f"{orphans} decisions without event, {strays} events without one")
        mismatched = self._value(
            "SELECT count(*) FROM presence p LEFT JOIN (SELECT serial, day, "
            "sum(direction = 'in') AS ins, sum(direction = 'out') AS outs FROM decisions "
            "WHERE admit = 1 AND serial IS NOT NULL AND annulled_at IS NULL "
            "GROUP BY serial, day) d "
            "ON d.serial = p.serial AND d.day = p.day "
            "WHERE d.ins IS NOT p.entries OR d.outs IS NOT p.exits")
        if mismatched:
            problems.append(f"{mismatched} presence rows disagree with the decisions")
        return problems


def _record(row, venue: str | None) -> AppointmentRecord | None:
    if row is None:
        return None
    return AppointmentRecord(
        serial=row["serial"], status=row["status"], day=date.fromisoformat(row["day"]),
        venue=venue or "", kind=row["kind"], slot_start=_hhmm(row["slot_start"]),
        slot_end=_hhmm(row["slot_end"]), holder_name_masked=row["holder_name"] or "",
        document_masked=row["document_masked"] or "")

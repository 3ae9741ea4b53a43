"""A kiosk at a room door, and annulling a kiosk's last admission (issue 13).

A door device's ledger is the zone's: the manifest header names the zone and its sessions
of the day, each item the holder's seats there and its presence IN THE ZONE, so the
ledger's presence and ``inside_now`` are the room's. :func:`door_facts` gathers what
``gate.rules.decide(..., door=...)`` needs; :func:`attention_for` the note shown with a
verdict.

Annul: staff undo the kiosk's own last admission within ``gate.presence.ANNUL_WINDOW``
(someone admitted by mistake, a pass scanned for the wrong person). The decision is kept
and marked annulled, the pass's local presence is replayed without it, the entry credit
comes back, and an annul event goes up with the other events; the service does the same
on its side (docs/sync-protocol.md).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from gate.doors import DoorFacts, SessionWindow
from gate.i18n import Text
from gate.occupancy import CreditReport
from gate.passes import PassKind
from gate.presence import ANNUL_WINDOW, IN, annullable, replay
from gate.reasons import Reason
from kiosk import credits as credit_book
from kiosk.manifest import parse_time, utc_text

ANNULLED, ALREADY, TOO_LATE, NOTHING = "annulled", "already", "too_late", "nothing"
ANNUL_MESSAGES = {
    ANNULLED: Text("上次入场已撤销，可重新扫码", "Last admission annulled: scan again"),
    ALREADY: Text("上次入场已撤销过", "The last admission was already annulled"),
    TOO_LATE: Text(f"超过{int(ANNUL_WINDOW.total_seconds())}秒，不能撤销上次入场",
                   f"More than {int(ANNUL_WINDOW.total_seconds())} s ago: the last admission"
                   " can no longer be annulled"),
    NOTHING: Text("本闸机尚无入场可撤销", "No admission at this gate to annul"),
}


def zone_of(ledger) -> dict | None:
    """The zone of a door device (None: an entrance device)."""
    return ledger.get("zone")


def door_facts(ledger, *, serial: str | None, day: date, entry_credits: int | None):
    """``gate.doors.DoorFacts`` for a scan at this door (None at an entrance)."""
    zone = zone_of(ledger)
    if zone is None:
        return None
    sessions = tuple(SessionWindow(code=s["code"], starts=parse_time(s["starts"]),
                                   ends=parse_time(s["ends"]),
                                   doors_open=parse_time(s["doors_open"]),
                                   admits_until=parse_time(s["admits_until"]))
                     for s in zone["sessions"])
    kinds = zone.get("kinds")
    return DoorFacts(zone=zone["code"], seated=zone["seated"],
                     allowed_kinds=None if kinds is None else frozenset(
                         PassKind(k) for k in kinds),
                     capacity=zone.get("capacity"), inside_now=ledger.inside_now(day),
                     entry_credits=entry_credits, sessions=sessions,
                     seats=ledger.seats(serial) if serial else frozenset())


def attention_for(ledger, serial: str | None, kind: PassKind | None) -> tuple[Text, bool] | None:
    """The pass's own note, else its kind's: (text, needs_staff) or None."""
    note = ledger.attention(serial) if serial else None
    if note is None and kind is not None:
        note = (ledger.get("attention_kinds") or {}).get(PassKind(kind).value)
    if note is None:
        return None
    return Text(note["zh"], note["en"]), bool(note.get("needs_staff"))


# --- annul -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnnulOutcome:
    """What became of an annul request; ``annulled`` only for the first, in time."""

    status: str
    annulled_event: str | None = None
    annul_event: str | None = None
    serial: str | None = None

    @property
    def annulled(self) -> bool:
        return self.status == ANNULLED

    @property
    def message(self) -> Text:
        return ANNUL_MESSAGES[self.status]

    def as_dict(self) -> dict:
        return {"status": self.status, "annulled": self.annulled,
                "message": self.message.as_dict(), "event_id": self.annulled_event,
                "annul_event_id": self.annul_event}


def last_admission(ledger, gate: str):
    """This gate's latest admitted entry (annulled or not), or None."""
    return ledger.conn.execute(
        "SELECT * FROM decisions WHERE gate = ? AND admit = 1 AND direction = ? "
        "ORDER BY id DESC LIMIT 1", (gate, IN)).fetchone()


def annul_last(ledger, *, gate: str, now: datetime, online: bool = False) -> AnnulOutcome:
    """Annul this gate's last admission if it is at most ANNUL_WINDOW old (one durable
    transaction); a second annul, or one too late, changes nothing."""
    with ledger.transaction():
        row = last_admission(ledger, gate)
        if row is None:
            return AnnulOutcome(NOTHING)
        if row["annulled_at"] is not None:
            return AnnulOutcome(ALREADY, row["event_id"], serial=row["serial"])
        if not annullable(parse_time(row["scanned_at"]), now):
            return AnnulOutcome(TOO_LATE, row["event_id"], serial=row["serial"])
        day = date.fromisoformat(row["day"])
        at = utc_text(now)
        ledger.conn.execute("UPDATE decisions SET annulled_at = ? WHERE id = ?",
                            (at, row["id"]))
        event = {"id": str(uuid.uuid4()), "gate": gate, "direction": IN, "admit": False,
                 "reason": Reason.annulled.value, "scanned_at": now.isoformat(),
                 "offline": not online, "annuls": row["event_id"]}
        if row["serial"]:
            event["pass_serial"] = row["serial"]
        elif row["document_index"]:
            event["document_index"] = row["document_index"]
        ledger.conn.execute(
            "INSERT INTO decisions (event_id, day, source, serial, document_index, gate, "
            "direction, admit, reason, kind, counts_toward_quota, scanned_at, offline, "
            "annuls) VALUES (?, ?, 'annul', ?, ?, ?, ?, 0, ?, ?, 0, ?, ?, ?)",
            (event["id"], row["day"], row["serial"], row["document_index"], gate, IN,
             Reason.annulled.value, row["kind"], at, int(not online), row["event_id"]))
        ledger.conn.execute("INSERT INTO events (id, body) VALUES (?, ?)",
                            (event["id"], json.dumps(event, separators=(",", ":"))))
        if row["serial"]:
            _replay_presence(ledger, row["serial"], day, row["kind"])
        if ledger.get("policy", {}).get("occupancy_limit") is not None:
            # The place was counted as this person's in the pool: keep it as a credit
            # here, reported like a recycled exit, so pool and kiosk agree.
            state = credit_book.credit_state(ledger, day)
            credit_book.add_pending(ledger, day, CreditReport(recycled_exits=1),
                                    state.available + 1)
    return AnnulOutcome(ANNULLED, row["event_id"], event["id"], row["serial"])


def _replay_presence(ledger, serial: str, day: date, kind: str | None) -> None:
    """This gate's passages of the pass, folded again without the annulled ones."""
    passages = [SimpleNamespace(direction=r[0], gate=r[1], scanned_at=parse_time(r[2]))
                for r in ledger.conn.execute(
                    "SELECT direction, gate, scanned_at FROM decisions WHERE serial = ? AND "
                    "day = ? AND admit = 1 AND annulled_at IS NULL ORDER BY scanned_at, id",
                    (serial, day.isoformat()))]
    if not passages:
        ledger.conn.execute("DELETE FROM presence WHERE serial = ? AND day = ?",
                            (serial, day.isoformat()))
        return
    state, _ = replay(passages, PassKind(kind or PassKind.visitor.value),
                      reentry_allowed=True)
    ledger.conn.execute(
        "UPDATE presence SET entries = ?, exits = ?, inside = ?, last_direction = ?, "
        "last_gate = ?, last_passed_at = ? WHERE serial = ? AND day = ?",
        (state.entries_today, state.exits_today, int(state.inside), state.last_direction,
         state.last_gate, utc_text(state.last_passed_at), serial, day.isoformat()))

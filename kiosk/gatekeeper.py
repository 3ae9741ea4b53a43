"""The decision path: scanned text or ID card -> gate rules -> ledger commit -> turnstile.

For every scan the facts are read and the verdict is recorded inside one ledger write
transaction (``BEGIN IMMEDIATE``), so two deciding processes on one ledger cannot both
admit a pass, and nothing reaches the turnstile or the screen before the commit.

ID cards: a card alone is looked up by its venue-day index (docs/sync-protocol.md, §3), an
Argon2id computed here with the manifest's parameters (tens of ms, outside the ledger's
write transaction).
A pass and a card shown together within ``pair_window`` seconds are decided as one scan
with the card's fingerprint (``id_mismatch`` when they differ): a card read just before a
pass (and not itself admitted) goes with it, and a card read after a pass that got
``id_required`` (the venue wants real-name checks for its kind) decides that pass again.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from gate.documents import Document, DocumentError
from gate.lookup import gate_lookup_index
from gate.passes import document_fingerprint
from gate.reasons import Reason
from gate.rules import (
    AdmissionVerdict, CapacityState, PresenceState, Scan, VenuePolicy, decide,
)
from kiosk import credits as credit_book
from kiosk import doors
from kiosk.config import PAIR_WINDOW_SECONDS
from kiosk.display import KioskStatus
from kiosk.ledger import Ledger
from kiosk.readers import ReaderRecord, parse_record
from kiosk.turnstile import TurnstileError

log = logging.getLogger(__name__)

CAMERA, CARD, PASS_AND_CARD = "camera", "card", "pass+card"


@dataclass(frozen=True)
class Decision:
    """A verdict and what became of it. ``event_id`` is None when nothing was recorded
    (a repeated presentation, a card the reader could not read)."""

    verdict: AdmissionVerdict
    event_id: str | None
    source: str
    repeat: bool = False
    detail: str | None = None
    turnstile_error: str | None = None

    def as_dict(self) -> dict:
        data = {**self.verdict.as_wire(), "event_id": self.event_id, "source": self.source}
        for name in ("repeat", "detail", "turnstile_error"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    def display_extra(self) -> dict:
        data = self.as_dict()
        wanted = ("event_id", "source", "repeat", "detail", "turnstile_error")
        return {k: data[k] for k in wanted if k in data}


def unreadable_card(detail: str, direction: str) -> Decision:
    verdict = AdmissionVerdict.for_reason(Reason.unreadable, direction)
    return Decision(verdict, None, CARD, detail=detail)


class Gatekeeper:
    """Decides scans at one gate from one ledger connection (use it from one thread)."""

    def __init__(self, ledger: Ledger, *, venue: str, gate: str, direction: str = "in",
                 turnstile=None, display=None, online: Callable[[], bool] = lambda: False,
                 id_check_kinds=(), recycle_exits: bool = False,
                 pair_window: float = PAIR_WINDOW_SECONDS,
                 refresh_keys: Callable[[], bool] | None = None,
                 on_decision: Callable[[Decision], None] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 monotonic: Callable[[], float] = time.monotonic):
        self.ledger, self.venue, self.gate, self.direction = ledger, venue, gate, direction
        self.turnstile, self.display, self.online = turnstile, display, online
        self.id_check_kinds = frozenset(id_check_kinds)
        self.recycle_exits, self.pair_window = recycle_exits, pair_window
        self.refresh_keys, self.on_decision = refresh_keys, on_decision
        self.clock, self.monotonic = clock, monotonic
        self._lock = threading.Lock()
        self._card: tuple[Document, float] | None = None
        self._awaiting: tuple[str, float] | None = None
        self._status: tuple[float, KioskStatus] | None = None
        self._zones: dict[str, ZoneInfo] = {}

    # --- entry points ---------------------------------------------------------------------

    def decide_text(self, text: str, *, source: str = CAMERA) -> Decision:
        """Decide one QR text (a card read just before it goes with it), record it, act."""
        with self._lock:
            card = self._take(self._card)
            self._card = None
            decision = self._decide_pass(text, card, PASS_AND_CARD if card else source)
            if decision.verdict.reason is Reason.id_required:
                self._awaiting = (text, self.monotonic())
            return self._act(decision)

    def decide_card(self, record: ReaderRecord | str) -> Decision:
        """Decide one card-reader record (with the pass waiting for it, if one is)."""
        with self._lock:
            policy = self._policy()
            today = self._local(self.clock(), policy)[0]
            try:
                document = parse_record(record, today=today)
            except DocumentError as err:
                return self._act(unreadable_card(err.message.en, self.direction))
            awaiting = self._take(self._awaiting)
            self._awaiting = None
            if awaiting is not None:
                return self._act(self._decide_pass(awaiting, document, PASS_AND_CARD))
            params = self.ledger.lookup_params()
            index = gate_lookup_index(params, document.key) if params else ""
            decision = self._decide(Scan(document_index=index, **self._fields()), CARD)
            self._card = None if decision.verdict.admit else (document, self.monotonic())
            return self._act(decision)

    def repeat(self, decision: Decision) -> Decision:
        """Show a recorded verdict again (the same pass shown twice within seconds)."""
        return self._act(dataclasses.replace(decision, repeat=True), record=False)

    # --- deciding -------------------------------------------------------------------------

    def _take(self, held):
        if held is not None and self.monotonic() - held[1] <= self.pair_window:
            return held[0]
        return None

    def _fields(self) -> dict:
        return {"direction": self.direction, "gate": self.gate, "scanned_at": self.clock()}

    def _decide_pass(self, text: str, card: Document | None, source: str) -> Decision:
        keys = self.ledger.public_keys()
        scan = Scan.from_text(text, keys, **self._fields())
        if scan.token_error is Reason.unknown_key and self.refresh_keys and self.online():
            # Most likely a rotated key not pulled yet: fetch the keys and verify again.
            if self.refresh_keys():
                scan = Scan.from_text(text, self.ledger.public_keys(), **self._fields())
        if card is not None and scan.claims is not None:
            scan = dataclasses.replace(scan, presented_fingerprint=document_fingerprint(
                scan.claims.serial, card.key))
        return self._decide(scan, source)

    def _policy(self) -> VenuePolicy:
        policy = self.ledger.policy(id_check_kinds=self.id_check_kinds)
        if policy is None:  # never synced: no keys either, so nothing is admitted anyway
            policy = VenuePolicy(venue=self.venue, opens=clock_time(0),
                                 closes=clock_time.max, id_check_kinds=self.id_check_kinds)
        return policy

    def _local(self, moment: datetime, policy: VenuePolicy):
        zone = self._zones.get(policy.timezone) or self._zones.setdefault(
            policy.timezone, ZoneInfo(policy.timezone))
        local = moment.astimezone(zone)
        return local.date(), local.time()

    def _decide(self, scan: Scan, source: str) -> Decision:
        ledger = self.ledger
        policy = self._policy()
        day, local_time = self._local(scan.scanned_at, policy)
        limits = ledger.get("policy") or {}
        with ledger.transaction():
            revoked = False
            if scan.claims is not None:
                record = ledger.appointment(scan.claims.serial)
                revoked = record is None and ledger.is_revoked(scan.claims.serial)
            elif scan.document_index:
                record = ledger.appointment_by_index(scan.document_index)
            else:
                record = None
            serial = scan.claims.serial if scan.claims is not None else (
                record.serial if record is not None else None)
            presence = ledger.presence(serial, day) if serial else PresenceState()
            credits = None
            if limits.get("occupancy_limit") is not None:
                credits = credit_book.kiosk_credits(ledger, day,
                                                    recycle_exits=self.recycle_exits)
            capacity = CapacityState(
                quota=limits.get("quota"),
                admitted_today=ledger.admitted_today(day, policy.quota_kinds),
                entry_credits=credits.available if credits is not None else None)
            door = doors.door_facts(
                ledger, serial=serial, day=day,
                entry_credits=credits.available if credits is not None else None)
            verdict = decide(scan, venue_policy=policy, day=day, local_time=local_time,
                             record=record, revoked=revoked, presence=presence,
                             capacity=capacity, door=door)
            if verdict.serial is not None and not verdict.reason.is_token_failure:
                note = doors.attention_for(ledger, verdict.serial, verdict.kind)
                if note is not None:
                    verdict = verdict.with_attention(*note)
            delta = None
            if credits is not None:
                if verdict.occupies_place and not credits.try_admit():
                    raise RuntimeError("the rules admitted without an entry credit")
                if verdict.frees_place:
                    credits.exit()
                delta = credits.take_report()
            event = {"id": str(uuid.uuid4()), "gate": self.gate, **verdict.event_fields(),
                     "scanned_at": scan.scanned_at.isoformat(), "offline": not self.online()}
            if scan.claims is not None:
                event["pass_serial"] = scan.claims.serial
            elif scan.document_index:
                event["document_index"] = scan.document_index
            ledger.record_decision(verdict, event, day=day, source=source, credits=delta,
                                   credits_available=credits.available if credits else None)
        self._status = None
        return Decision(verdict, event["id"], source)

    def annul_last(self) -> doors.AnnulOutcome:
        """Undo this gate's last admission (staff, within gate.presence.ANNUL_WINDOW) and
        say on the screen what became of it."""
        with self._lock:
            outcome = doors.annul_last(self.ledger, gate=self.gate, now=self.clock(),
                                       online=self.online())
            self._status = None
            if outcome.annulled and self.on_decision is not None:
                self.on_decision(Decision(AdmissionVerdict.for_reason(
                    Reason.annulled, self.direction), outcome.annul_event, "annul"))
            if self.display is not None:
                verdict = dataclasses.replace(
                    AdmissionVerdict.for_reason(Reason.annulled, self.direction,
                                                serial=outcome.serial),
                    message=outcome.message)
                self.display.show_verdict(verdict, self.status(),
                                          extra={"annul": outcome.status})
            return outcome

    # --- after the commit -----------------------------------------------------------------

    def _act(self, decision: Decision, record: bool = True) -> Decision:
        verdict = decision.verdict
        if verdict.admit and self.turnstile is not None and not decision.repeat:
            try:
                self.turnstile.open_for(verdict)
            except TurnstileError as exc:
                log.error("turnstile: %s - open the gate by hand", exc)
                decision = dataclasses.replace(decision, turnstile_error=str(exc))
        if self.display is not None:
            self.display.show_verdict(verdict, self.status(), extra=decision.display_extra())
        if record and decision.event_id and self.on_decision is not None:
            self.on_decision(decision)
        return decision

    def status(self, max_age: float = 1.0) -> KioskStatus:
        """The status bar's numbers from the ledger (recomputed at most every ``max_age``
        seconds, and after every decision)."""
        now = self.monotonic()
        if self._status is not None and now - self._status[0] < max_age:
            return self._status[1]
        policy = self._policy()
        limits = self.ledger.get("policy") or {}
        day = self._local(self.clock(), policy)[0]
        last = self.ledger.get("last_sync")
        status = KioskStatus(
            venue=self.venue, gate=self.gate, online=self.online(),
            inside_now=self.ledger.inside_now(day),
            occupancy_limit=limits.get("occupancy_limit"),
            admitted_today=self.ledger.admitted_today(day, policy.quota_kinds),
            quota=limits.get("quota"),
            last_sync=datetime.fromisoformat(last) if last else None,
            timezone=policy.timezone, queued=self.ledger.queued_count(),
            credits=credit_book.credit_state(self.ledger, day).available
            if limits.get("occupancy_limit") is not None else None)
        self._status = (now, status)
        return status

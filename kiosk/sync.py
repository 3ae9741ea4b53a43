"""The kiosk's side of the sync protocol (docs/sync-protocol.md): HTTP client and sync loop.

:class:`GateClient` speaks to the service with ``requests`` and short timeouts; every
failure that means "the service is not there for us right now" (refused connection,
timeout, 5xx, 429) is :class:`Unreachable`, every refusal that retrying will not change
is :class:`Rejected`. :class:`Synchronizer` does one round: pull the manifest from the
ledger's cursor, push queued events in batches, report credits and renew the lease.
:class:`SyncWorker` runs rounds in a thread every few seconds, goes offline by itself when
a round fails and comes back when one succeeds (retrying with backoff meanwhile).

Nothing is lost: an event leaves the queue only when an answer names it as accepted or
duplicate; a lease report is re-sent with its id until answered. Every step is
idempotent on the service, so a round cut off anywhere is simply done again.
"""
from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests

from kiosk import config as kiosk_config
from kiosk import credits as lease_book
from kiosk.ledger import Ledger
from schemas.gate import (
    CheckInEventSchema, EnrollResponseSchema, EventBatchResultSchema, LeaseResponseSchema,
)

log = logging.getLogger(__name__)

USER_AGENT = "fairgate-kiosk/0.1"
_EVENT = CheckInEventSchema()
_FIELD_INDEX = re.compile(r"^events\.(\d+)\b")


class SyncError(Exception):
    """Base of the sync failures."""


class Unreachable(SyncError):
    """The service cannot be used right now (network, timeout, 5xx, 429): go offline."""


class Rejected(SyncError):
    """The service refused the request; ``status``, ``code`` and ``fields`` say why."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}


class GateClient:
    """The gate API for one device. ``timeout``: (connect, read) seconds."""

    def __init__(self, server: str, token: str | None = None, *,
                 timeout: tuple[float, float] = (2.0, 5.0)):
        if not re.match(r"^https?://[^/\s]+", server or ""):
            raise ValueError(f"server must be an http:// or https:// URL, not {server!r}")
        self.server = server.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, **kwargs) -> dict:
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, self.server + path, **kwargs)
        except requests.RequestException as exc:
            raise Unreachable(f"{self.server} unreachable: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise Unreachable(f"{self.server} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise Unreachable(f"{self.server} answered {response.status_code} without JSON "
                              "(is this the fairgate service?)") from None
        if response.status_code >= 400:
            error = body.get("error", {}) if isinstance(body, dict) else {}
            raise Rejected(response.status_code, str(error.get("code", "error")),
                           str(error.get("message", "")), error.get("fields"))
        return body

    def enroll(self, code: str, name: str) -> dict:
        return EnrollResponseSchema().load(self.request(
            "POST", "/api/v1/devices/enroll", json={"code": code, "name": name}))

    def manifest(self, cursor: str | None = None, limit: int | None = None,
                 timeout=None) -> dict:
        params = {k: v for k, v in (("cursor", cursor), ("limit", limit)) if v}
        return self.request("GET", "/api/v1/gate/manifest", params=params,
                            timeout=timeout or (self.timeout[0], self.timeout[1] * 3))

    def upload(self, events: list[dict]) -> dict:
        return EventBatchResultSchema().load(self.request(
            "POST", "/api/v1/gate/events", json={"events": events}))

    def lease(self, body: dict) -> dict:
        return LeaseResponseSchema().load(self.request("POST", "/api/v1/gate/leases",
                                                       json=body))


@dataclass
class RoundReport:
    """What one sync round did."""

    pages: int = 0
    items: int = 0
    uploaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    anomalies: list = field(default_factory=list)
    lease: dict | None = None
    manifest_error: str | None = None

    def summary(self) -> str:
        parts = [f"manifest: {self.items} items in {self.pages} pages"
                 if not self.manifest_error else f"manifest: {self.manifest_error}",
                 f"events: {self.uploaded} uploaded ({self.duplicates} already there)"]
        if self.rejected:
            parts.append(f"{self.rejected} events refused by the service")
        if self.anomalies:
            parts.append(f"{len(self.anomalies)} anomalies reported")
        if self.lease is not None:
            parts.append(f"lease: +{self.lease['granted']} credits" if self.lease["limited"]
                         else "lease: no occupancy limit today")
        return "; ".join(parts)


class Synchronizer:
    """One device's sync steps against one ledger connection."""

    def __init__(self, ledger: Ledger, client: GateClient, *,
                 page_size: int = kiosk_config.MANIFEST_PAGE_SIZE,
                 batch_size: int = kiosk_config.EVENT_BATCH_SIZE,
                 credit_stock: int = kiosk_config.CREDIT_STOCK,
                 max_batches: int = kiosk_config.EVENT_BATCHES_PER_ROUND):
        self.ledger, self.client = ledger, client
        self.page_size, self.batch_size = page_size, batch_size
        self.credit_stock, self.max_batches = credit_stock, max_batches

    def round(self) -> RoundReport:
        report = RoundReport()
        try:
            self.pull(report)
        except Rejected as err:
            if err.status == 401:
                raise
            report.manifest_error = f"{err.code}: {err.message}"  # e.g. closed today
            log.warning("manifest refused: %s", err)
        except ValueError as exc:  # includes marshmallow's ValidationError
            report.manifest_error = f"bad manifest page: {exc}"
            log.error("%s", report.manifest_error)
        self.push(report)
        report.lease = self.renew_lease()
        return report

    def pull(self, report: RoundReport) -> None:
        cursor = self.ledger.get("cursor")
        while True:
            try:
                page = self.client.manifest(cursor, self.page_size)
            except Rejected as err:
                if err.code != "invalid_cursor" or cursor is None:
                    raise
                cursor = None  # start a full pull
                continue
            report.items += self.ledger.apply_manifest_page(page)
            report.pages += 1
            cursor = page["cursor"]
            skew = (_parse(page["server_time"]) - datetime.now(timezone.utc)).total_seconds()
            if abs(skew) > 5 and abs(skew - (self.ledger.get("clock_skew") or 0)) > 1:
                log.warning("kiosk clock is %.1f s off the service's: check NTP", -skew)
                self.ledger.set(clock_skew=round(skew, 1))
            if not page["has_more"]:
                return

    def push(self, report: RoundReport) -> None:
        size = self.batch_size
        for _ in range(self.max_batches):
            events = self.ledger.queued_events(size)
            if not events:
                return
            invalid = [e["id"] for e in events if _EVENT.validate(e)]
            if invalid:
                self.ledger.reject_events(invalid, "invalid event (kiosk bug)")
                report.rejected += len(invalid)
                continue
            try:
                answer = self.client.upload(events)
            except Rejected as err:
                if err.status == 401:
                    raise
                if err.status == 413 and size > 1:
                    size = max(1, size // 2)
                    continue
                bad = sorted({int(m.group(1)) for k in err.fields
                              if (m := _FIELD_INDEX.match(k)) and int(m.group(1)) < len(events)})
                if not bad and len(events) > 1:
                    size = 1  # find the event the service refuses
                    continue
                ids = [events[i]["id"] for i in bad] or [events[0]["id"]]
                self.ledger.reject_events(ids, f"{err.status} {err.code}: {err.message}")
                report.rejected += len(ids)
                log.error("service refused %d events: %s", len(ids), err)
                continue
            self.ledger.mark_uploaded(answer["accepted"], answer["duplicates"],
                                      answer["anomalies"], at=answer["server_time"])
            report.uploaded += len(answer["accepted"])
            report.duplicates += len(answer["duplicates"])
            report.anomalies += answer["anomalies"]
            for anomaly in answer["anomalies"]:
                log.warning("anomaly %s on event %s (gate %s, other gate %s)", anomaly["code"],
                            anomaly["event"], anomaly.get("gate"), anomaly.get("other_gate"))
            if len(events) < size:
                return

    def renew_lease(self) -> dict | None:
        """Deliver the waiting report, or take a new one and top up the credits.

        The stock kept is the service's ``target`` (sized to this gate's throughput and the
        venue's headroom, docs/gate-rules.md), at least ``credit_stock``: below it the kiosk
        asks to be topped up (``request``: what its own stock lacks, at least 1) with every
        report it sends anyway, and when idle once below half of it; above twice it gives
        the surplus back. ``credit_stock`` 0 leases nothing.
        """
        lease = lease_book.outstanding_lease(self.ledger)
        if lease is None:
            day, policy = self.ledger.manifest_day, self.ledger.get("policy")
            if day is None or policy is None:
                return None
            state = lease_book.credit_state(self.ledger, day)
            request = 0
            if policy.get("occupancy_limit") is not None and self.credit_stock > 0:
                want = max(self.credit_stock, lease_book.stock_target(self.ledger, day) or 0)
                if state.available * 2 < want or (state.pending and state.available < want):
                    request = max(1, self.credit_stock - state.available)
                elif state.available > 2 * want:
                    lease_book.surrender(self.ledger, day, state.available - want)
                    state = lease_book.credit_state(self.ledger, day)
            if not request and not state.pending:
                return None
            lease = lease_book.take_report(self.ledger, day, f"lease-{uuid.uuid4().hex}",
                                           request)
        try:
            answer = self.client.lease(lease.body())
        except Rejected as err:
            if err.status == 401:
                raise
            lease_book.reject_lease(self.ledger, lease)
            log.error("lease %s refused, its report is kept for staff: %s", lease.lease_id, err)
            return None
        lease_book.complete_lease(self.ledger, lease, answer["granted"])
        lease_book.keep_target(self.ledger, lease.day, answer.get("target"))
        if answer["limited"] and answer["credits"] != lease_book.credit_state(
                self.ledger, lease.day).available:
            log.info("service counts %d credits here (reports in flight)", answer["credits"])
        return answer


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def record_state(ledger: Ledger, online: bool, error: str | None = None) -> None:
    """Online/offline and the last good sync, for `fairgate-kiosk status`."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    values = {"online": online, "last_attempt": now}
    if online:
        values.update(last_sync=now, offline_since=None, last_error=None)
    else:
        values["last_error"] = error
        if ledger.get("online", True) or ledger.get("offline_since") is None:
            values["offline_since"] = now
    ledger.set(**values)


def reached_recently(ledger: Ledger, within: float = kiosk_config.ONLINE_FRESH_SECONDS,
                     now: datetime | None = None) -> bool:
    """Whether the service answered a sync round of this ledger in the last ``within``
    seconds (this process or another on the same ledger). The stored ``online`` flag alone
    says how the last round went, however long ago: a ledger last synced before the network
    went down would still say online."""
    last = ledger.get("last_sync")
    if not ledger.get("online") or not last:
        return False
    age = ((now or datetime.now(timezone.utc)) - _parse(last)).total_seconds()
    return -within <= age <= within


class SyncWorker(threading.Thread):
    """Sync rounds in the background: every ``interval`` seconds while online, with
    exponential backoff (1 s doubling up to ``max_backoff``) while offline."""

    def __init__(self, ledger_path, make_client, *,
                 interval: float = kiosk_config.SYNC_INTERVAL_SECONDS,
                 max_backoff: float = kiosk_config.SYNC_MAX_BACKOFF_SECONDS, **options):
        super().__init__(name="fairgate-sync", daemon=True)
        self.ledger_path, self.make_client = ledger_path, make_client
        self.interval, self.max_backoff, self.options = interval, max_backoff, options
        self.online = False
        self.revoked = False
        self.rounds = 0
        self.last_error: str | None = None
        self._stop_event, self._wake = threading.Event(), threading.Event()
        self.first_round = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop_event.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        ledger, client = Ledger(self.ledger_path), self.make_client()
        sync = Synchronizer(ledger, client, **self.options)
        backoff = 1.0
        try:
            while not self._stop_event.is_set():
                delay = self._round(ledger, sync, backoff)
                backoff = 1.0 if self.online else min(self.max_backoff, backoff * 2)
                self.first_round.set()
                self._wake.wait(delay)
                self._wake.clear()
        finally:
            client.close()
            ledger.close()

    def _round(self, ledger: Ledger, sync: Synchronizer, backoff: float) -> float:
        try:
            sync.round()
        except Unreachable as exc:
            return self._offline(ledger, str(exc), backoff)
        except Rejected as err:
            self.revoked = err.status == 401
            log.error("the service refuses this device (%s): re-enrol the kiosk", err)
            return self._offline(ledger, str(err), self.max_backoff)
        except Exception as exc:  # a bug must not stop the gate: stay offline, keep trying
            log.exception("sync round failed")
            return self._offline(ledger, f"{type(exc).__name__}: {exc}", backoff)
        self.rounds += 1
        if not self.online:
            log.info("online: the service answers again")
        self.online, self.revoked, self.last_error = True, False, None
        record_state(ledger, True)
        return self.interval

    def _offline(self, ledger: Ledger, error: str, delay: float) -> float:
        if self.online or self.last_error is None:
            log.warning("offline: %s", error)
        self.online, self.last_error = False, error
        try:
            record_state(ledger, False, error)
        except Exception:  # noqa: BLE001 - a busy ledger must not end the thread
            log.exception("could not record the offline state")
        return delay

"""Entry credits of the occupancy lease, kept in the ledger (docs/gate-rules.md, leases).

The arithmetic is ``gate.occupancy.KioskCredits``; this module keeps its state durable:
``credits`` holds per venue-day the credits in hand and what happened since the last
report (entries, exits, recycled exits, returns); ``leases`` holds each report taken for
upload with its client-made ``lease_id`` until the service has answered it. A report is
taken only when no earlier one is waiting, and it is re-sent with the same ``lease_id``
until answered, so the service applies each report exactly once and in order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from gate.occupancy import CreditReport, KioskCredits

PENDING, DONE, REJECTED = "pending", "done", "rejected"


@dataclass(frozen=True)
class CreditState:
    day: date
    available: int
    pending: CreditReport


@dataclass(frozen=True)
class LeaseRequest:
    lease_id: str
    day: date
    request: int
    report: CreditReport

    def body(self) -> dict:
        r = self.report
        return {"lease_id": self.lease_id, "request": self.request, "date": self.day.isoformat(),
                "report": {"entries": r.entries, "exits": r.exits,
                           "recycled_exits": r.recycled_exits, "returned": r.returned}}


def credit_state(ledger, day: date) -> CreditState:
    row = ledger.conn.execute("SELECT available, entries, exits, recycled_exits, returned "
                              "FROM credits WHERE day = ?", (day.isoformat(),)).fetchone()
    if row is None:
        return CreditState(day, 0, CreditReport())
    return CreditState(day, row[0], CreditReport(*row[1:]))


def kiosk_credits(ledger, day: date, *, recycle_exits: bool = False) -> KioskCredits:
    """The credits in hand as a KioskCredits (its pending report starts empty: take the
    delta with ``take_report()`` and store it with :func:`add_pending`)."""
    return KioskCredits(credit_state(ledger, day).available, recycle_exits=recycle_exits)


def add_pending(ledger, day: date, delta: CreditReport, available: int | None) -> None:
    """Add ``delta`` to the day's unreported counts and set the credits in hand."""
    with ledger.transaction():
        ledger.conn.execute(
            "INSERT INTO credits VALUES (?, coalesce(?, 0), ?, ?, ?, ?) ON CONFLICT (day) DO "
            "UPDATE SET available = coalesce(?, available), entries = entries + ?, exits = "
            "exits + ?, recycled_exits = recycled_exits + ?, returned = returned + ?",
            (day.isoformat(), available, delta.entries, delta.exits, delta.recycled_exits,
             delta.returned, available, delta.entries, delta.exits, delta.recycled_exits,
             delta.returned))


def outstanding_lease(ledger) -> LeaseRequest | None:
    """The oldest report not yet answered by the service (re-send it as it is)."""
    row = ledger.conn.execute(
        "SELECT lease_id, day, request, entries, exits, recycled_exits, returned FROM leases "
        "WHERE state = ? ORDER BY created_at, rowid LIMIT 1", (PENDING,)).fetchone()
    if row is None:
        return None
    return LeaseRequest(row[0], date.fromisoformat(row[1]), row[2], CreditReport(*row[3:]))


def take_report(ledger, day: date, lease_id: str, request: int) -> LeaseRequest:
    """Move the day's unreported counts into a new lease request, in one transaction."""
    with ledger.transaction():
        if outstanding_lease(ledger) is not None:
            raise RuntimeError("a lease request is still waiting for its answer")
        state = credit_state(ledger, day)
        lease = LeaseRequest(lease_id, day, request, state.pending)
        r = state.pending
        ledger.conn.execute(
            "INSERT INTO leases VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            (lease_id, day.isoformat(), request, r.entries, r.exits, r.recycled_exits,
             r.returned, PENDING, datetime.now(timezone.utc).isoformat()))
        ledger.conn.execute("UPDATE credits SET entries = 0, exits = 0, recycled_exits = 0, "
                            "returned = 0 WHERE day = ?", (day.isoformat(),))
    return lease


def complete_lease(ledger, lease: LeaseRequest, granted: int) -> None:
    """The service answered: the report is applied there, ``granted`` credits are ours."""
    with ledger.transaction():
        done = ledger.conn.execute("UPDATE leases SET state = ?, granted = ? WHERE lease_id = ?"
                                   " AND state = ?", (DONE, granted, lease.lease_id, PENDING))
        if done.rowcount == 1 and granted:
            add_pending(ledger, lease.day, CreditReport(),
                        credit_state(ledger, lease.day).available + granted)


def reject_lease(ledger, lease: LeaseRequest) -> None:
    """The service will never take this report (kept for staff to look at)."""
    with ledger.transaction():
        ledger.conn.execute("UPDATE leases SET state = ? WHERE lease_id = ?",
                            (REJECTED, lease.lease_id))


def surrender(ledger, day: date, n: int | None = None) -> int:
    """Give back ``n`` credits in hand (None: all, the lane closes); reported at the next
    sync. Returns how many were given."""
    with ledger.transaction():
        credits = kiosk_credits(ledger, day)
        given = credits.surrender(n)
        add_pending(ledger, day, credits.take_report(), credits.available)
    return given


def stock_target(ledger, day: date) -> int | None:
    """The stock the service last sized for this kiosk on ``day`` (None: not told yet)."""
    stored = ledger.get("lease_target") or {}
    return stored.get("target") if stored.get("date") == day.isoformat() else None


def keep_target(ledger, day: date, target: int | None) -> None:
    """Remember the service's sizing (a lease answer's ``target``; None: keep the last)."""
    if target is not None:
        ledger.set(lease_target={"date": day.isoformat(), "target": target})


def lease_counts(ledger) -> dict:
    return dict(ledger.conn.execute("SELECT state, count(*) FROM leases GROUP BY state"))

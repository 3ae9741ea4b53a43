"""Entry-credit leases that keep a venue's occupancy limit across gates, online or not.

The service owns an :class:`OccupancyPool` per venue-day. It hands each kiosk a block of entry
credits; a kiosk admits one person per credit (:class:`KioskCredits`), offline too, and later
reports what it did as :class:`CreditReport` batches. The pool never lets

    inside (reported entries - reported exits) + outstanding credits (all kiosks)

exceed the limit, and every credit a kiosk can spend is counted in ``outstanding`` until its
entry is reported, so the people truly inside never exceed the limit either, however long a
kiosk stays partitioned. The argument is written out in docs/gate-rules.md.

How many credits a device should hold (:func:`stock_target`) is sized from the venue's
headroom and the gate's recent peak admission rate (:func:`peak_rate`), so an offline gate
keeps admitting for a while without one gate starving the others; whatever the target, the
pool still caps every grant.

Both classes are plain state machines: no clock, no I/O, no locking. The service keeps the
pool in its database and applies each operation in one transaction; the kiosk keeps its
credits in its ledger. Event idempotency (an upload retried twice) is handled before this
layer, by event ids.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType


class LeaseError(ValueError):
    """An operation the lease protocol forbids (returning credits a device does not hold...)."""


def _count(n: int, name: str = "n") -> int:
    if type(n) is not int or n < 0:
        raise LeaseError(f"{name} must be a non-negative integer")
    return n


@dataclass(frozen=True)
class CreditReport:
    """What a kiosk did with its credits since its previous report.

    ``exits``: known occupants who left, reported so the service can lease their places
    again; ``recycled_exits``: known occupants who left and whose places the kiosk reused as
    credits itself; ``returned``: unused credits given back.
    """

    entries: int = 0
    exits: int = 0
    recycled_exits: int = 0
    returned: int = 0

    def __post_init__(self) -> None:
        for name in ("entries", "exits", "recycled_exits", "returned"):
            _count(getattr(self, name), name)

    def __add__(self, other: "CreditReport") -> "CreditReport":
        return CreditReport(
            self.entries + other.entries,
            self.exits + other.exits,
            self.recycled_exits + other.recycled_exits,
            self.returned + other.returned,
        )

    def __bool__(self) -> bool:
        return any((self.entries, self.exits, self.recycled_exits, self.returned))


class OccupancyPool:
    """The service's side: the limit, people inside as reported, credits leased per device.

    ``inside`` lags the truth while reports are in transit (unreported entries and exits),
    but ``committed`` never falls below the people truly inside. Exits are reported only for
    known occupants, so ``inside`` never goes negative for kiosks that keep the protocol.
    Totals for audit: every credit ever granted is consumed (an entry), returned, or still
    outstanding at one device.
    """

    def __init__(self, limit: int, *, inside: int = 0) -> None:
        self.limit = _count(limit, "limit")
        self.inside = _count(inside, "inside")
        if inside > limit:
            raise LeaseError("more people inside than the limit")
        self._outstanding: dict[Hashable, int] = {}
        self._leases: dict[tuple[Hashable, Hashable], int] = {}
        self.granted_total = 0  # includes credits created by recycled exits
        self.consumed_total = 0
        self.returned_total = 0
        self.overdrawn_total = 0  # entries reported beyond a device's credits: a bug or tamper

    @property
    def outstanding(self) -> Mapping[Hashable, int]:
        """Credits each device holds, as far as the service knows (read-only view)."""
        return MappingProxyType(self._outstanding)

    def outstanding_for(self, device: Hashable) -> int:
        return self._outstanding.get(device, 0)

    @property
    def committed(self) -> int:
        """Places spoken for: people inside plus every credit a kiosk could still spend."""
        return self.inside + sum(self._outstanding.values())

    @property
    def grantable(self) -> int:
        return max(0, self.limit - self.committed)

    def grant(self, device: Hashable, requested: int, *, lease_id: Hashable = None) -> int:
        """Lease up to ``requested`` credits to ``device``; returns how many were granted.

        A repeated ``lease_id`` (a retried request whose answer was lost) returns the first
        answer again and grants nothing more.
        """
        _count(requested, "requested")
        if lease_id is not None and (device, lease_id) in self._leases:
            return self._leases[(device, lease_id)]
        granted = min(requested, self.grantable)
        self._add(device, granted)
        self.granted_total += granted
        if lease_id is not None:
            self._leases[(device, lease_id)] = granted
        return granted

    def return_unused(self, device: Hashable, n: int) -> None:
        """Take back ``n`` credits the device will not spend; they are grantable at once."""
        if _count(n) > self.outstanding_for(device):
            raise LeaseError(f"device {device!r} returns more credits than it holds")
        self._add(device, -n)
        self.returned_total += n

    def record_entries(self, device: Hashable, n: int) -> int:
        """``n`` people went in at ``device``, each on one of its credits.

        Entries happened whatever the books say, so they are always counted; the number of
        entries beyond the device's credits (0 for a kiosk that keeps the protocol) is
        returned and added to ``overdrawn_total`` for operations to investigate.
        """
        covered = min(_count(n), self.outstanding_for(device))
        self._add(device, -covered)
        self.inside += n
        self.consumed_total += covered
        self.overdrawn_total += n - covered
        return n - covered

    def record_exits(self, device: Hashable, n: int) -> None:
        """``n`` known occupants left at ``device``: their places become grantable again."""
        self.inside -= _count(n)

    def record_recycled_exits(self, device: Hashable, n: int) -> None:
        """``n`` known occupants left and ``device`` already reused their places as credits.

        Neutral for ``committed``: the places move from ``inside`` to the device's credits.
        """
        self.inside -= _count(n)
        self._add(device, n)
        self.granted_total += n

    def apply_report(self, device: Hashable, report: CreditReport) -> int:
        """Apply one kiosk report; returns the overdraft (0 normally).

        Recycled exits first (the kiosk may have spent those credits), then entries, then
        returns and exits. Batches from one kiosk must be applied in the order it made them.
        """
        self.record_recycled_exits(device, report.recycled_exits)
        overdraft = self.record_entries(device, report.entries)
        self.return_unused(device, report.returned)
        self.record_exits(device, report.exits)
        return overdraft

    def _add(self, device: Hashable, delta: int) -> None:
        total = self._outstanding.get(device, 0) + delta
        if total:
            self._outstanding[device] = total
        else:
            self._outstanding.pop(device, None)


class KioskCredits:
    """The kiosk's side: credits in hand and what to report at the next sync.

    ``recycle_exits``: when a known occupant leaves here, keep the freed place as a local
    credit instead of handing it back to the pool. Safe (the place was counted in the pool
    as that person's), useful for a partitioned gate that both admits and lets out; leave it
    off on exit-only gates, which would otherwise sit on credits.
    """

    def __init__(self, available: int = 0, *, recycle_exits: bool = False) -> None:
        self.available = _count(available, "available")
        self.recycle_exits = recycle_exits
        self._pending = CreditReport()

    @property
    def pending(self) -> CreditReport:
        """Not yet handed to :meth:`take_report`."""
        return self._pending

    def receive(self, n: int) -> None:
        """Credits granted by the service arrived."""
        self.available += _count(n)

    def try_admit(self) -> bool:
        """Spend one credit for one person going in; False (venue_full) when none is left."""
        if self.available <= 0:
            return False
        self.available -= 1
        self._pending += CreditReport(entries=1)
        return True

    def exit(self) -> None:
        """A known occupant (verdict ok_exit) left through this gate."""
        if self.recycle_exits:
            self.available += 1
            self._pending += CreditReport(recycled_exits=1)
        else:
            self._pending += CreditReport(exits=1)

    def surrender(self, n: int | None = None) -> int:
        """Give back ``n`` unused credits (all when None); returns how many were given."""
        n = self.available if n is None else min(_count(n), self.available)
        self.available -= n
        self._pending += CreditReport(returned=n)
        return n

    def take_report(self) -> CreditReport:
        """Everything since the previous report, for upload; resets the pending counts.

        Keep the batches and deliver them in order; a batch is removed only when the
        service has acknowledged it.
        """
        report, self._pending = self._pending, CreditReport()
        return report


# --- Sizing a device's stock --------------------------------------------------------------

def stock_target(*, limit: int, inside: int, held: int, gates: int, peak_per_minute: float,
                 cover_minutes: float = 10.0, hint: int = 0, held_here: int = 0) -> int:
    """The credits one device should hold: enough for ``cover_minutes`` offline.

    ``limit`` and ``inside``: the venue's (or a room's) occupancy limit and the people inside
    as the pool knows them; ``held``: credits all devices hold, ``held_here`` of them at this
    device; ``gates``: devices leasing from the pool (this one included); ``peak_per_minute``:
    this gate's recent peak admission rate; ``hint``: what the device asked to hold (its
    own working stock: what a gate with no recent entries gets).

    - cover: ``peak x cover_minutes``, in full while the venue is at most half full, then
      shrinking in proportion to the free places, to 0 at the limit;
    - fair: never more than the device's equal share of the free places
      (``ceil((limit - inside) / gates)``), the ``hint`` included;
    - never more than the device holds plus what the pool can still grant, so the sum of
      all targets never exceeds the limit (and the pool caps every grant anyway).
    """
    for name, value in (("limit", limit), ("inside", inside), ("held", held),
                        ("gates", gates), ("hint", hint), ("held_here", held_here)):
        _count(value, name)
    if not (peak_per_minute >= 0 and cover_minutes >= 0):  # also refuses NaN
        raise LeaseError("peak_per_minute and cover_minutes must not be negative")
    if held_here > held:
        raise LeaseError("a device holds more credits than all devices together")
    free = max(0, limit - inside)
    if free == 0:
        return 0
    share = -(-free // max(1, gates))  # ceiling: with fewer places than gates, 1 each
    fill_factor = min(1.0, 2 * free / limit)  # 1 up to half full, then down to 0 at the limit
    cover = math.ceil(peak_per_minute * cover_minutes * fill_factor - 1e-9)
    target = min(max(cover, hint), share)
    return max(0, min(target, held_here + max(0, limit - inside - held)))


def peak_rate(reports: Iterable[tuple[datetime, int]], *, now: datetime,
              window: timedelta = timedelta(minutes=15), since: datetime | None = None,
              bucket: timedelta = timedelta(minutes=1)) -> float:
    """The highest admission rate (entries per minute) over ``bucket``-long periods of the
    last ``window`` before ``now``.

    ``reports``: (time the service received it, entries) of one device's lease reports, in
    order; ``since``: when the report before the first one arrived (None: the first report's
    entries are put at its own time). Each report's entries happened between the previous
    report and this one: they are spread evenly over that span, so a backlog uploaded after
    an hour offline counts as the hour's average, not as a burst.
    """
    if window <= timedelta(0) or bucket <= timedelta(0):
        raise LeaseError("window and bucket must be positive")
    start = now - window
    slots = max(1, math.ceil(window / bucket))
    counts = [0.0] * slots
    previous = since
    for at, entries in reports:
        begin = at if previous is None or previous > at else previous
        previous = at
        if not entries or at <= start:
            continue
        span = (at - begin).total_seconds()
        low, high = max(begin, start), min(at, now)
        if span <= 0:
            if start < at <= now:
                counts[min(slots - 1, int((at - start) / bucket - 1e-9))] += entries
            continue
        if high <= low:
            continue
        first = int((low - start) / bucket)
        for slot in range(first, slots):
            a = max(low, start + slot * bucket)
            b = min(high, start + (slot + 1) * bucket)
            if b <= a:
                break
            counts[slot] += entries * (b - a).total_seconds() / span
    per_minute = timedelta(minutes=1) / bucket
    return max(counts) * per_minute

"""Occupancy leases: the venue never holds more people than its limit, gates offline or not."""
from __future__ import annotations

from typing import NamedTuple

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from gate.occupancy import CreditReport, KioskCredits, LeaseError, OccupancyPool, stock_target


def test_grants_never_exceed_the_limit():
    pool = OccupancyPool(10)
    assert pool.grant("K1", 6) == 6
    assert pool.grant("K2", 6) == 4
    assert pool.grant("K3", 1) == 0
    assert pool.committed == 10 and pool.grantable == 0
    pool.record_entries("K1", 2)
    assert (pool.inside, pool.outstanding_for("K1"), pool.grantable) == (2, 4, 0)
    pool.record_exits("K3", 1)  # an exit frees a place whichever gate saw it
    assert pool.grant("K3", 5) == 1


def test_a_retried_lease_request_grants_once():
    pool = OccupancyPool(10)
    assert pool.grant("K1", 4, lease_id="req-1") == 4
    assert pool.grant("K1", 4, lease_id="req-1") == 4
    assert pool.outstanding_for("K1") == 4 and pool.granted_total == 4
    assert pool.grant("K2", 4, lease_id="req-1") == 4  # ids are per device
    assert pool.committed == 8


def test_returns_and_recycled_exits():
    pool = OccupancyPool(5, inside=2)
    assert pool.grant("K1", 5) == 3
    pool.return_unused("K1", 1)
    assert pool.grantable == 1
    with pytest.raises(LeaseError):
        pool.return_unused("K1", 3)
    pool.record_recycled_exits("K1", 2)
    assert (pool.inside, pool.outstanding_for("K1"), pool.committed) == (0, 4, 4)
    assert pool.granted_total == pool.consumed_total + pool.returned_total + 4


def test_entries_beyond_credits_are_counted_and_flagged():
    pool = OccupancyPool(3)
    pool.grant("K1", 1)
    assert pool.record_entries("K1", 3) == 2
    assert (pool.inside, pool.overdrawn_total, pool.outstanding_for("K1")) == (3, 2, 0)


@pytest.mark.parametrize("call", [
    lambda: OccupancyPool(-1),
    lambda: OccupancyPool(2, inside=3),
    lambda: OccupancyPool(2).grant("K1", -1),
    lambda: OccupancyPool(2).record_exits("K1", -1),
    lambda: CreditReport(entries=-1),
    lambda: KioskCredits(-2),
])
def test_negative_counts_are_refused(call):
    with pytest.raises(LeaseError):
        call()


def test_kiosk_spends_credits_offline_and_reports_them():
    kiosk = KioskCredits()
    assert not kiosk.try_admit()
    kiosk.receive(3)
    assert kiosk.try_admit() and kiosk.try_admit()
    kiosk.exit()
    assert kiosk.available == 1  # exits do not create local credits by default
    assert kiosk.surrender() == 1 and kiosk.available == 0
    assert kiosk.take_report() == CreditReport(entries=2, exits=1, returned=1)
    assert not kiosk.take_report()


def test_a_recycling_kiosk_reuses_exits():
    pool, kiosk = OccupancyPool(1), KioskCredits(recycle_exits=True)
    kiosk.receive(pool.grant("K1", 1))
    assert kiosk.try_admit() and not kiosk.try_admit()
    kiosk.exit()
    assert kiosk.try_admit()  # the freed place, while still offline
    assert pool.apply_report("K1", kiosk.take_report()) == 0
    assert (pool.inside, pool.outstanding_for("K1"), pool.grantable) == (1, 0, 0)


class Batch(NamedTuple):
    report: CreditReport
    entered: tuple[int, ...]  # people admitted (event identities travel with the counts)
    unmatched_exits: tuple[int, ...]  # not_inside exits: entry unknown at this gate


class LeaseMachine(RuleBasedStateMachine):
    """Several kiosks share one pool; any of them can be cut off and heal later."""

    @initialize(limit=st.integers(0, 12),
                recycle=st.lists(st.booleans(), min_size=2, max_size=4))
    def start(self, limit, recycle):
        self.pool = OccupancyPool(limit)
        self.devices = [f"K{n}" for n in range(len(recycle))]
        self.kiosks = {d: KioskCredits(recycle_exits=r) for d, r in zip(self.devices, recycle)}
        self.online = {d: True for d in self.devices}
        self.queued: dict[str, list[Batch]] = {d: [] for d in self.devices}
        self.entered: dict[str, list[int]] = {d: [] for d in self.devices}
        self.exits_unknown: dict[str, list[int]] = {d: [] for d in self.devices}
        self.inside: dict[int, str] = {}  # the truth: who is in, and where they came in
        self.reported: set[int] = set()  # entries the service has received
        self.awaiting_entry: dict[int, str] = {}  # not_inside exits waiting for their entry
        self.people = 0

    def device(self, n: int) -> str:
        return self.devices[n % len(self.devices)]

    def cut(self, d: str) -> None:
        report = self.kiosks[d].take_report()
        batch = Batch(report, tuple(self.entered[d]), tuple(self.exits_unknown[d]))
        self.entered[d].clear()
        self.exits_unknown[d].clear()
        if report or batch.entered or batch.unmatched_exits:
            self.queued[d].append(batch)

    def deliver(self, d: str) -> None:
        for batch in self.queued[d]:
            assert self.pool.apply_report(d, batch.report) == 0
            for person in batch.entered:
                self.reported.add(person)
                if self.awaiting_entry.pop(person, None) is not None:
                    self.pool.record_exits(d, 1)  # the service pairs the late entry and exit
            for person in batch.unmatched_exits:
                if person in self.reported:
                    self.pool.record_exits(d, 1)
                else:
                    self.awaiting_entry[person] = d
        self.queued[d].clear()

    def settle(self, d: str) -> None:
        if self.online[d]:
            self.cut(d)
            self.deliver(d)

    @rule(n=st.integers(0, 3), requested=st.integers(0, 6))
    def lease(self, n, requested):
        d = self.device(n)
        if self.online[d]:
            self.kiosks[d].receive(self.pool.grant(d, requested))

    @rule(n=st.integers(0, 3), peak=st.floats(0, 60), hint=st.integers(0, 6),
          minutes=st.sampled_from([0.5, 1.0, 10.0]))
    def adaptive_lease(self, n, peak, hint, minutes):
        """The service tops the device up to its sized stock (registration/services/leases)."""
        d = self.device(n)
        if not self.online[d]:
            return
        pool, held = self.pool, self.pool.outstanding_for(d)
        target = stock_target(limit=pool.limit, inside=pool.inside,
                              held=sum(pool.outstanding.values()),
                              gates=len(set(pool.outstanding) | {d}), peak_per_minute=peak,
                              cover_minutes=minutes, hint=held + hint, held_here=held)
        assert target <= held + pool.grantable  # a target the pool can always honour
        granted = pool.grant(d, max(0, target - held))
        assert granted == max(0, target - held)
        self.kiosks[d].receive(granted)

    @rule(n=st.integers(0, 3))
    def enter(self, n):
        d = self.device(n)
        if self.kiosks[d].try_admit():  # the rules say venue_full otherwise
            self.people += 1
            self.inside[self.people] = d
            self.entered[d].append(self.people)
            self.settle(d)

    @precondition(lambda self: self.inside)
    @rule(n=st.integers(0, 3), pick=st.integers(0, 1000))
    def leave(self, n, pick):
        d = self.device(n)
        person = sorted(self.inside)[pick % len(self.inside)]
        came_in_here = self.inside.pop(person) == d
        if came_in_here or (person in self.reported and self.online[d]):
            self.kiosks[d].exit()  # ok_exit: the gate's ledger knows this occupant
        else:
            self.exits_unknown[d].append(person)  # not_inside: let out, flagged, not freed
        self.settle(d)

    @rule(n=st.integers(0, 3), count=st.none() | st.integers(0, 4))
    def return_unused(self, n, count):
        d = self.device(n)
        self.kiosks[d].surrender(count)
        self.settle(d)

    @rule(n=st.integers(0, 3))
    def partition(self, n):
        self.online[self.device(n)] = False

    @rule(n=st.integers(0, 3))
    def queue_batch(self, n):
        d = self.device(n)
        if not self.online[d]:
            self.cut(d)

    @rule(n=st.integers(0, 3))
    def reconnect(self, n):
        d = self.device(n)
        self.online[d] = True
        self.settle(d)

    def unreported(self, d: str) -> CreditReport:
        return sum((b.report for b in self.queued[d]), self.kiosks[d].pending)

    @invariant()
    def people_inside_never_exceed_the_limit(self):
        assert len(self.inside) <= self.pool.committed <= self.pool.limit
        assert self.pool.inside >= 0  # exits are reported for known occupants only

    @invariant()
    def no_credit_is_created_or_lost(self):
        pool = self.pool
        held = sum(pool.outstanding.values())
        assert pool.granted_total == pool.consumed_total + pool.returned_total + held
        assert pool.overdrawn_total == 0
        for d in self.devices:
            late = self.unreported(d)
            expected = self.kiosks[d].available + late.entries + late.returned
            assert pool.outstanding_for(d) == expected - late.recycled_exits

    @invariant()
    def in_sync_when_every_gate_is_online(self):
        if all(self.online.values()):
            assert self.pool.inside == len(self.inside)
            assert not self.awaiting_entry
            for d in self.devices:
                assert self.pool.outstanding_for(d) == self.kiosks[d].available

    def teardown(self):
        if not hasattr(self, "pool"):
            return
        for d in self.devices:
            self.reconnect(self.devices.index(d))
        self.in_sync_when_every_gate_is_online()
        for person in list(self.inside):  # everyone leaves, then every credit goes home
            self.leave(self.devices.index(self.inside[person]), sorted(self.inside).index(person))
        for d in self.devices:
            self.kiosks[d].surrender()
            self.settle(d)
        assert self.pool.inside == 0 and self.pool.grantable == self.pool.limit


LeaseMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=50,
                                          deadline=None)
TestLeases = LeaseMachine.TestCase

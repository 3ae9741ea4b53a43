"""Sizing a gate's entry-credit stock: minutes of its peak rate, less as the venue fills."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.occupancy import LeaseError, OccupancyPool, peak_rate, stock_target

NOW = datetime(2026, 9, 10, 2, 0, tzinfo=timezone.utc)


def target(inside, *, limit=8000, gates=1, peak=30.0, held=0, held_here=0, **options):
    return stock_target(limit=limit, inside=inside, held=held, gates=gates,
                        peak_per_minute=peak, held_here=held_here, **options)


@pytest.mark.parametrize("inside,expected", [
    (0, 300), (800, 300), (3999, 300),
    (4000, 300),  # half full: still the full cover
    (4001, 300),  # 300 x 3999/4000 = 299.9: rounded up
    (6000, 150), (7200, 60), (7999, 1), (8000, 0), (8100, 0),
])
def test_ten_minutes_of_the_peak_up_to_half_full_then_in_proportion_to_the_free_places(
        inside, expected):
    assert target(inside) == expected


def test_the_cover_is_a_setting_and_rounds_up():
    assert target(0, cover_minutes=5) == 150
    assert target(0, peak=0.05) == 1  # any entry at all: at least one credit
    assert target(0, peak=0) == 0
    assert target(0, peak=0, hint=30) == 30  # an idle gate keeps the stock it asks for


@pytest.mark.parametrize("inside,expected", [
    (800, 300),  # 10 %: 7,200 free, 360 each: the cover fits
    (4000, 200),  # 50 %: 4,000 free, 200 each
    (7200, 40),  # 90 %: 800 free, 40 each (the cover alone would be 60)
    (7990, 1),  # fewer places than gates: one each while they last
])
def test_no_gate_gets_more_than_its_share_of_the_free_places(inside, expected):
    assert target(inside, gates=20) == expected


def test_the_hint_is_a_minimum_within_the_fair_share():
    assert target(0, peak=10, hint=250) == 250
    assert target(7200, peak=0, hint=500, gates=4) == 200


def test_never_more_than_the_device_holds_plus_what_the_pool_can_grant():
    # 50 inside, 40 held elsewhere and 5 here: 5 grantable, so at most 10 here (share: 25)
    assert target(50, limit=100, gates=2, held=45, held_here=5, peak=60) == 10
    assert target(50, limit=100, gates=2, held=50, held_here=0, peak=60) == 0


@pytest.mark.parametrize("options", [
    {"limit": -1}, {"inside": -1}, {"gates": -1}, {"hint": -1}, {"peak": -1.0},
    {"peak": float("nan")}, {"cover_minutes": -1.0}, {"held": 1, "held_here": 2},
])
def test_bad_inputs_are_refused(options):
    with pytest.raises(LeaseError):
        target(options.pop("inside", 0), **options)


@given(limit=st.integers(0, 10_000), inside=st.integers(0, 10_000),
       holdings=st.lists(st.integers(0, 500), min_size=1, max_size=25),
       peaks=st.lists(st.floats(0, 120), min_size=1, max_size=25))
def test_topping_every_gate_up_to_its_target_never_exceeds_the_limit(
        limit, inside, holdings, peaks):
    inside = min(inside, limit)
    pool = OccupancyPool(limit, inside=inside)
    for device, held in enumerate(holdings):
        pool.grant(device, held)
    for device, peak in enumerate(peaks):
        held = pool.outstanding_for(device)
        wanted = stock_target(limit=limit, inside=pool.inside,
                              held=sum(pool.outstanding.values()),
                              gates=len(set(pool.outstanding) | {device}),
                              peak_per_minute=peak, held_here=held)
        assert pool.grant(device, max(0, wanted - held)) == max(0, wanted - held)
        assert pool.committed <= limit


def minutes_ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def test_the_peak_is_the_busiest_minute_of_the_window():
    # 3 entries every 6 s for 4 minutes (30 a minute), then a minute at 60 a minute
    reports = [(minutes_ago(10 - n / 10), 3) for n in range(41)]
    reports += [(minutes_ago(5.9 - n / 10), 6) for n in range(10)]
    assert peak_rate(reports, now=NOW, since=minutes_ago(10.1)) == pytest.approx(60)
    assert peak_rate(reports[:41], now=NOW, since=minutes_ago(10.1)) == pytest.approx(30)


def test_a_backlog_is_spread_over_the_time_since_the_report_before_it():
    # offline 20 minutes at 30 a minute: 600 entries in one report, counted at the average
    assert peak_rate([(NOW, 600)], now=NOW, since=minutes_ago(20)) == pytest.approx(30)
    assert peak_rate([(NOW, 600)], now=NOW) == pytest.approx(600)  # nothing before it


def test_reports_outside_the_window_do_not_count():
    assert peak_rate([(minutes_ago(16), 100)], now=NOW) == 0
    assert peak_rate([], now=NOW) == 0
    assert peak_rate([(minutes_ago(16), 100)], now=NOW,
                     window=timedelta(minutes=20)) == pytest.approx(100)
    with pytest.raises(LeaseError):
        peak_rate([], now=NOW, window=timedelta(0))

"""Leases sized to the gate: the grant covers minutes of the gate's recent peak rate."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

_ids = itertools.count(1)


def lease(app, device, request=0, **report) -> dict:
    lease_id = f"S{next(_ids)}"
    response = app.test_client().post("/api/v1/gate/leases", headers=device.headers, json={
        "lease_id": lease_id, "request": request, "report": report})
    assert response.status_code == 200, response.get_json()
    return {**response.get_json(), "lease_id": lease_id}


@pytest.fixture
def received(app):
    """``received(answer, seconds_ago)``: the lease report of that answer arrived then."""
    from registration.extensions import db
    from registration.models import DeviceLease

    def move(answer: dict, seconds_ago: float) -> None:
        at = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
        with app.app_context():
            db.session.execute(update(DeviceLease).where(
                DeviceLease.lease_id == answer["lease_id"]).values(created_at=at))
            db.session.commit()

    return move


@pytest.fixture
def venue(make_fair_day, make_device):
    make_fair_day("CNCC", offset=0, occupancy_limit=8000)
    return make_device("CNCC", "CNCC-E1"), make_device("CNCC", "CNCC-E2")


def admit_at_rate(app, device, received, per_report: int, every: float, reports: int,
                  ending: float = 0.0) -> None:
    """The device reported ``per_report`` entries every ``every`` seconds, the last report
    ``ending`` seconds ago (its credits leased first, long before)."""
    received(lease(app, device, request=per_report * reports), 3600)
    for n in range(reports):
        received(lease(app, device, entries=per_report), ending + (reports - 1 - n) * every)


def test_an_idle_gate_gets_the_stock_it_asks_for(app, venue):
    e1, _ = venue
    answer = lease(app, e1, request=30)
    # sized for no entries at all (target 0), but the kiosk's own stock is a minimum
    assert (answer["granted"], answer["target"], answer["peak_per_minute"]) == (30, 0, 0)
    # request 0 only reports: nothing is granted, whatever the target
    assert lease(app, e1)["granted"] == 0


def test_a_busy_gate_is_topped_up_to_ten_minutes_of_its_peak(app, venue, received):
    e1, _ = venue
    # 3 entries every 6 s for two minutes: 30 a minute
    admit_at_rate(app, e1, received, per_report=3, every=6, reports=30, ending=30)
    answer = lease(app, e1, request=1)
    assert answer["peak_per_minute"] == pytest.approx(30, abs=0.5)
    assert answer["target"] == pytest.approx(300, abs=5)
    assert answer["credits"] == answer["target"] and answer["granted"] > 200


def test_the_minutes_covered_are_a_setting(app, venue, received):
    _, e2 = venue
    app.config["GATE_STOCK_COVER_MINUTES"] = 5
    admit_at_rate(app, e2, received, per_report=3, every=6, reports=30, ending=30)
    assert lease(app, e2, request=1)["target"] == pytest.approx(150, abs=3)


def test_the_rate_forgets_entries_older_than_the_window(app, venue, received):
    e1, _ = venue
    admit_at_rate(app, e1, received, per_report=3, every=6, reports=30, ending=16 * 60)
    answer = lease(app, e1, request=1)
    assert answer["peak_per_minute"] == answer["target"] == 0 and answer["credits"] == 1
    app.config["GATE_STOCK_RATE_WINDOW_MINUTES"] = 30
    assert lease(app, e1, request=1)["peak_per_minute"] == pytest.approx(30, abs=0.5)


def test_a_backlog_after_a_partition_counts_as_its_average(app, venue, received):
    e1, _ = venue
    received(lease(app, e1, request=300), 10 * 60)  # the last report before the partition
    # Ten minutes offline at 30 a minute, reported at once on reconnecting.
    answer = lease(app, e1, request=30, entries=300)
    assert answer["peak_per_minute"] == pytest.approx(30, abs=0.5)
    assert answer["target"] == pytest.approx(300, abs=5)


def test_the_stock_shrinks_as_the_venue_fills_and_stays_fair(app, venue, received):
    e1, e2 = venue
    admit_at_rate(app, e1, received, per_report=3, every=6, reports=30)
    # 7,000 more people came in through E2, which then gave its credits back.
    for _ in range(7):
        lease(app, e2, request=1000)
        answer = lease(app, e2, entries=1000)
    answer = lease(app, e2, returned=answer["credits"])
    assert answer["pool"]["inside"] == 7000 + 90 and answer["credits"] == 0
    free = 8000 - answer["pool"]["inside"]
    answer = lease(app, e1, request=1)
    # cover: 300 x (2 x free / limit); E2 holds nothing any more, so E1 is the only gate
    assert answer["peak_per_minute"] == pytest.approx(30, abs=0.5)
    assert answer["target"] == pytest.approx(300 * 2 * free / 8000, abs=2)
    assert answer["pool"]["committed"] <= 8000
    # E2 asks for a big stock: its fair share of what is free at most, the limit held
    answer = lease(app, e2, request=1000)
    assert answer["target"] <= -(-(free) // 2) and answer["pool"]["committed"] <= 8000


def test_the_limit_holds_however_many_gates_ask(app, make_fair_day, make_device, received):
    make_fair_day("CNCC", offset=0, occupancy_limit=100)
    gates = [make_device("CNCC", f"CNCC-E{n}") for n in range(1, 6)]
    for gate in gates:
        admit_at_rate(app, gate, received, per_report=1, every=3, reports=10)
    answers = [lease(app, gate, request=50) for gate in gates]
    assert answers[-1]["pool"]["committed"] <= 100
    assert all(a["target"] <= 100 for a in answers)

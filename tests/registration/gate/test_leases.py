"""Occupancy leases: credits granted, spent, returned and freed, the limit always held."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

_ids = itertools.count(1)


def lease(app, device, request=0, lease_id=None, **report) -> dict:
    response = app.test_client().post("/api/v1/gate/leases", headers=device.headers, json={
        "lease_id": lease_id or f"L{next(_ids)}", "request": request, "report": report})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def limited(make_fair_day, make_device):
    day = make_fair_day("CNCC", offset=0, occupancy_limit=10)
    return day, make_device("CNCC", "CNCC-E1"), make_device("CNCC", "CNCC-E2")


def test_a_day_without_limit_needs_no_credits(app, make_fair_day, make_device):
    make_fair_day("CNCC", offset=0)
    answer = lease(app, make_device("CNCC"), request=50, entries=3)
    assert answer["limited"] is False and answer["pool"] is None and answer["granted"] == 0


def test_credits_are_granted_up_to_the_limit_and_retries_grant_nothing_more(app, limited):
    _, e1, e2 = limited
    first = lease(app, e1, request=6, lease_id="e1-1")
    assert (first["granted"], first["credits"]) == (6, 6)
    assert first["pool"] == {"limit": 10, "inside": 0, "committed": 6, "grantable": 4}
    assert lease(app, e2, request=6)["granted"] == 4
    retried = lease(app, e1, request=6, lease_id="e1-1")
    assert (retried["granted"], retried["credits"]) == (6, 6)
    assert retried["pool"]["committed"] == 10
    assert lease(app, e1, request=1)["granted"] == 0


def test_entries_returns_and_exits_move_places_through_the_pool(app, limited):
    _, e1, e2 = limited
    lease(app, e1, request=6)
    lease(app, e2, request=4)
    # E1 admitted 3 people on its credits and gives 2 unused back.
    answer = lease(app, e1, entries=3, returned=2)
    assert answer["credits"] == 1
    assert answer["pool"] == {"limit": 10, "inside": 3, "committed": 8, "grantable": 2}
    # Two of them left through E2: their places are grantable again. E2 asks for 4 more
    # but is topped up to its fair share of the 9 free places only (5 for each of 2 gates).
    answer = lease(app, e2, exits=2, request=4)
    assert answer["granted"] == 1 and answer["credits"] == 5
    assert answer["pool"] == {"limit": 10, "inside": 1, "committed": 7, "grantable": 3}
    # A recycled exit keeps the freed place at the gate instead.
    answer = lease(app, e1, recycled_exits=1)
    assert answer["credits"] == 2
    assert answer["pool"]["inside"] == 0 and answer["pool"]["committed"] == 7


def test_a_report_that_returns_more_than_held_is_rejected(app, limited, gate_error):
    _, e1, _ = limited
    lease(app, e1, request=2)
    response = app.test_client().post("/api/v1/gate/leases", headers=e1.headers, json={
        "lease_id": "too-many", "request": 0, "report": {"returned": 5}})
    assert gate_error(response, 409)["code"] == "lease_rejected"
    assert lease(app, e1)["credits"] == 2  # nothing of the refused report was applied


def test_entries_beyond_credits_are_counted_and_reported(app, limited):
    _, e1, _ = limited
    lease(app, e1, request=1)
    answer = lease(app, e1, entries=3)
    assert answer["overdraft"] == 2 and answer["pool"]["inside"] == 3


def test_many_kiosks_asking_at_once_never_exceed_the_limit(app, make_fair_day, make_device,
                                                           at_once):
    from registration.extensions import db
    from registration.models import DeviceCredits
    from registration.models import OccupancyPool as PoolRow

    make_fair_day("CNCC", offset=0, occupancy_limit=20)
    kiosks = [make_device("CNCC", f"CNCC-E{n}") for n in range(1, 9)]
    answers = at_once([lambda k=k: lease(app, k, request=5) for k in kiosks])
    assert sum(a["granted"] for a in answers) == 20
    with app.app_context():
        held = db.session.scalars(select(DeviceCredits.outstanding)).all()
        pool = db.session.scalar(select(PoolRow))
        assert sum(held) == pool.outstanding == 20 and pool.granted_total == 20


def test_online_admissions_share_the_pool_with_leased_kiosks(app, limited, book):
    day, e1, e2 = limited
    tokens = [book(day)["pass"]["token"] for _ in range(3)]
    lease(app, e2, request=9)

    def verify(token, direction="in"):
        return app.test_client().post("/api/v1/gate/verify", headers=e1.headers, json={
            "scan": token, "direction": direction, "gate": "CNCC-E1"}).get_json()["verdict"]

    assert verify(tokens[0])["reason"] == "ok"          # the tenth place
    assert verify(tokens[1])["reason"] == "venue_full"  # E2 holds the other nine
    lease(app, e2, returned=1)
    assert verify(tokens[1])["reason"] == "ok"
    assert verify(tokens[0], "out")["reason"] == "ok_exit"
    assert lease(app, e1, request=5)["granted"] == 1


def test_a_lease_id_of_another_day_is_a_conflict(app, limited, make_fair_day, gate_error):
    _, e1, _ = limited
    tomorrow = make_fair_day("CNCC", offset=1, occupancy_limit=5)
    lease(app, e1, request=1, lease_id="once")
    response = app.test_client().post("/api/v1/gate/leases", headers=e1.headers, json={
        "lease_id": "once", "request": 1, "date": tomorrow.isoformat()})
    assert gate_error(response, 409)["code"] == "lease_id_reused"


@pytest.mark.parametrize("body,field", [
    ({"request": -1}, "request"),
    ({"request": "5"}, "request"),
    ({"request": 1001}, "request"),
    ({"report": {"entries": -2}}, "report.entries"),
    ({"report": {"entries": 1.5}}, "report.entries"),
    ({"report": {"stolen": 1}}, "report.stolen"),
    ({"lease_id": ""}, "lease_id"),
])
def test_bad_lease_requests_are_422(app, limited, gate_error, body, field):
    _, e1, _ = limited
    request = {"lease_id": "bad", "request": 1, **body}
    response = app.test_client().post("/api/v1/gate/leases", json=request, headers=e1.headers)
    assert field in gate_error(response, 422)["fields"]


def test_the_largest_request_is_the_setting(app, limited, gate_error):
    _, e1, _ = limited
    app.config["GATE_LEASE_MAX_REQUEST"] = 5000
    assert lease(app, e1, request=4000)["granted"] == 10  # all the limit has
    app.config["GATE_LEASE_MAX_REQUEST"] = 3
    response = app.test_client().post("/api/v1/gate/leases", headers=e1.headers,
                                      json={"lease_id": "greedy", "request": 4})
    assert "request" in gate_error(response, 422)["fields"]
    assert lease(app, e1, request=3)["limited"] is True


def test_door_kiosks_of_one_room_asking_at_once_never_exceed_its_capacity(
        app, make_fair_day, make_device, room, at_once):
    """A room's pool holds like the venue's: eight door kiosks of a 12-place room asking
    for 5 each at once get 12 in all; the venue's own pool is not touched."""
    from registration.extensions import db
    from registration.models import OccupancyPool as PoolRow
    from registration.models import Zone

    make_fair_day("CNCC", offset=0, occupancy_limit=20)
    code = room("CNCC-R400", capacity=12)
    with app.app_context():
        from registration.services import zones
        zones.set_zone("CNCC", code, kind="forum_room", name_zh="400室", name_en="Room 400",
                       capacity=12, gates=[f"{code}-{n}" for n in range(2, 9)])
        db.session.commit()
    doors = [make_device("CNCC", code)] + [make_device("CNCC", f"{code}-{n}")
                                           for n in range(2, 9)]
    answers = at_once([lambda k=k: lease(app, k, request=5) for k in doors])
    assert sum(a["granted"] for a in answers) == 12
    with app.app_context():
        zone = db.session.scalar(select(Zone).where(Zone.code == code))
        pools = {row.zone_id: row for row in db.session.scalars(select(PoolRow))}
        assert pools[zone.id].outstanding == 12 and pools[zone.id].granted_total == 12
        assert None not in pools or pools[None].outstanding == 0

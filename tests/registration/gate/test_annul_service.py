"""Annul on the service ("the turnstile did not turn"): a kiosk's uploaded annul event and
a handheld's POST /api/v1/gate/annul mark the admission annulled and undo presence and
counts, once; too late or another device's admission is refused; a place is freed once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select


def event(id_: str, serial: str, at: datetime, *, gate="CNCC-E1", admit=True,
          reason="ok", **extra) -> dict:
    return {"id": id_, "pass_serial": serial, "gate": gate, "direction": "in",
            "admit": admit, "reason": reason, "scanned_at": at.isoformat(), "offline": True,
            **extra}


def annul_of(id_: str, target: str, serial: str, at: datetime, **extra) -> dict:
    return event(id_, serial, at, admit=False, reason="annulled", annuls=target, **extra)


def upload(app, device, *events) -> dict:
    response = app.test_client().post("/api/v1/gate/events", headers=device.headers,
                                      json={"events": list(events)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def presence_of(app, serial: str, zone: bool = False):
    from registration.extensions import db
    from registration.models import PassPresence, ZonePresence

    table = ZonePresence if zone else PassPresence
    with app.app_context():
        row = db.session.scalar(select(table).where(table.serial == serial))
        return None if row is None else (row.inside, row.entries)


def stored(app, event_id: str):
    from registration.extensions import db
    from registration.models import CheckInEvent

    with app.app_context():
        return db.session.scalar(select(CheckInEvent).where(CheckInEvent.event_id == event_id))


def admitted_today(app, day) -> int:
    from registration.extensions import db
    from registration.models import Venue
    from registration.services import presence

    with app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "CNCC"))
        return presence.count_admitted(venue.id, day, ["visitor"])


def test_an_annul_within_the_window_undoes_the_admission_once(app, gates, book):
    day, e1, _ = gates
    serial = book(day)["pass"]["serial"]
    now = datetime.now(timezone.utc)
    upload(app, e1, event("k1", serial, now - timedelta(seconds=30)))
    assert presence_of(app, serial) == (True, 1) and admitted_today(app, day) == 1
    answer = upload(app, e1, annul_of("k2", "k1", serial, now))
    assert answer["accepted"] == ["k2"] and answer["anomalies"] == []
    kept = stored(app, "k1")
    assert kept is not None and kept.annulled_at is not None and kept.reason == "ok"
    assert stored(app, "k2").annuls == "k1"
    assert presence_of(app, serial) == (False, 0) and admitted_today(app, day) == 0
    # The same upload again, and a second annul: nothing changes.
    again = upload(app, e1, annul_of("k2", "k1", serial, now))
    assert again["duplicates"] == ["k2"] and again["anomalies"] == []
    upload(app, e1, annul_of("k3", "k1", serial, now + timedelta(seconds=1)))
    assert stored(app, "k1").annulled_at == kept.annulled_at
    assert presence_of(app, serial) == (False, 0)
    # The pass may come in again.
    upload(app, e1, event("k4", serial, now + timedelta(seconds=5)))
    assert presence_of(app, serial) == (True, 1)


def test_late_or_foreign_annuls_are_refused_and_flagged(app, gates, book):
    day, e1, e2 = gates
    serial = book(day)["pass"]["serial"]
    now = datetime.now(timezone.utc)
    upload(app, e1, event("k1", serial, now - timedelta(seconds=31)))
    late = upload(app, e1, annul_of("k2", "k1", serial, now))
    assert late["anomalies"] == [{"event": "k2", "code": "annul_refused", "serial": serial}]
    assert stored(app, "k2").anomalies == "annul_refused"
    # Another device cannot annul E1's admission, even in time.
    upload(app, e1, event("k3", serial, now - timedelta(seconds=5), reason="duplicate_scan",
                          admit=False))
    other = upload(app, e2, annul_of("x1", "k1", serial, now, gate="CNCC-E2"))
    assert [a["code"] for a in other["anomalies"]] == ["annul_refused"]
    assert stored(app, "k1").annulled_at is None
    assert presence_of(app, serial) == (True, 1)


def test_an_annul_at_a_door_undoes_the_room_presence(app, gates, room, make_device, book):
    day, _, _ = gates
    room("CNCC-VIP", kind="vip_lounge")
    lounge = make_device("CNCC", "CNCC-VIP", name="lounge")
    serial = book(day)["pass"]["serial"]
    now = datetime.now(timezone.utc)
    upload(app, lounge, event("d1", serial, now - timedelta(seconds=3), gate="CNCC-VIP"))
    assert presence_of(app, serial, zone=True) == (True, 1)
    assert presence_of(app, serial) is None  # the venue's presence is the entrance's
    assert stored(app, "d1").zone_id is not None
    upload(app, lounge, annul_of("d2", "d1", serial, now, gate="CNCC-VIP"))
    assert presence_of(app, serial, zone=True) == (False, 0)


def pool_of(app):
    from registration.extensions import db
    from registration.models import OccupancyPool

    with app.app_context():
        pool = db.session.scalar(select(OccupancyPool).where(OccupancyPool.zone_id.is_(None)))
        return pool.inside, pool.outstanding


def test_a_handheld_annuls_online_and_frees_its_place_once(app, make_fair_day, make_device,
                                                           book, gate_error):
    from registration.extensions import db
    from registration.models import Device
    from registration.services import verify

    day = make_fair_day("CNCC", offset=0, occupancy_limit=10)
    hand = make_device("CNCC", "CNCC-E1", name="handheld")
    other = make_device("CNCC", "CNCC-E2", name="other")
    first, second = book(day), book(day)
    client = app.test_client()
    answer = client.post("/api/v1/gate/verify", headers=hand.headers, json={
        "scan": first["pass"]["token"], "direction": "in", "gate": "CNCC-E1", "id": "h1"})
    assert answer.get_json()["verdict"]["reason"] == "ok" and pool_of(app) == (1, 0)
    assert gate_error(client.post("/api/v1/gate/annul", headers=other.headers,
                                  json={"event_id": "h1"}), 404)["code"] == "event_not_found"
    done = client.post("/api/v1/gate/annul", headers=hand.headers, json={"event_id": "h1"})
    assert done.status_code == 200
    assert done.get_json() == {"event_id": "h1", "annulled": True, "first": True,
                               "status": "annulled"}
    assert pool_of(app) == (0, 0) and presence_of(app, first["pass"]["serial"]) == (False, 0)
    again = client.post("/api/v1/gate/annul", headers=hand.headers, json={"event_id": "h1"})
    assert again.get_json()["first"] is False and pool_of(app) == (0, 0)
    # Too late: an admission 31 s ago.
    with app.app_context():
        verify.verify_scan(db.session.get(Device, hand.id), second["pass"]["token"], "in",
                           "CNCC-E1", event_id="h2",
                           now=datetime.now(timezone.utc) - timedelta(seconds=31))
        db.session.commit()
    late = client.post("/api/v1/gate/annul", headers=hand.headers, json={"event_id": "h2"})
    assert gate_error(late, 409)["code"] == "annul_too_late"
    assert pool_of(app) == (1, 0)


def test_a_kiosks_annul_leaves_the_place_to_its_credit_report(
        app, make_fair_day, make_device, book):
    day = make_fair_day("CNCC", offset=0, occupancy_limit=10)
    kiosk = make_device("CNCC", "CNCC-E1")
    a, b = book(day)["pass"]["serial"], book(day)["pass"]["serial"]
    client = app.test_client()

    def lease(lease_id, request=0, **report):
        response = client.post("/api/v1/gate/leases", headers=kiosk.headers, json={
            "lease_id": lease_id, "request": request, "report": report})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    lease("l1", 5)
    lease("l2", entries=2)  # A and B went in on two credits
    assert pool_of(app) == (2, 3)
    now = datetime.now(timezone.utc)
    upload(app, kiosk, event("k1", a, now - timedelta(seconds=9)),
           event("k2", b, now - timedelta(seconds=5)), annul_of("k3", "k2", b, now))
    assert pool_of(app) == (2, 3)  # the upload leaves the pool to the kiosk's report
    lease("l3", recycled_exits=1)  # the kiosk kept B's place as a credit
    assert pool_of(app) == (1, 4)
    assert presence_of(app, a) == (True, 1) and presence_of(app, b) == (False, 0)


def test_only_an_annul_event_annuls_an_admission(app, gates, book):
    day, e1, _ = gates
    serial = book(day)["pass"]["serial"]
    now = datetime.now(timezone.utc)
    upload(app, e1, event("k1", serial, now))
    answer = upload(app, e1, event("k2", serial, now, admit=False, reason="duplicate_scan",
                                   annuls="k1"))
    assert answer["accepted"] == ["k2"] and answer["anomalies"] == []
    assert stored(app, "k1").annulled_at is None and stored(app, "k2").annuls is None
    assert presence_of(app, serial) == (True, 1)

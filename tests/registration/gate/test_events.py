"""Check-in event upload: idempotent by id, anomalies flagged, nothing silently dropped."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

NOW = datetime.now(timezone.utc)


def event(event_id: str, serial: str | None = None, *, gate="CNCC-E1", direction="in",
          admit=True, reason="ok", at=None, offline=True, **extra) -> dict:
    body = {"id": event_id, "gate": gate, "direction": direction, "admit": admit,
            "reason": reason, "scanned_at": (at or datetime.now(timezone.utc)).isoformat(),
            "offline": offline, **extra}
    if serial:
        body["pass_serial"] = serial
    return body


@pytest.fixture
def gate_day(make_fair_day, make_device):
    day = make_fair_day("CNCC", offset=0)
    make_fair_day("SHOUGANG", offset=0)
    return day, make_device("CNCC", "CNCC-E1"), make_device("CNCC", "CNCC-E2")


def upload(app, device, events):
    return app.test_client().post("/api/v1/gate/events", json={"events": events},
                                  headers=device.headers)


def stored_events(app, **where):
    from registration.extensions import db
    from registration.models import CheckInEvent

    with app.app_context():
        query = select(CheckInEvent)
        for name, value in where.items():
            query = query.where(getattr(CheckInEvent, name) == value)
        return [(e.event_id, e.serial, e.anomalies) for e in
                db.session.scalars(query.order_by(CheckInEvent.id))]


def test_a_retried_batch_changes_nothing_and_reports_duplicates(app, gate_day, book):
    day, kiosk, _ = gate_day
    serials = [book(day)["pass"]["serial"] for _ in range(3)]
    batch = [event(f"k1-{n}", serial) for n, serial in enumerate(serials)]
    first = upload(app, kiosk, batch).get_json()
    assert first["accepted"] == ["k1-0", "k1-1", "k1-2"]
    assert first["duplicates"] == [] and first["anomalies"] == []
    stored = stored_events(app)
    again = upload(app, kiosk, batch).get_json()
    assert again["accepted"] == [] and again["duplicates"] == ["k1-0", "k1-1", "k1-2"]
    assert again["anomalies"] == []
    assert stored_events(app) == stored
    # One id twice in a batch is stored once.
    twice = upload(app, kiosk, [event("k1-9", serials[0], direction="out", reason="ok_exit")] * 2)
    assert twice.get_json()["accepted"] == ["k1-9"]
    assert twice.get_json()["duplicates"] == ["k1-9"]


def test_two_identical_uploads_racing_store_each_event_once(app, gate_day, book, at_once):
    day, kiosk, _ = gate_day
    serials = [book(day)["pass"]["serial"] for _ in range(4)]
    batch = [event(f"race-{n}", serial) for n, serial in enumerate(serials)]
    answers = at_once([lambda: upload(app, kiosk, batch).get_json()] * 3)
    ids = {e["id"] for e in batch}
    accepted = [i for answer in answers for i in answer["accepted"]]
    assert sorted(accepted) == sorted(ids)  # each accepted exactly once, in one answer
    for answer in answers:
        assert set(answer["accepted"]) | set(answer["duplicates"]) == ids
    assert len(stored_events(app)) == len(ids)


def test_a_pass_admitted_at_two_gates_offline_is_kept_and_reported(app, gate_day, book):
    from registration.extensions import db
    from registration.models import PassPresence

    day, kiosk_1, kiosk_2 = gate_day
    serial = book(day)["pass"]["serial"]
    at = datetime.now(timezone.utc) - timedelta(minutes=5)
    assert upload(app, kiosk_1, [event("a-1", serial, at=at)]).get_json()["anomalies"] == []
    answer = upload(app, kiosk_2, [event("b-1", serial, gate="CNCC-E2",
                                         at=at + timedelta(seconds=40))]).get_json()
    assert answer["accepted"] == ["b-1"]
    assert answer["anomalies"] == [{
        "event": "b-1", "code": "double_admission", "serial": serial, "gate": "CNCC-E2",
        "other_gate": "CNCC-E1", "other_event": "a-1"}]
    flagged = {event_id: anomalies for event_id, _, anomalies in stored_events(app)}
    assert flagged == {"a-1": "double_admission", "b-1": "double_admission"}
    with app.app_context():
        row = db.session.scalar(select(PassPresence).where(PassPresence.serial == serial))
        assert (row.entries, row.inside, row.last_gate) == (2, True, "CNCC-E2")


def test_late_events_are_replayed_in_scan_order(app, gate_day, book):
    """Out at E2 arrives before the earlier in at E1: no anomaly, the holder is outside."""
    from registration.extensions import db
    from registration.models import PassPresence

    day, kiosk_1, kiosk_2 = gate_day
    serial = book(day)["pass"]["serial"]
    at = datetime.now(timezone.utc) - timedelta(minutes=30)
    out = upload(app, kiosk_2, [event("b-out", serial, gate="CNCC-E2", direction="out",
                                      reason="not_inside", at=at + timedelta(minutes=20))])
    assert out.get_json()["anomalies"] == []
    late = upload(app, kiosk_1, [event("a-in", serial, at=at)])
    assert late.get_json()["anomalies"] == []
    with app.app_context():
        row = db.session.scalar(select(PassPresence).where(PassPresence.serial == serial))
        assert (row.entries, row.exits, row.inside, row.last_direction) == (1, 1, False, "out")


def test_unknown_passes_and_unidentified_scans_are_kept(app, gate_day):
    _, kiosk, _ = gate_day
    answer = upload(app, kiosk, [
        event("u-1", "AAAAAAAAAAAAAAAA", admit=False, reason="unknown_key"),
        event("u-2", None, admit=False, reason="unreadable"),
        event("u-3", None, document_index="ab" * 20, admit=False, reason="no_appointment"),
    ]).get_json()
    assert answer["accepted"] == ["u-1", "u-2", "u-3"]
    assert {(a["event"], a["code"]) for a in answer["anomalies"]} == {
        ("u-1", "unknown_pass"), ("u-3", "unknown_pass")}
    assert [row[2] for row in stored_events(app)] == ["unknown_pass", None, "unknown_pass"]


def test_an_id_card_event_is_matched_to_its_booking(app, gate_day, book):
    from gate.documents import parse_document
    from gate.lookup import LookupParams, gate_lookup_index

    day, kiosk, _ = gate_day
    booking = book(day)
    # The kiosk has the index parameters (and the service the booking's index) from its
    # manifest pull.
    page = app.test_client().get("/api/v1/gate/manifest", headers=kiosk.headers).get_json()
    index = gate_lookup_index(LookupParams.from_wire(page["lookup_kdf"]),
                              parse_document("cn_resident_id", booking["number"]).key)
    answer = upload(app, kiosk, [event("id-1", None, document_index=index)]).get_json()
    assert answer["anomalies"] == []
    assert stored_events(app)[0][1] == booking["pass"]["serial"]


def test_events_from_the_future_or_far_past_are_stored_and_flagged(app, gate_day, book):
    day, kiosk, _ = gate_day
    serial = book(day)["pass"]["serial"]
    now = datetime.now(timezone.utc)
    answer = upload(app, kiosk, [
        event("t-future", serial, at=now + timedelta(hours=2), admit=False,
              reason="outside_hours"),
        event("t-past", serial, at=now - timedelta(days=5), admit=False, reason="wrong_day"),
        event("t-skew", serial, at=now + timedelta(seconds=60), admit=False,
              reason="duplicate_scan"),
    ]).get_json()
    assert answer["accepted"] == ["t-future", "t-past", "t-skew"]
    assert {(a["event"], a["code"]) for a in answer["anomalies"]} == {
        ("t-future", "future_timestamp"), ("t-past", "stale_timestamp")}
    # A retry of the same batch repeats the stored anomalies (the first answer may be lost).
    again = upload(app, kiosk, [event("t-future", serial, at=now + timedelta(hours=2),
                                      admit=False, reason="outside_hours")]).get_json()
    assert again["duplicates"] == ["t-future"]
    assert [a["code"] for a in again["anomalies"]] == ["future_timestamp"]


def test_a_reused_id_with_other_content_is_flagged(app, gate_day, book):
    day, kiosk, _ = gate_day
    serial = book(day)["pass"]["serial"]
    upload(app, kiosk, [event("same", serial, admit=False, reason="wrong_day")])
    answer = upload(app, kiosk, [event("same", serial, admit=True, reason="ok")]).get_json()
    assert answer["duplicates"] == ["same"]
    assert [a["code"] for a in answer["anomalies"]] == ["id_reused"]


def test_an_oversized_batch_is_refused_whole(app, gate_day, gate_error):
    _, kiosk, _ = gate_day
    batch = [event(f"big-{n}", None, admit=False, reason="unreadable") for n in range(1001)]
    error = gate_error(upload(app, kiosk, batch), 413)
    assert error["code"] == "batch_too_large" and error["fields"]["events"]
    assert stored_events(app) == []
    assert upload(app, kiosk, batch[:1000]).status_code == 200


@pytest.mark.parametrize("limit", [1200, 3])
def test_the_batch_limit_is_the_setting(app, gate_day, gate_error, limit):
    # 413 either way (not 422): it tells the kiosk to split the batch, not to drop it.
    _, kiosk, _ = gate_day
    app.config["GATE_EVENT_BATCH_MAX"] = limit
    batch = [event(f"cap-{n}", None, admit=False, reason="unreadable")
             for n in range(limit + 1)]
    error = gate_error(upload(app, kiosk, batch), 413)
    assert error["code"] == "batch_too_large" and str(limit) in error["fields"]["events"]
    answer = upload(app, kiosk, batch[:limit])
    assert answer.status_code == 200 and len(answer.get_json()["accepted"]) == limit


@pytest.mark.parametrize("change,field", [
    ({"scanned_at": "2026-11-22T10:00:00"}, "events.0.scanned_at"),   # no time zone
    ({"scanned_at": "yesterday"}, "events.0.scanned_at"),
    ({"reason": "let_in"}, "events.0.reason"),
    ({"direction": "sideways"}, "events.0.direction"),
    ({"admit": "yes"}, "events.0.admit"),
    ({"id": ""}, "events.0.id"),
    ({"id": "x" * 65}, "events.0.id"),
    ({"pass_serial": "AAAAAAAAAAAAAAAA", "document_index": "ab"}, "events.0.document_index"),
    ({"document_index": "NOT-HEX"}, "events.0.document_index"),
    ({"extra": 1}, "events.0.extra"),
])
def test_malformed_events_are_422_naming_the_field(app, gate_day, gate_error, change, field):
    _, kiosk, _ = gate_day
    body = {**event("bad-1", None, admit=False, reason="unreadable"), **change}
    error = gate_error(upload(app, kiosk, [body]), 422)
    assert field in error["fields"], error["fields"]
    assert stored_events(app) == []


@pytest.mark.parametrize("payload", [b"{", b"[]", b'{"events": "many"}', b'{"events": [1]}'])
def test_malformed_bodies_are_422(app, gate_day, gate_error, payload):
    _, kiosk, _ = gate_day
    response = app.test_client().post("/api/v1/gate/events", data=payload,
                                      content_type="application/json", headers=kiosk.headers)
    assert gate_error(response, 422)["code"] == "invalid_input"


def test_an_event_at_another_venues_gate_is_403(app, gate_day, gate_error):
    from registration.extensions import db
    from registration.models import CheckInEvent

    _, kiosk, _ = gate_day
    error = gate_error(upload(app, kiosk, [event("v-1", None, gate="SHOUGANG-E1",
                                                 admit=False, reason="unreadable")]), 403)
    assert error["code"] == "other_gate" and "events.0.gate" in error["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckInEvent)) == 0


def test_purge_erases_the_document_index_of_old_id_card_scans(app, gate_day, book):
    from registration.extensions import db
    from registration.models import CheckInEvent
    from registration.services.purge import purge_identity_data

    day, kiosk, _ = gate_day
    upload(app, kiosk, [event("card-1", None, document_index="ab" * 20, admit=False,
                              reason="no_appointment")])
    with app.app_context():
        assert purge_identity_data(30, today=day + timedelta(days=29)) == 0
        db.session.commit()
        assert db.session.scalar(select(CheckInEvent.document_index)) == "ab" * 20
        purge_identity_data(30, today=day + timedelta(days=31))
        db.session.commit()
        remaining = db.session.scalars(select(CheckInEvent)).all()
        assert len(remaining) == 1 and remaining[0].document_index is None


def test_a_device_of_one_venue_cannot_mark_another_venues_visitor_inside(
        app, gate_day, book, make_device):
    """The attack: a CNCC kiosk uploads 'admitted at CNCC-E1' for a SHOUGANG pass. The event
    is refused by name (kept for the record) and SHOUGANG still admits its visitor."""
    from registration.extensions import db
    from registration.models import CheckInEvent, PassPresence

    day, kiosk, _ = gate_day
    shougang = make_device("SHOUGANG", "SHOUGANG-E1")
    visitor = book(day, venue="SHOUGANG")
    serial = visitor["pass"]["serial"]
    attack = event("x-1", serial)
    response = upload(app, kiosk, [attack, event("x-2", book(day)["pass"]["serial"])])
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["accepted"] == ["x-1", "x-2"]  # both stored: the kiosk may drop them
    assert answer["anomalies"] == [{"event": "x-1", "code": "wrong_venue", "serial": serial}]
    with app.app_context():
        stored = db.session.scalar(select(CheckInEvent).where(CheckInEvent.event_id == "x-1"))
        assert (stored.anomalies, stored.appointment_id) == ("wrong_venue", None)
        assert db.session.scalar(select(PassPresence).where(PassPresence.serial == serial)) \
            is None
    client = app.test_client()
    [item] = [i for i in client.get("/api/v1/gate/manifest", headers=shougang.headers)
              .get_json()["appointments"] if i["serial"] == serial]
    assert item["presence"] is None
    verdict = client.post("/api/v1/gate/verify", headers=shougang.headers, json={
        "scan": visitor["pass"]["token"], "direction": "in",
        "gate": "SHOUGANG-E1"}).get_json()["verdict"]
    assert (verdict["admit"], verdict["reason"]) == (True, "ok")
    # Nor can it let SHOUGANG's visitor out (which would let the pass in a second time).
    out = upload(app, kiosk, [event("x-3", serial, direction="out", reason="ok_exit")])
    assert out.get_json()["anomalies"] == [
        {"event": "x-3", "code": "wrong_venue", "serial": serial}]
    [item] = [i for i in client.get("/api/v1/gate/manifest", headers=shougang.headers)
              .get_json()["appointments"] if i["serial"] == serial]
    assert (item["presence"]["inside"], item["presence"]["entries"]) == (True, 1)
    assert item["presence"]["last_gate"] == "SHOUGANG-E1"
    # Retried, the refusal is named again.
    again = upload(app, kiosk, [attack]).get_json()
    assert again["duplicates"] == ["x-1"]
    assert again["anomalies"] == [{"event": "x-1", "code": "wrong_venue", "serial": serial}]

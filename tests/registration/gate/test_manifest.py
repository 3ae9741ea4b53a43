"""The gate manifest: full pull, incremental pulls by cursor, and what never leaves."""
from __future__ import annotations

import json
import threading
import time as clock
from datetime import timedelta

import pytest
from sqlalchemy import select

from gate.documents import parse_document
from gate.lookup import LookupParams, gate_lookup_index
from schemas.gate import ManifestPageSchema


def pull(client, device, cursor=None, limit=None, **query):
    """Every page from ``cursor`` on, as (pages, final cursor, raw JSON texts)."""
    pages, texts = [], []
    while True:
        params = {k: v for k, v in {"cursor": cursor, "limit": limit, **query}.items() if v}
        response = client.get("/api/v1/gate/manifest", query_string=params,
                              headers=device.headers)
        assert response.status_code == 200, response.get_json()
        texts.append(response.get_data(as_text=True))
        page = ManifestPageSchema().load(response.get_json())  # the kiosk's view of it
        pages.append(page)
        cursor = page["cursor"]
        if not page["has_more"]:
            return pages, cursor, texts


def apply(store: dict, pages) -> dict:
    """What a kiosk does: a reset clears the venue-day, items are upserted by serial."""
    for page in pages:
        if page["reset"]:
            store.clear()
        for item in page["appointments"]:
            store[item["serial"]] = item
    return store


@pytest.fixture
def cncc(make_fair_day, make_device):
    day = make_fair_day("CNCC", offset=0, quota=50)
    make_fair_day("SHOUGANG", offset=0)
    return day, make_device("CNCC", "CNCC-E1")


def test_full_pull_in_pages_gives_every_pass_of_the_venue_day(app, cncc, book):
    day, device = cncc
    booked = [book(day) for _ in range(5)]
    book(day, venue="SHOUGANG")  # another venue's booking is not in CNCC's manifest
    pages, cursor, texts = pull(app.test_client(), device, limit=2)
    assert [p["reset"] for p in pages] == [True, False, False]
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert all(p["full"] for p in pages)
    store = apply({}, pages)
    assert set(store) == {b["pass"]["serial"] for b in booked}
    item = store[booked[0]["pass"]["serial"]]
    assert item["status"] == "active" and item["kind"] == "visitor"
    # The masked name as the booking shows it; of the document, the last two characters.
    holder = booked[0]["appointment"]["holder"]
    assert item["holder"] == {"name": holder["name"],
                              "document": "*" * 16 + booked[0]["number"][-2:]}
    assert item["presence"] is None and item["slot"] is None
    first = pages[0]
    assert first["venue"] == "CNCC" and first["date"] == day.isoformat()
    assert first["policy"]["quota"] == 50 and first["policy"]["reentry_allowed"] is True
    keys = app.test_client().get("/api/v1/keys").get_json()["keys"]
    assert first["keys"] == keys
    # Nothing in the manifest is a plain document number.
    for booking in booked:
        assert all(booking["number"] not in text for text in texts)
    # Again from the final cursor: nothing new.
    again, same_cursor, _ = pull(app.test_client(), device, cursor=cursor)
    assert again[0]["appointments"] == [] and same_cursor == cursor and not again[0]["reset"]


def test_a_kiosk_finds_an_id_card_with_the_venue_day_key(app, cncc, book):
    day, device = cncc
    booking = book(day)
    pages, _, _ = pull(app.test_client(), device)
    params = LookupParams.from_wire(pages[0]["lookup_kdf"])
    document = parse_document("cn_resident_id", booking["number"])
    index = gate_lookup_index(params, document.key)
    found = [item for item in apply({}, pages).values() if item["gate_index"] == index]
    assert [item["serial"] for item in found] == [booking["pass"]["serial"]]


def test_incremental_pull_shows_cancel_change_new_booking_and_check_in(
        app, cncc, book, make_fair_day, make_device):
    from registration.extensions import db
    from registration.services import booking as booking_service

    day, device = cncc
    tomorrow = make_fair_day("CNCC", offset=1)
    stays, cancelled, moved = book(day), book(day), book(day)
    client = app.test_client()
    store = {}
    pages, cursor, _ = pull(client, device)
    apply(store, pages)

    assert client.post(f"/api/v1/appointments/{cancelled['appointment']['code']}/cancel",
                       json={"document_number": cancelled["number"]}).status_code == 200
    with app.app_context():
        appointment = booking_service.find_by_code_and_document(
            moved["appointment"]["code"], moved["number"])
        booking_service.change_appointment(appointment, venue="CNCC", day=tomorrow, slot=None)
        db.session.commit()
    new = book(day)
    other_gate = make_device("CNCC", "CNCC-E2")
    verdict = client.post("/api/v1/gate/verify", headers=other_gate.headers, json={
        "scan": stays["pass"]["token"], "direction": "in", "gate": "CNCC-E2"}).get_json()
    assert verdict["verdict"]["reason"] == "ok"

    pages, cursor, texts = pull(client, device, cursor=cursor)
    assert not pages[0]["reset"] and not pages[0]["full"]
    changed = {item["serial"]: item for page in pages for item in page["appointments"]}
    assert changed[cancelled["pass"]["serial"]]["status"] == "cancelled"
    assert changed[cancelled["pass"]["serial"]]["gate_index"] is None
    assert changed[moved["pass"]["serial"]]["status"] == "revoked"
    assert changed[new["pass"]["serial"]]["status"] == "active"
    presence = changed[stays["pass"]["serial"]]["presence"]
    assert presence["inside"] is True and presence["last_gate"] == "CNCC-E2"
    assert presence["entries"] == 1
    revoked = {serial for page in pages for serial in page["revoked"]}
    assert {cancelled["pass"]["serial"], moved["pass"]["serial"]} <= revoked
    assert all(b["number"] not in text for b in (stays, cancelled, moved, new) for text in texts)

    # Applying the same changes twice, or pulling everything afresh, ends the same.
    apply(store, pages)
    apply(store, pages)
    fresh = apply({}, pull(client, device)[0])
    assert {s: _comparable(i) for s, i in store.items()} == \
        {s: _comparable(i) for s, i in fresh.items()}
    # The moved booking's new pass is in tomorrow's manifest.
    tomorrow_store = apply({}, pull(client, device, date=tomorrow.isoformat())[0])
    assert any(item["status"] == "active" for item in tomorrow_store.values())


def _comparable(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "seq"}


def test_a_revoked_pass_reaches_the_kiosk(app, cncc, book):
    from registration.extensions import db
    from registration.models import RevocationCause
    from registration.services import passes

    day, device = cncc
    booking = book(day)
    client = app.test_client()
    _, cursor, _ = pull(client, device)
    with app.app_context():
        passes.revoke_pass(passes.get_pass(booking["pass"]["serial"]),
                           RevocationCause.STAFF_REVOKED, "lost")
        db.session.commit()
    pages, _, _ = pull(client, device, cursor=cursor)
    assert [i["status"] for i in pages[0]["appointments"]] == ["revoked"]
    assert pages[0]["revoked"] == [booking["pass"]["serial"]]


def test_a_change_that_commits_late_is_not_skipped(app, cncc, book, backend):
    """Change numbers are taken under the venue-day's feed lock, so a writer that got a
    number first commits first; a kiosk pulling in between never passes a late commit."""
    from registration.extensions import db
    from registration.models import FairDay, ManifestChange, Pass
    from registration.services import manifest

    day, device = cncc
    early = book(day)
    client = app.test_client()
    _, cursor, _ = pull(client, device)
    holding, release, later = threading.Event(), threading.Event(), {}

    def slow_writer():
        with app.app_context():
            fair_day_id = db.session.scalar(select(FairDay.id).where(FairDay.date == day))
            pass_id = db.session.scalar(select(Pass.id).where(
                Pass.serial == early["pass"]["serial"]))
            manifest.bump_entries(fair_day_id, [pass_id], ManifestChange.PRESENCE)
            holding.set()
            release.wait(20)
            db.session.commit()

    def fast_writer():
        later["booking"] = book(day)

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert holding.wait(20)
    fast = threading.Thread(target=fast_writer)
    fast.start()
    clock.sleep(1.0)
    assert fast.is_alive(), "a later change committed before an earlier one"
    if backend == "postgresql":  # SQLite's one writer lock would hold the puller too
        pages, cursor, _ = pull(client, device, cursor=cursor)
        assert pages[0]["appointments"] == []  # nothing committed yet, cursor unchanged
    release.set()
    slow.join(30)
    fast.join(30)
    pages, _, _ = pull(client, device, cursor=cursor)
    serials = [item["serial"] for page in pages for item in page["appointments"]]
    assert serials == [early["pass"]["serial"], later["booking"]["pass"]["serial"]]


def test_concurrent_writers_and_a_puller_lose_nothing(app, cncc, booking_body, at_once):
    day, device = cncc
    client = app.test_client()
    store, cursor = {}, None
    pages, cursor, _ = pull(client, device)
    apply(store, pages)
    done = threading.Event()
    bodies = [booking_body(day) for _ in range(12)]

    def booker(body):
        def run():
            response = app.test_client().post("/api/v1/appointments", json=body)
            return response.get_json()["pass"]["serial"]
        return run

    def puller():
        nonlocal cursor
        while not done.is_set():
            pages, cursor, _ = pull(app.test_client(), device, cursor=cursor)
            apply(store, pages)
        return None

    thread = threading.Thread(target=puller)
    thread.start()
    serials = at_once([booker(body) for body in bodies])
    done.set()
    thread.join(60)
    apply(store, pull(client, device, cursor=cursor)[0])
    assert set(serials) <= set(store)


def test_manifest_dates_cursors_and_venues(app, cncc, make_fair_day, gate_error):
    day, device = cncc
    client = app.test_client()
    tomorrow = make_fair_day("CNCC", offset=1)
    make_fair_day("CNCC", offset=2)

    def get(**query):
        return client.get("/api/v1/gate/manifest", query_string=query, headers=device.headers)

    assert get(date=tomorrow.isoformat()).get_json()["date"] == tomorrow.isoformat()
    assert gate_error(get(date=(day + timedelta(days=2)).isoformat()), 403)["code"] == \
        "date_not_allowed"
    assert gate_error(get(date=(day - timedelta(days=1)).isoformat()), 403)
    assert gate_error(get(cursor="garbage"), 422)["fields"]["cursor"]
    assert gate_error(get(limit=0), 422)["fields"]["limit"]
    assert gate_error(get(colour="red"), 422)["fields"]["colour"]
    assert gate_error(get(venue="SHOUGANG"), 403)["code"] == "other_venue"
    today_cursor = get().get_json()["cursor"]
    # A cursor of another day (the kiosk kept yesterday's) starts a full pull of this one.
    assert get(date=tomorrow.isoformat(), cursor=today_cursor).get_json()["reset"] is True
    # A cursor ahead of the service (a restored database) does too.
    ahead = today_cursor.split(".")
    ahead[2] = "999999"
    assert get(cursor=".".join(ahead)).get_json()["reset"] is True


def test_the_largest_page_is_the_setting(app, cncc, book, gate_error):
    day, device = cncc
    for _ in range(3):
        book(day)
    client = app.test_client()

    def get(limit):
        return client.get("/api/v1/gate/manifest", query_string={"limit": limit},
                          headers=device.headers)

    app.config["GATE_MANIFEST_PAGE_MAX"] = 50000
    assert len(get(30000).get_json()["appointments"]) == 3
    app.config["GATE_MANIFEST_PAGE_MAX"] = 2
    assert gate_error(get(3), 422)["fields"]["limit"]
    page = get(2).get_json()
    assert len(page["appointments"]) == 2 and page["has_more"] is True


def test_the_policy_carries_the_venues_own_time_zone(app, cncc):
    from registration.extensions import db
    from registration.services import operations

    _, device = cncc
    with app.app_context():
        # Same offset as Beijing, so "today at the venue" stays the test's day.
        operations.set_venue("CNCC", "国家会议中心", "CNCC", timezone="Asia/Hong_Kong")
        db.session.commit()
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center")
        db.session.commit()  # a rename keeps the zone
    page = app.test_client().get("/api/v1/gate/manifest", headers=device.headers).get_json()
    assert page["policy"]["timezone"] == "Asia/Hong_Kong"


def test_no_fair_day_is_404(app, make_fair_day, make_device, gate_error):
    make_fair_day("CNCC", offset=1)
    device = make_device("CNCC")
    response = app.test_client().get("/api/v1/gate/manifest", headers=device.headers)
    assert gate_error(response, 404)["code"] == "day_not_found"


def test_slots_appear_with_their_window(app, make_fair_day, make_device, book):
    from datetime import time

    day = make_fair_day("CNCC", offset=0, slots=[("AM", time(0, 0), time(12, 0), 10)])
    device = make_device("CNCC")
    booking = book(day, slot="AM")
    pages, _, texts = pull(app.test_client(), device)
    item = apply({}, pages)[booking["pass"]["serial"]]
    assert item["slot"] == {"code": "AM", "start": "00:00", "end": "12:00"}
    assert json.loads(texts[0])["appointments"][0]["slot"]["code"] == "AM"

"""The kiosks' ID-card look-up indexes on the service: never on the booking path, computed by
the manifest within a time budget or ahead by `fairgate gate prepare`, once per booking."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gate.documents import parse_document
from gate.lookup import LookupParams, gate_lookup_index
from schemas.gate import ManifestPageSchema


def get_page(client, device, cursor=None, **query) -> dict:
    params = {k: v for k, v in {"cursor": cursor, **query}.items() if v}
    response = client.get("/api/v1/gate/manifest", query_string=params, headers=device.headers)
    assert response.status_code == 200, response.get_json()
    return ManifestPageSchema().load(response.get_json())


def pull(client, device, cursor=None, **query) -> list[dict]:
    pages = [get_page(client, device, cursor, **query)]
    while pages[-1]["has_more"]:
        pages.append(get_page(client, device, pages[-1]["cursor"], **query))
    return pages


def kiosk_index(page: dict, number: str) -> str:
    """What a kiosk computes for an ID card with this page's parameters."""
    return gate_lookup_index(LookupParams.from_wire(page["lookup_kdf"]),
                             parse_document("cn_resident_id", number).key)


def stored_indexes(app) -> dict[str, str | None]:
    """Booking code -> the appointment's stored gate index."""
    from registration.extensions import db
    from registration.models import Appointment

    with app.app_context():
        return dict(db.session.execute(select(Appointment.code, Appointment.gate_index)).all())


@pytest.fixture
def cncc(make_fair_day, make_device):
    day = make_fair_day("CNCC", offset=0, quota=50)
    make_fair_day("CNCC", offset=1, quota=50)
    make_fair_day("SHOUGANG", offset=0)
    return day, make_device("CNCC", "CNCC-E1")


def test_booking_computes_no_index_and_the_manifest_does(app, cncc, book):
    day, device = cncc
    booked = [book(day) for _ in range(3)]
    assert set(stored_indexes(app).values()) == {None}  # booking paid no Argon2id
    pages = pull(app.test_client(), device)
    items = {item["serial"]: item for page in pages for item in page["appointments"]}
    stored = stored_indexes(app)
    for booking in booked:
        index = kiosk_index(pages[0], booking["number"])
        assert items[booking["pass"]["serial"]]["gate_index"] == index
        assert stored[booking["appointment"]["code"]] == index  # kept: computed once


def test_the_header_carries_the_kdf_parameters_pinned_per_venue_day(app, cncc, book,
                                                                    make_device):
    day, device = cncc
    book(day)
    raw = app.test_client().get("/api/v1/gate/manifest", headers=device.headers).get_json()
    assert "lookup_key" not in raw
    kdf = raw["lookup_kdf"]
    assert {k: v for k, v in kdf.items() if k != "salt"} == {
        "algorithm": "argon2id", "version": 19, "time_cost": 1, "memory_kib": 64,
        "parallelism": 1, "length": 20}
    assert len(LookupParams.from_wire(kdf).salt) == 16
    shougang = get_page(app.test_client(), make_device("SHOUGANG", "SHOUGANG-E1"))
    # New settings apply to venue-days not used yet; indexes handed out stay valid.
    app.config.update(GATE_LOOKUP_KDF_TIME_COST=2, GATE_LOOKUP_KDF_MEMORY_KIB=128)
    assert get_page(app.test_client(), device)["lookup_kdf"] == kdf
    tomorrow = get_page(app.test_client(), device,
                        date=(day + timedelta(days=1)).isoformat())["lookup_kdf"]
    assert (tomorrow["time_cost"], tomorrow["memory_kib"]) == (2, 128)
    assert len({kdf["salt"], tomorrow["salt"], shougang["lookup_kdf"]["salt"]}) == 3


def test_the_index_time_budget_cuts_pages_and_the_next_pull_goes_on(
        make_app, make_fair_day, make_device, booking_body):
    app = make_app(GATE_MANIFEST_INDEX_BUDGET_SECONDS=0)  # one index per page, then a cut
    client = app.test_client()
    day = make_fair_day("CNCC", offset=0, quota=50)
    device = make_device("CNCC", "CNCC-E1")

    def book():
        body = booking_body(day)
        answer = client.post("/api/v1/appointments", json=body).get_json()
        return {**answer, "number": body["document"]["number"]}

    first = [book() for _ in range(4)]
    pages = pull(client, device, limit=100)
    assert [len(p["appointments"]) for p in pages] == [1, 1, 1, 1]
    assert [p["has_more"] for p in pages] == [True, True, True, False]
    assert [p["reset"] for p in pages] == [True, False, False, False]
    store = {item["serial"]: item for p in pages for item in p["appointments"]}
    assert {b["pass"]["serial"]: kiosk_index(pages[0], b["number"]) for b in first} == \
        {serial: item["gate_index"] for serial, item in store.items()}

    # Incremental: new bookings and a cancellation, cut again, nothing skipped.
    later = [book() for _ in range(3)]
    cancelled = first[0]
    assert client.post(f"/api/v1/appointments/{cancelled['appointment']['code']}/cancel",
                       json={"document_number": cancelled["number"]}).status_code == 200
    changes = pull(client, device, cursor=pages[-1]["cursor"], limit=100)
    assert not changes[0]["reset"] and len(changes) == 3
    changed = {item["serial"]: item for p in changes for item in p["appointments"]}
    assert set(changed) == {b["pass"]["serial"] for b in [*later, cancelled]}
    assert changed[cancelled["pass"]["serial"]]["status"] == "cancelled"
    for booking in later:
        assert changed[booking["pass"]["serial"]]["gate_index"] == \
            kiosk_index(pages[0], booking["number"])

    # Every index is stored now: a fresh full pull comes in one page, nothing to compute.
    fresh = pull(client, device, limit=100)
    assert len(fresh) == 1 and len(fresh[0]["appointments"]) == 7


def test_gate_prepare_fills_the_indexes_and_prints_progress(app, cncc, book, make_device):
    day, device = cncc
    booked = [book(day) for _ in range(3)]
    tomorrow = book(day + timedelta(days=1))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["gate", "prepare", "--venue", "cncc", "--date",
                                 day.isoformat()])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"CNCC {day}: 3 indexes to compute (argon2id t=1, 64 KiB, p=1)"
    assert lines[1].startswith(f"CNCC {day}: 3/3 (100%), ")
    assert lines[-1].startswith(f"CNCC {day}: 3 indexes computed in ")
    stored = stored_indexes(app)
    assert stored[tomorrow["appointment"]["code"]] is None  # another day: not asked for
    page = get_page(app.test_client(), device)
    for booking in booked:
        assert stored[booking["appointment"]["code"]] == kiosk_index(page, booking["number"])
    again = runner.invoke(args=["gate", "prepare", "--venue", "CNCC", "--date",
                                day.isoformat()])
    assert again.output == f"CNCC {day}: every index is ready (argon2id t=1, 64 KiB, p=1)\n"
    # Without --date: every fair day from today on, in threads if asked.
    everything = runner.invoke(args=["gate", "prepare", "--jobs", "2"])
    assert everything.exit_code == 0, everything.output
    assert f"CNCC {day + timedelta(days=1)}: 1 indexes computed in " in everything.output
    assert stored_indexes(app)[tomorrow["appointment"]["code"]] is not None


@pytest.mark.parametrize("args,message", [
    (["--venue", "NOWHERE"], "No such venue / 没有这个场馆"),
    (["--venue", "CNCC", "--date", "2031-01-01"],
     "This venue is not open on that day / 该场馆当日不开放"),
    (["--date", "2031-02-30"], "YYYY-MM-DD"),
])
def test_gate_prepare_mistakes_get_one_clear_line(app, cncc, args, message):
    result = app.test_cli_runner().invoke(args=["gate", "prepare", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert len([line for line in result.output.splitlines() if "Error" in line]) == 1


def test_a_moved_booking_gets_the_index_of_its_new_day(app, cncc, book):
    from registration.extensions import db
    from registration.services import booking as booking_service

    day, device = cncc
    moved = book(day)
    today = pull(app.test_client(), device)
    old_index = kiosk_index(today[0], moved["number"])
    assert stored_indexes(app)[moved["appointment"]["code"]] == old_index
    with app.app_context():
        appointment = booking_service.find_by_code_and_document(
            moved["appointment"]["code"], moved["number"])
        booking_service.change_appointment(appointment, venue="CNCC",
                                           day=day + timedelta(days=1), slot=None)
        db.session.commit()
    assert stored_indexes(app)[moved["appointment"]["code"]] is None
    tomorrow = pull(app.test_client(), device, date=(day + timedelta(days=1)).isoformat())
    [item] = [i for i in tomorrow[0]["appointments"] if i["status"] == "active"]
    assert item["gate_index"] == kiosk_index(tomorrow[0], moved["number"]) != old_index


def test_online_id_card_verify_needs_no_gate_index(app, cncc, book):
    day, device = cncc
    booking = book(day)
    answer = app.test_client().post("/api/v1/gate/verify", headers=device.headers, json={
        "scan": {"document": {"type": "cn_resident_id", "number": booking["number"]}},
        "direction": "in", "gate": "CNCC-E1"}).get_json()
    assert answer["verdict"]["reason"] == "ok"
    assert stored_indexes(app)[booking["appointment"]["code"]] is None  # no Argon2id here

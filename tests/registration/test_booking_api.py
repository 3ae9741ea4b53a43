"""Booking through the JSON API as a visitor's app would: POST, read the answer."""
from __future__ import annotations

import subprocess
from datetime import time

import pytest


def test_booking_returns_masked_holder_and_a_pass(client, make_fair_day, booking_body):
    day = make_fair_day(quota=5)
    response = client.post("/api/v1/appointments",
                           json=booking_body(day, number="11010119900307803X"))
    assert response.status_code == 201
    body = response.get_json()
    appointment = body["appointment"]
    assert appointment["venue"] == "CNCC"
    assert appointment["date"] == day.isoformat()
    assert appointment["status"] == "active"
    assert appointment["slot"] is None
    assert appointment["holder"] == {"name": "张*", "document": "1*************803X"}
    assert len(appointment["code"]) == 8
    issued = body["pass"]
    assert issued["token"].startswith("FG")
    assert issued["png"] == f"/api/v1/passes/{issued['serial']}.png"
    assert "11010119900307803X" not in response.get_data(as_text=True)


def test_availability_counts_the_booking(client, make_fair_day, booking_body):
    day = make_fair_day(quota=5)
    client.post("/api/v1/appointments", json=booking_body(day))
    answer = client.get(f"/api/v1/venues/CNCC/days/{day.isoformat()}").get_json()
    assert (answer["quota"], answer["booked"], answer["remaining"]) == (5, 1, 4)
    venues = client.get("/api/v1/venues").get_json()["venues"]
    cncc = next(v for v in venues if v["code"] == "CNCC")
    assert cncc["name"] == {"zh": "国家会议中心", "en": "China National Convention Center"}
    listed = next(d for d in cncc["days"] if d["date"] == day.isoformat())
    assert listed["remaining"] == 4 and listed["slots"] == []


def test_one_appointment_per_document_per_day_even_at_another_venue(
        client, make_fair_day, booking_body):
    day = make_fair_day("CNCC")
    make_fair_day("SHOUGANG")
    first = client.post("/api/v1/appointments", json=booking_body(day, number="360426199101010071"))
    assert first.status_code == 201
    again = client.post("/api/v1/appointments",
                        json=booking_body(day, venue="SHOUGANG", number="360426199101010071"))
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "already_booked"
    assert "document.number" in error["fields"]


def test_full_day_answers_409_quota_full(client, make_fair_day, booking_body):
    day = make_fair_day(quota=1)
    assert client.post("/api/v1/appointments", json=booking_body(day)).status_code == 201
    full = client.post("/api/v1/appointments", json=booking_body(day))
    assert full.status_code == 409
    assert full.get_json()["error"]["code"] == "quota_full"


def test_walk_in_reserve_is_not_bookable_online(client, make_fair_day, booking_body):
    day = make_fair_day(quota=3, walk_in_reserve=2)
    assert client.post("/api/v1/appointments", json=booking_body(day)).status_code == 201
    assert client.post("/api/v1/appointments", json=booking_body(day)).status_code == 409
    answer = client.get(f"/api/v1/venues/CNCC/days/{day.isoformat()}").get_json()
    assert answer["remaining"] == 0 and answer["booked"] == 1


def test_slot_day_requires_a_slot_and_counts_it(client, make_fair_day, booking_body):
    day = make_fair_day(quota=10, slots=[("AM", time(9), time(12), 1),
                                         ("PM", time(13), time(17), 5)])
    missing = client.post("/api/v1/appointments", json=booking_body(day))
    assert missing.status_code == 422
    assert "slot" in missing.get_json()["error"]["fields"]
    assert client.post("/api/v1/appointments",
                       json=booking_body(day, slot="AM")).status_code == 201
    full = client.post("/api/v1/appointments", json=booking_body(day, slot="AM"))
    assert full.status_code == 409 and "slot" in full.get_json()["error"]["fields"]
    booked = client.post("/api/v1/appointments", json=booking_body(day, slot="PM"))
    assert booked.get_json()["appointment"]["slot"] == "PM"
    slots = client.get(f"/api/v1/venues/CNCC/days/{day.isoformat()}").get_json()["slots"]
    assert [(s["code"], s["start"], s["remaining"]) for s in slots] == [
        ("AM", "09:00", 0), ("PM", "13:00", 4)]


def test_lookup_and_cancel_free_the_place_at_once(client, make_fair_day, booking_body):
    day = make_fair_day(quota=1)
    booked = client.post("/api/v1/appointments",
                         json=booking_body(day, number="120103198806018241")).get_json()
    code = booked["appointment"]["code"]
    found = client.post("/api/v1/appointments/lookup",
                        json={"code": code.lower(), "document_number": "120103198806018241"})
    assert found.status_code == 200
    assert found.get_json()["pass"]["serial"] == booked["pass"]["serial"]
    wrong = client.post("/api/v1/appointments/lookup",
                        json={"code": code, "document_number": "360426199101010071"})
    assert wrong.status_code == 404
    cancelled = client.post(f"/api/v1/appointments/{code}/cancel",
                            json={"document_number": "120103198806018241"})
    assert cancelled.status_code == 200
    assert cancelled.get_json()["appointment"]["status"] == "cancelled"
    assert cancelled.get_json()["pass"] is None
    twice = client.post(f"/api/v1/appointments/{code}/cancel",
                        json={"document_number": "120103198806018241"})
    assert twice.status_code == 409
    assert twice.get_json()["error"]["code"] == "already_cancelled"
    revoked = client.get(booked["pass"]["png"])
    assert revoked.status_code == 410
    # The freed place and the document can be booked again straight away.
    again = client.post("/api/v1/appointments",
                        json=booking_body(day, number="120103198806018241"))
    assert again.status_code == 201


def test_group_books_everyone_or_no_one(client, make_fair_day, make_resident_id):
    day = make_fair_day(quota=3)
    member = lambda number: {"document": {"type": "cn_resident_id", "number": number},  # noqa
                             "name": "Li Lei"}
    good = [member(make_resident_id()) for _ in range(2)]
    body = {"organisation": "Acme Trade Co.", "venue": "CNCC", "date": day.isoformat(),
            "consent": True, "members": good + [member("360426199101010072")]}
    refused = client.post("/api/v1/groups", json=body)
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["members.2.document.number"]
    assert client.get(f"/api/v1/venues/CNCC/days/{day}").get_json()["booked"] == 0

    too_many = client.post("/api/v1/groups", json={
        **body, "members": [member(make_resident_id()) for _ in range(4)]})
    assert too_many.status_code == 409
    assert client.get(f"/api/v1/venues/CNCC/days/{day}").get_json()["booked"] == 0

    booked = client.post("/api/v1/groups", json={**body, "members": good})
    assert booked.status_code == 201
    assert len(booked.get_json()["bookings"]) == 2
    assert client.get(f"/api/v1/venues/CNCC/days/{day}").get_json()["booked"] == 2


def test_the_largest_group_is_the_setting(make_app, make_fair_day, make_resident_id):
    app = make_app(GROUP_MAX_MEMBERS=2)
    client = app.test_client()
    day, small_day = make_fair_day(quota=10), make_fair_day(offset=2, quota=1)

    def group(size: int, fair_day):
        members = [{"document": {"type": "cn_resident_id", "number": make_resident_id()},
                    "name": "Li Lei"} for _ in range(size)]
        return client.post("/api/v1/groups", json={
            "organisation": "Acme Trade Co.", "venue": "CNCC", "date": fair_day.isoformat(),
            "consent": True, "lang": "en", "members": members})

    refused = group(3, day)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_members" and "at most 2" in error["fields"]["members"]
    assert len(group(2, day).get_json()["bookings"]) == 2
    # Raised beyond what any schema once fixed (500): the group gets as far as the quota.
    app.config["GROUP_MAX_MEMBERS"] = 600
    assert group(501, small_day).get_json()["error"]["code"] == "quota_full"
    assert client.get(f"/api/v1/venues/CNCC/days/{small_day}").get_json()["booked"] == 0


def test_the_pass_pdf_names_the_configured_fair(make_app, make_fair_day, booking_body,
                                                tmp_path):
    app = make_app(FAIR_NAME_ZH="第九届测试博览会", FAIR_NAME_EN="Ninth Test Expo")
    client = app.test_client()
    booked = client.post("/api/v1/appointments", json=booking_body(make_fair_day()))
    pdf = client.get(booked.get_json()["pass"]["pdf"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (tmp_path / "pass.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "pass.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    assert "第九届测试博览会" in text and "Ninth Test Expo" in text
    assert "中国国际服务贸易交易会" not in text


def test_answers_follow_the_requested_language(client, make_fair_day, booking_body):
    day = make_fair_day(quota=5)
    bad = booking_body(day, number="360426199101010072", lang="zh")
    error = client.post("/api/v1/appointments", json=bad).get_json()["error"]
    assert "校验" in error["fields"]["document.number"]
    bad["lang"] = "en"
    error = client.post("/api/v1/appointments", json=bad).get_json()["error"]
    assert "check" in error["fields"]["document.number"].lower()


@pytest.mark.parametrize("number", ["１１０１０１１９９００３０７８０３Ｘ", "11010119900307803x",
                                    " 110101 19900307 803X "])
def test_full_width_lower_case_and_spaces_are_normalised(
        client, make_fair_day, booking_body, number):
    day = make_fair_day()
    response = client.post("/api/v1/appointments", json=booking_body(day, number=number))
    assert response.status_code == 201
    assert response.get_json()["appointment"]["holder"]["document"] == "1*************803X"

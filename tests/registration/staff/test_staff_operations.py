"""Operations with good and bad input: quotas (never below booked), days, slots, gates,
venues, device enrolment and revocation, pass revocation reaching the gates, search."""
from __future__ import annotations

from datetime import timedelta

import pytest
from pagetools import Page
from sqlalchemy import select


@pytest.fixture
def supervisor(staff_client, venues):
    return staff_client("supervisor", "CNCC")


def day_row(app, venue="CNCC"):
    from registration.extensions import db
    from registration.models import FairDay, Venue

    with app.app_context():
        day = db.session.scalar(select(FairDay).join(Venue).where(Venue.code == venue)
                                .order_by(FairDay.date))
        return {"quota": day.quota, "reserve": day.walk_in_reserve, "booked": day.booked,
                "limit": day.occupancy_limit, "opens": f"{day.opens:%H:%M}",
                "closes": f"{day.closes:%H:%M}", "slots": [(s.code, s.quota) for s in day.slots]}


def day_form(**changes):
    form = {"quota": "10", "walk_in_reserve": "3", "occupancy_limit": "50", "opens": "00:00",
            "closes": "23:59"}
    form.update(changes)
    return form


@pytest.mark.parametrize("changes,field,message", [
    ({"quota": "1"}, "quota", "At least 2"),
    ({"quota": "-5"}, "quota", "Enter a number from 0 to 1000000"),
    ({"quota": "99999999999"}, "quota", "Enter a number from 0 to 1000000"),
    ({"quota": "12abc"}, "quota", "Enter a whole number"),
    ({"quota": ""}, "quota", "Enter a whole number"),
    ({"walk_in_reserve": "11"}, "walk_in_reserve", "The walk-in reserve must be 0..quota"),
    ({"occupancy_limit": "0"}, "occupancy_limit", "Enter a number from 1 to 1000000"),
    ({"quota": "20", "opens": "18:00", "closes": "09:00"}, "closes",
     "Closing must be after opening"),
    ({"opens": "25:00"}, "opens", "Enter a time like 09:00"),
])
def test_bad_day_settings_get_a_message_and_nothing_is_saved(
        app, supervisor, venues, book_online, audit_actions, changes, field, message):
    book_online(venues), book_online(venues)
    before = day_row(app)
    response = supervisor.post(f"/staff/operations/CNCC/days/{venues}?lang=en",
                               data=day_form(**changes))
    assert response.status_code in (409, 422)
    page = Page.of(response)
    assert message in page.error_for(field)
    assert page.root.find(class_="error-summary") is not None
    assert day_row(app) == before
    assert "day_set" not in [action for _, action, _, _ in audit_actions()]


def test_a_quota_below_booked_says_how_many_are_booked_in_both_languages(
        app, supervisor, venues, book_online):
    for _ in range(3):
        book_online(venues)
    zh = Page.of(supervisor.post(f"/staff/operations/CNCC/days/{venues}?lang=zh",
                                 data=day_form(quota="2")))
    assert "不能少于 3" in zh.error_for("quota")


def test_a_quota_change_applies_to_booking_and_the_gate_manifest_at_once(
        app, supervisor, venues, book_online, make_device, audit_actions):
    for _ in range(2):
        book_online(venues)
    response = supervisor.post(f"/staff/operations/CNCC/days/{venues}",
                               data=day_form(quota="2", walk_in_reserve="0",
                                             occupancy_limit="40"))
    assert response.status_code == 302
    assert day_row(app)["quota"] == 2 and day_row(app)["limit"] == 40
    assert book_online(venues)["status"] == 409
    device = make_device("CNCC")
    manifest = app.test_client().get("/api/v1/gate/manifest", headers=device.headers)
    assert manifest.get_json()["policy"]["quota"] == 2
    assert manifest.get_json()["policy"]["occupancy_limit"] == 40
    [(user, action, venue, target)] = [a for a in audit_actions() if a[1] == "day_set"]
    assert (user, venue, target) == ("supervisor-cncc", "CNCC", venues.isoformat())


def test_a_day_is_added_and_an_existing_one_is_not_overwritten(app, supervisor, venues):
    later = (venues + timedelta(days=40)).isoformat()
    data = {**day_form(quota="300"), "date": later}
    response = supervisor.post("/staff/operations/CNCC/days", data=data)
    assert response.headers["Location"] == f"/staff/operations/CNCC/days/{later}"
    again = supervisor.post("/staff/operations/CNCC/days?lang=en",
                            data={**day_form(quota="1"), "date": later})
    assert again.status_code == 409
    assert "This day exists already" in Page.of(again).error_for("date")
    page = Page.of(supervisor.get(f"/staff/operations/CNCC/days/{later}"))
    assert page.value_of("quota") == "300"


def test_slots_with_bad_input_and_below_booked(app, supervisor, venues):
    url = f"/staff/operations/CNCC/days/{venues}/slots?lang=en"
    ok = supervisor.post(url, data={"code": "AM", "starts": "00:00", "ends": "23:59",
                                    "quota": "5"})
    assert ok.status_code == 302
    for data, field, message in (
            ({"code": "PM", "starts": "15:00", "ends": "12:00", "quota": "5"}, "ends",
             "The end must be after the start"),
            ({"code": "PM", "starts": "12:00", "ends": "15:00", "quota": "-1"}, "quota",
             "Enter a number from 0 to 1000000"),
            ({"code": "no spaces", "starts": "12:00", "ends": "15:00", "quota": "1"}, "code",
             "A slot code is 1-20 letters")):
        response = supervisor.post(url, data=data)
        assert response.status_code == 422
        assert message in Page.of(response).error_for(field)
    assert day_row(app)["slots"] == [("AM", 5)]


def test_a_slot_quota_cannot_go_below_its_bookings(app, supervisor, venues, book_online):
    url = f"/staff/operations/CNCC/days/{venues}/slots?lang=en"
    supervisor.post(url, data={"code": "AM", "starts": "00:00", "ends": "23:59", "quota": "5"})
    assert book_online(venues, slot="AM")["status"] == 201
    response = supervisor.post(url, data={"code": "AM", "starts": "00:00", "ends": "23:59",
                                          "quota": "0"})
    assert response.status_code == 422 and "At least 1" in Page.of(response).error_for("quota")
    assert day_row(app)["slots"] == [("AM", 5)]


@pytest.mark.parametrize("code,message", [
    ("CNCC-E1", "There is already a gate CNCC-E1"),
    ("cncc-e1", "There is already a gate CNCC-E1"),
    ("SHOUGANG-E1", "There is already a gate SHOUGANG-E1"),  # unique across venues
    ("CNCC E 1", "A gate code is 1-20 letters, digits or dashes"),
    ("", "Enter a gate code"),
])
def test_duplicate_or_bad_gate_codes_are_refused(app, supervisor, venues, code, message):
    from registration.extensions import db
    from registration.models import Gate

    with app.app_context():
        before = db.session.scalars(select(Gate.code).order_by(Gate.code)).all()
    response = supervisor.post("/staff/operations/CNCC/gates?lang=en", data={"code": code})
    assert response.status_code in (409, 422)
    assert message in Page.of(response).error_for("code")
    with app.app_context():
        assert db.session.scalars(select(Gate.code).order_by(Gate.code)).all() == before


def test_a_gate_is_added(app, supervisor, venues, audit_actions):
    response = supervisor.post("/staff/operations/CNCC/gates",
                               data={"code": "cncc-w2", "name": "West 2"})
    assert response.status_code == 302
    page = Page.of(supervisor.get("/staff/operations/CNCC"))
    assert "CNCC-W2" in page.text and "West 2" in page.text
    assert audit_actions()[-1] == ("supervisor-cncc", "gate_added", "CNCC", "CNCC-W2")


def test_admins_add_and_rename_venues_with_checks(app, staff_client, venues):
    admin = staff_client("admin")
    response = admin.post("/staff/venues?lang=en", data={"code": "bad code!", "name_zh": "馆",
                                                         "name_en": "Hall"})
    assert response.status_code == 422
    assert "letters or digits" in Page.of(response).error_for("code")
    assert admin.post("/staff/venues", data={"code": "expo", "name_zh": "新馆",
                                             "name_en": "Expo Hall"}).status_code == 302
    assert "Expo Hall" in Page.of(admin.get("/staff/venues?lang=en")).text


def test_enrolment_codes_enrol_a_kiosk_and_revocation_stops_it(app, supervisor, venues,
                                                               audit_actions):
    response = supervisor.post("/staff/devices/CNCC/codes", data={"gate": "CNCC-E1",
                                                                  "hours": "2"})
    assert response.status_code == 200
    page = Page.of(response)
    code = page.root.by_id("enrol-code").text
    assert page.root.find("img", class_="enrol-qr")["src"].startswith("data:image/svg+xml")
    enrolled = app.test_client().post("/api/v1/devices/enroll",
                                      json={"code": code, "name": "E1 left"})
    assert enrolled.status_code == 201
    device_id, token = enrolled.get_json()["device_id"], enrolled.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/gate/manifest", headers=headers).status_code == 200
    listing = Page.of(supervisor.get("/staff/devices/CNCC?lang=en"))
    assert "E1 left" in listing.text
    assert supervisor.post(f"/staff/devices/CNCC/{device_id}/revoke").status_code == 302
    assert app.test_client().get("/api/v1/gate/manifest", headers=headers).status_code == 401
    actions = [(a, t) for _, a, _, t in audit_actions()]
    assert ("device_code_issued", "CNCC-E1") in actions
    assert ("device_revoked", f"device {device_id}") in actions
    assert code not in str(audit_actions())


@pytest.mark.parametrize("data,message", [
    ({"gate": "SHOUGANG-E1", "hours": "2"}, "This venue has no such gate"),
    ({"gate": "CNCC-E1", "hours": "0"}, "Enter a number from 1 to 720"),
    ({"gate": "CNCC-E1", "hours": "100000"}, "Enter a number from 1 to 720"),
])
def test_bad_enrolment_requests(app, supervisor, venues, data, message):
    response = supervisor.post("/staff/devices/CNCC/codes?lang=en", data=data)
    assert response.status_code == 422
    assert message in Page.of(response).text


def test_a_revoked_pass_shows_up_in_the_gate_manifest_change_feed(
        app, supervisor, venues, book_online, make_device, audit_actions):
    booked = book_online(venues)
    serial, code = booked["pass"]["serial"], booked["appointment"]["code"]
    device = make_device("CNCC")
    gate = app.test_client()
    first = gate.get("/api/v1/gate/manifest", headers=device.headers).get_json()
    assert first["revoked"] == [] and [i["serial"] for i in first["appointments"]] == [serial]
    empty = supervisor.post(f"/staff/appointments/CNCC/{code}/revoke?lang=en",
                            data={"reason": ""})
    assert empty.status_code == 422
    assert "Give a reason" in Page.of(empty).error_for("reason")
    response = supervisor.post(f"/staff/appointments/CNCC/{code}/revoke",
                               data={"reason": "reported lost"})
    assert response.status_code == 302
    change = gate.get("/api/v1/gate/manifest", query_string={"cursor": first["cursor"]},
                      headers=device.headers).get_json()
    assert change["revoked"] == [serial]
    assert change["appointments"][0]["status"] == "revoked"
    assert ("supervisor-cncc", "pass_revoked", "CNCC", code) in audit_actions()
    assert app.test_client().get(f"/api/v1/passes/{serial}.png").status_code == 410


def test_desk_staff_cannot_revoke(app, staff_client, venues, book_online):
    code = book_online(venues)["appointment"]["code"]
    desk = staff_client("desk", "CNCC")
    assert desk.post(f"/staff/appointments/CNCC/{code}/revoke",
                     data={"reason": "no"}).status_code == 403
    assert "revoke" not in Page.of(desk.get(f"/staff/appointments/CNCC/{code}")).html.lower() \
        .replace("revoked", "")


@pytest.fixture
def three_bookings(venues, book_online):
    return [book_online(venues, name=name, number=number) for name, number in (
        ("张三", "11010119900307803X"), ("张伟", "110101198001011232"),
        ("Anna Eriksson", "110101197501014566"))]


@pytest.mark.parametrize("query,expected", [
    ("{code0}", [0]), ("{code0_lower}", [0]), ("张", [0, 1]), ("张*", [0, 1]),
    ("eriksson", [2]), ("ERIKSSON A.", [2]), ("803X", [0]), ("803x", [0]), ("1232", [1]),
    ("*4566", [2]), ("66", [2]), ("99", []),
])
def test_search_by_code_masked_name_or_last_digits(
        app, supervisor, three_bookings, query, expected, audit_actions):
    codes = [b["appointment"]["code"] for b in three_bookings]
    query = query.format(code0=codes[0], code0_lower=codes[0].lower())
    page = Page.of(supervisor.get("/staff/appointments/CNCC", query_string={"q": query}))
    found = [a.text for a in page.root.find_all("a", class_="code")]
    assert sorted(found) == sorted(codes[i] for i in expected)
    assert audit_actions()[-1][1] == "appointments_searched"


@pytest.mark.parametrize("query,message", [
    ("11010119900307803X", "Type at most the last four characters"),
    ("a", "Type at least two characters"),
])
def test_search_refuses_full_numbers_and_too_little(app, supervisor, three_bookings, query,
                                                    message):
    response = supervisor.get("/staff/appointments/CNCC",
                              query_string={"q": query, "lang": "en"})
    assert response.status_code == 422
    assert message in Page.of(response).text


def test_search_finds_only_this_venues_appointments(app, supervisor, venues, book_online):
    book_online(venues, venue="SHOUGANG", name="张三")
    page = Page.of(supervisor.get("/staff/appointments/CNCC", query_string={"q": "张"}))
    assert page.root.find_all("a", class_="code") == []


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01", "2100-01-01", "2019-12-31"])
def test_a_fair_day_outside_the_allowed_dates_is_refused_beside_the_date(
        app, supervisor, venues, audit_actions, far):
    response = supervisor.post("/staff/operations/CNCC/days?lang=en",
                               data={**day_form(quota="300"), "date": far})
    assert response.status_code == 422
    assert "The date must lie between 2020-01-01 and 2099-12-31" in \
        Page.of(response).error_for("date")
    zh = supervisor.post("/staff/operations/CNCC/days?lang=zh",
                         data={**day_form(quota="300"), "date": far})
    assert "日期须在 2020-01-01 到 2099-12-31 之间" in Page.of(zh).error_for("date")
    assert supervisor.get(f"/staff/operations/CNCC/days/{far}").status_code == 404
    assert "day_set" not in [action for _, action, _, _ in audit_actions()]


def test_a_booking_racing_a_quota_change_is_a_message_beside_the_quota(
        app, supervisor, venues, book_online, audit_actions):
    """The database refuses what a booking made between the checks and the save: the form
    says so beside the quota, nothing is saved (never a 500)."""
    from sqlalchemy import event, update
    from sqlalchemy.orm import Session

    from registration.models import FairDay

    book_online(venues)
    before = day_row(app)

    def booking_comes_in(session, context, instances):
        session.connection().execute(update(FairDay.__table__)
                                     .where(FairDay.__table__.c.date == venues)
                                     .values(booked=FairDay.__table__.c.quota))

    event.listen(Session, "before_flush", booking_comes_in, once=True)
    try:
        response = supervisor.post(f"/staff/operations/CNCC/days/{venues}?lang=en",
                                   data=day_form(quota="5"))
    finally:
        if event.contains(Session, "before_flush", booking_comes_in):
            event.remove(Session, "before_flush", booking_comes_in)
    assert response.status_code == 409
    assert "Something changed at the same moment" in Page.of(response).error_for("quota")
    assert day_row(app) == before
    assert "day_set" not in [action for _, action, _, _ in audit_actions()]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2100-01-01"])
def test_the_audit_log_refuses_a_far_day_filter_with_a_message(app, staff_client, venues, day):
    admin = staff_client("admin")
    response = admin.get(f"/staff/audit?day={day}&lang=en")
    assert response.status_code == 422
    page = Page.of(response)
    assert "The date must lie between 2020-01-01 and 2099-12-31" in page.error_for("day")
    assert "the day filter was ignored" in page.error_for("day")
    zh = Page.of(admin.get(f"/staff/audit?day={day}&lang=zh"))
    assert "已忽略日期筛选" in zh.error_for("day")
    fine = admin.get(f"/staff/audit?day={venues.isoformat()}")
    assert fine.status_code == 200 and Page.of(fine).error_for("day") == ""


@pytest.mark.parametrize("name", ["ALICE\u202eEVILGNP.EXE", "\x00\x01BOB\x07",
                                  "ANNA\u200bMARIA"])
def test_the_desk_refuses_the_names_the_api_refuses(app, staff_client, venues,
                                                    make_resident_id, name):
    from registration.extensions import db
    from registration.models import Appointment

    desk = staff_client("desk", "CNCC")
    response = desk.post("/staff/desk/CNCC?lang=en",
                         data={"line": make_resident_id(), "name": name, "consent": "y"})
    assert response.status_code == 422
    assert "A name must not contain control or invisible characters" in \
        Page.of(response).error_for("name")
    zh = desk.post("/staff/desk/CNCC?lang=zh",
                   data={"line": make_resident_id(), "name": name, "consent": "y"})
    assert "姓名不能包含控制字符或不可见字符" in Page.of(zh).error_for("name")
    with app.app_context():
        assert db.session.scalars(select(Appointment)).all() == []


def test_a_name_from_the_card_reader_is_checked_by_the_same_rule(app, staff_client, venues,
                                                                 make_resident_id):
    """The desk action applies the rule to a name the card reader gave, too."""
    from registration.actions.actors import Actor
    from registration.actions.desk import find_or_book_walk_in
    from registration.extensions import db
    from registration.models import Appointment, StaffUser
    from registration.services import desk as desk_service
    from registration.services import venues as venue_service
    from registration.services.errors import InvalidInput
    from gate.documents import parse_document

    staff_client("desk", "CNCC")
    with app.app_context():
        desk = db.session.scalar(select(StaffUser))
        read = desk_service.Identified(
            parse_document("cn_resident_id", make_resident_id(), None), "BOB\u202e", "reader")
        with pytest.raises(InvalidInput) as refused:
            find_or_book_walk_in(Actor.staff(desk), read, venue_service.get_venue("CNCC"),
                                 name=None, consent=True)
        assert refused.value.fields["name"].en.startswith("A name must not contain control")
        db.session.rollback()
        assert db.session.scalars(select(Appointment)).all() == []


def test_venue_names_with_control_characters_are_refused(app, staff_client, venues):
    admin = staff_client("admin")
    response = admin.post("/staff/venues?lang=en", data={"code": "EXPO", "name_zh": "新\u202e馆",
                                                         "name_en": "Expo Hall"})
    assert response.status_code == 422
    assert "without control characters" in Page.of(response).error_for("name_zh")

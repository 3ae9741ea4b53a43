"""The name rule the API applies holds on every form (booking, group CSV); far days and days
beyond the booking horizon are refused with a message, never a 500; single-word names are
masked on the pass."""
from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pagetools import Page

CONTROL_EN = "A name must not contain control or invisible characters"
CONTROL_ZH = "姓名不能包含控制字符或不可见字符"
BLANK_EN = "Enter the name as it is written on the document"
BLANK_ZH = "请填写证件上的姓名"

BAD_NAMES = [
    ("ALICE\u202eEVILGNP.EXE", CONTROL_EN, CONTROL_ZH),  # right-to-left override
    ("\x00\x01BOB\x07", CONTROL_EN, CONTROL_ZH),         # control characters
    ("ANNA\u200bMARIA", CONTROL_EN, CONTROL_ZH),         # zero-width space
    ("ZHANG\u2066SAN\u2069", CONTROL_EN, CONTROL_ZH),    # bidi isolates
    ("   ", BLANK_EN, BLANK_ZH),                         # white space only
    ("\u3000\u00a0", BLANK_EN, BLANK_ZH),                # full-width and no-break spaces
]


@pytest.mark.parametrize("name, english, chinese", BAD_NAMES)
def test_the_booking_form_refuses_the_names_the_api_refuses(
        client, make_fair_day, book, booking_body, appointments, name, english, chinese):
    day = make_fair_day()
    api = client.post("/api/v1/appointments", json=booking_body(day, name=name))
    assert api.status_code == 422 and "name" in api.get_json()["error"]["fields"]
    response = book(day, lang="en", name=name)
    assert response.status_code == 422
    assert english in Page.of(response).error_for("name")
    in_chinese = book(day, lang="zh", name=name)
    assert in_chinese.status_code == 422
    assert chinese in Page.of(in_chinese).error_for("name")
    assert appointments() == []


def test_names_are_stored_with_their_white_space_made_single(
        app, client, make_fair_day, book, appointments):
    day = make_fair_day()
    assert book(day, name="  Anna \t Maria   Eriksson ").status_code == 302
    assert appointments()[0].name_masked == "ERIKSSON A."


def test_the_group_list_refuses_the_same_names_line_by_line(
        client, make_fair_day, make_resident_id, appointments):
    day = make_fair_day(quota=10)
    lines = "".join(f"cn_resident_id,{make_resident_id()},,\"{name}\",,\n"
                    for name, _, _ in BAD_NAMES[:3])
    csv_text = ("document_type,document_number,document_country,name,phone,email\n"
                + f"cn_resident_id,{make_resident_id()},,张三,,\n" + lines)
    form = {"organisation": "ACME", "option": f"CNCC|{day.isoformat()}|", "consent": "y",
            "members": (io.BytesIO(csv_text.encode()), "members.csv")}
    response = client.post("/group?lang=en", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    page = Page.of(response)
    rows = [[cell.text for cell in tr.find_all("td")]
            for tr in page.root.find("table", class_="problem-table").find("tbody").find_all("tr")]
    assert [(line, column) for line, column, _ in rows] == [("3", "Name"), ("4", "Name"),
                                                            ("5", "Name")]
    assert all(CONTROL_EN in reason for _, _, reason in rows)
    assert appointments() == []


def test_a_single_word_name_is_masked_on_the_pass(client, make_fair_day, book):
    day = make_fair_day()
    response = book(day, name="Madonna", lang="en")
    assert response.status_code == 302
    page = Page.of(client.get(response.headers["Location"] + "?lang=en"))
    assert "M******" in page.text
    assert "MADONNA" not in page.html.upper().replace("M******", "")


def test_a_day_beyond_the_booking_horizon_is_refused_beside_the_day(
        app, client, make_fair_day, book, booking_body, appointments):
    horizon = app.config["BOOKING_HORIZON_DAYS"]
    last = make_fair_day(offset=horizon)
    too_far = make_fair_day(offset=horizon + 1)
    opens = (too_far - timedelta(days=horizon)).isoformat()
    page = Page.of(client.get(f"/book/CNCC/{too_far.isoformat()}?lang=en"))
    assert f"Booking for this day opens on {opens}" in page.text
    response = book(too_far, lang="en")
    assert response.status_code == 422
    assert f"Booking for this day opens on {opens}" in Page.of(response).text
    zh = book(too_far, lang="zh")
    assert f"该日从 {opens} 起开放预约" in Page.of(zh).text
    api = client.post("/api/v1/appointments", json=booking_body(too_far))
    assert api.status_code == 422
    assert api.get_json()["error"]["code"] == "beyond_horizon"
    assert "opens on" in api.get_json()["error"]["fields"]["date"]
    listing = Page.of(client.get("/book/CNCC?lang=en"))
    assert "Not bookable" in listing.text
    assert appointments() == []
    assert book(last).status_code == 302  # the horizon's last day itself can be booked


@pytest.mark.parametrize("far", ["9999-12-31", "2100-01-01"])
def test_a_far_day_already_in_the_database_answers_422_not_500(
        app, client, make_fair_day, book, booking_body, appointments, far):
    """A fair day outside FAIR_DAY_EARLIEST..FAIR_DAY_LATEST (made before the rule, or
    written by hand) cannot be booked: one message, never an error page."""
    from datetime import date

    from registration.extensions import db
    from registration.models import FairDay, Venue

    make_fair_day()
    day = date.fromisoformat(far)
    with app.app_context():
        venue = db.session.scalar(db.select(Venue).where(Venue.code == "CNCC"))
        db.session.add(FairDay(venue=venue, date=day, opens=time(9), closes=time(17),
                               quota=10, walk_in_reserve=0, booking_open=True, booked=0,
                               walk_in_booked=0))
        db.session.commit()
    message = "The date must lie between 2020-01-01 and 2099-12-31"
    assert message in Page.of(client.get(f"/book/CNCC/{far}?lang=en")).text
    response = book(day, lang="en")
    assert response.status_code == 422
    assert message in Page.of(response).text
    api = client.post("/api/v1/appointments", json=booking_body(day))
    assert api.status_code == 422 and api.get_json()["error"]["fields"]["date"] == message
    assert appointments() == []


def test_the_horizon_follows_the_setting(make_app, booking_body):
    from registration.extensions import db
    from registration.services import operations

    app = make_app(BOOKING_HORIZON_DAYS=3)
    client = app.test_client()
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=4)

    with app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center")
        operations.set_day("CNCC", day, quota=10, opens=time(0), closes=time(23, 59))
        db.session.commit()
    answer = client.post("/api/v1/appointments", json=booking_body(day))
    assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "beyond_horizon"

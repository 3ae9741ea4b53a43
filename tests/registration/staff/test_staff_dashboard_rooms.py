"""The dashboard's rooms: per room with forums that day, each forum's seats, booked,
attended (seat holders let in at the room's doors in the door window) and no-shows, and the
room's people inside now; on a phone-sized page in zh and en, and as JSON."""
from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pagetools import Page
from sqlalchemy import select

BEIJING = ZoneInfo("Asia/Shanghai")
EVENT_IDS = itertools.count(1)


def at(day, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=BEIJING)


@pytest.fixture
def make_forum(app):
    """``make_forum(code, day, "10:00", "11:30", seats=, room=)`` through the services."""
    from registration.extensions import db
    from registration.services import forums, zones

    def build(code, day, starts, ends, *, seats=10, room="CNCC-R301"):
        with app.app_context():
            zones.set_zone("CNCC", room, kind="forum_room", name_zh=f"{room[-4:]}会议室",
                           name_en=f"Room {room[-4:]}", capacity=200)
            forums.set_forum(code, zone_code=room, title_zh=f"{code}论坛",
                             title_en=f"Forum {code}", starts=at(day, starts),
                             ends=at(day, ends), seats=seats)
            db.session.commit()
        return code

    return build


@pytest.fixture
def seat(app):
    """``seat(forum, booking, cancel=False)``: the booking's holder takes (or gives back) a
    seat through the seat service, as the forum pages do (booked the day before)."""
    from registration.extensions import db
    from registration.services import seats

    def run(forum, booking, cancel=False):
        with app.app_context():
            action = seats.cancel if cancel else seats.reserve
            action(forum, code=booking["appointment"]["code"],
                   document_number=booking["number"],
                   **({} if cancel else {"now": datetime.now(BEIJING) - timedelta(hours=1)}))
            db.session.commit()

    return run


@pytest.fixture
def door_admission(app):
    """``door_admission(device, booking, when, gate=..., annulled=False)``: the admitted
    entry event a gate stores for the booking's pass (the zone of its gate, if a door)."""
    from registration.extensions import db
    from registration.models import Appointment, CheckInEvent, Gate

    def run(device, booking, when, *, gate=None, annulled=False):
        with app.app_context():
            appointment = db.session.scalar(select(Appointment).where(
                Appointment.code == booking["appointment"]["code"]))
            code = gate or device.gate
            door = db.session.scalar(select(Gate).where(Gate.code == code))
            db.session.add(CheckInEvent(
                device_id=device.id, event_id=f"ev-{next(EVENT_IDS)}",
                venue_id=door.venue_id, day=when.date(),
                serial=booking["pass"]["serial"], appointment_id=appointment.id, gate=code,
                direction="in", admit=True, reason="ok", scanned_at=when, received_at=when,
                source="upload", digest="0" * 64, zone_id=door.zone_id,
                annulled_at=when + timedelta(seconds=5) if annulled else None))
            db.session.commit()

    return run


@pytest.fixture
def in_room(app):
    """``in_room(booking, day, room)``: the pass is inside the room (zone presence)."""
    from registration.extensions import db
    from registration.models import Venue
    from registration.services import presence
    from registration.services.zones import get_zone

    def run(booking, day, room, when):
        serial = booking["pass"]["serial"]
        with app.app_context():
            zone = get_zone(room)
            venue = db.session.get(Venue, zone.venue_id)
            presence.ensure_rows({(serial, day)}, venue.id,
                                 {serial: presence.PassFacts(None)}, zone.id)
            assert presence.advance(presence.read_row(serial, day, zone.id), "in", room,
                                    when, zone.id)
            db.session.commit()

    return run


@pytest.fixture
def forum_day(app, venues, make_fair_day, book_online, make_forum, seat, make_device,
              door_admission, in_room):
    """Tomorrow at CNCC: R301 holds F-AM (10:00-11:30, 3 seats: A and B, C gave hers back)
    and F-PM (14:00-15:30, 5 seats: A); R302 has no forum that day, R303 one the day after.
    A entered R301 at 09:45 and again at 10:05 and is inside; B entered the venue only, and
    R301 once but the gate annulled it; C entered R301 after giving back her seat."""
    day = make_fair_day("CNCC", offset=1, quota=10)
    make_fair_day("CNCC", offset=2, quota=10)
    make_forum("F-AM", day, "10:00", "11:30", seats=3)
    make_forum("F-PM", day, "14:00", "15:30", seats=5)
    make_forum("F-OTHER", day, "10:00", "11:00", room="CNCC-R302")
    a, b, c = (book_online(day) for _ in range(3))
    for holder in (a, b, c):
        seat("F-AM", holder)
    seat("F-AM", c, cancel=True)
    seat("F-PM", a)
    seat("F-OTHER", c)
    seat("F-OTHER", c, cancel=True)
    make_forum("F-LATER", day + timedelta(days=1), "10:00", "11:00", room="CNCC-R303")
    door, entrance = make_device("CNCC", "CNCC-R301"), make_device("CNCC", "CNCC-E1")
    door_admission(door, a, at(day, "09:45"))
    door_admission(door, a, at(day, "10:05"))
    door_admission(entrance, b, at(day, "09:50"))
    door_admission(door, b, at(day, "10:00"), annulled=True)
    door_admission(door, c, at(day, "10:01"))
    door_admission(door, a, at(day, "10:25"))  # after the door window (10:20): not counted
    in_room(a, day, "CNCC-R301", at(day, "10:05"))
    return day


def test_each_forum_counts_seats_booked_attended_and_no_shows(app, forum_day):
    from registration.extensions import db
    from registration.models import Venue
    from registration.services import room_dashboard

    with app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "CNCC"))
        rooms = room_dashboard.rooms_of_day(venue, forum_day, db.session,
                                            now=at(forum_day, "12:00"))
    assert [r["code"] for r in rooms] == ["CNCC-R301", "CNCC-R302"]
    r301 = rooms[0]
    assert (r301["inside"], r301["capacity"], r301["name"]["en"]) == (1, 200, "Room R301")
    figures = [(f["code"], f["starts"], f["seats"], f["booked"], f["attended"],
                f["no_shows"], f["state"]) for f in r301["forums"]]
    assert figures == [("F-AM", "10:00", 3, 2, 1, 1, "over"),
                       ("F-PM", "14:00", 5, 1, 0, None, "ahead")]
    assert rooms[1]["forums"][0]["booked"] == 0 and rooms[1]["inside"] == 0
    with app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "CNCC"))
        doors_open = room_dashboard.forum_attendance(venue, forum_day, db.session,
                                                     now=at(forum_day, "13:30"))
    assert [(f["code"], f["state"], f["no_shows"]) for f in doors_open] == [
        ("F-AM", "over", 1), ("F-PM", "doors_open", None), ("F-OTHER", "over", 0)]


def test_the_rooms_page_in_english_and_chinese(app, forum_day, staff_client):
    desk = staff_client("desk", "CNCC")
    page = Page.of(desk.get(f"/staff/dashboard/CNCC/{forum_day.isoformat()}/rooms?lang=en"))
    rooms = page.root.find_all("section", class_="room-panel")
    assert [r["data-room"] for r in rooms] == ["CNCC-R301", "CNCC-R302"]
    assert "Inside now: 1 / 200" in rooms[0].text
    am = rooms[0].find("tr", data_forum="F-AM")
    assert am.text == "10:00–11:30 Forum F-AM 3 2 1 —"  # doors not yet open
    headers = [th.text for th in rooms[0].find("thead").find_all("th")]
    assert headers == ["Forum", "Seats", "Booked", "Attended", "No-shows"]
    assert rooms[0].find("table").parent["class"] == "table-scroll"  # scrolls on a phone
    chinese = Page.of(desk.get(f"/staff/dashboard/CNCC/{forum_day.isoformat()}/rooms?lang=zh"))
    assert "F-AM论坛" in chinese.text and "R301会议室" in chinese.text
    assert "已出席" in chinese.text and "未到场" in chinese.text
    dashboard = Page.of(desk.get(f"/staff/dashboard/CNCC/{forum_day.isoformat()}?lang=en"))
    assert dashboard.link("Rooms and forums") == \
        f"/staff/dashboard/CNCC/{forum_day.isoformat()}/rooms"


def test_the_rooms_json_and_who_may_see_it(app, forum_day, staff_client):
    path = f"/staff/dashboard/CNCC/{forum_day.isoformat()}/rooms.json"
    data = staff_client("supervisor", "CNCC").get(path).get_json()
    assert [f["attended"] for f in data["rooms"][0]["forums"]] == [1, 0]
    assert staff_client("desk", "SHOUGANG").get(path).status_code == 403
    assert app.test_client().get(path).status_code in (302, 401)


def test_a_day_without_forums(app, venues, staff_client):
    page = staff_client("desk", "CNCC").get(f"/staff/dashboard/CNCC/{venues}/rooms?lang=en")
    assert "No forums at this venue on this day." in page.get_data(as_text=True)


def test_the_daily_report_adds_forum_attendance_without_personal_data(
        app, forum_day, tmp_path):
    import subprocess

    from registration.extensions import db
    from registration.models import Venue
    from registration.rendering.report import daily_report_pdf
    from registration.services import exports

    with app.app_context():
        venue = db.session.scalar(select(Venue).where(Venue.code == "CNCC"))
        figures = exports.daily_figures(venue, forum_day, now=at(forum_day, "18:00"))
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(daily_report_pdf(figures))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")
    assert "Daily report" in pages[0] and "Forum attendance" in pages[1]
    rows = {line.split()[0]: line.split()[1:] for line in pages[1].splitlines()
            if line.strip().startswith("F-")}
    assert rows == {"F-AM": ["CNCC-R301", "10:00–11:30", "3", "2", "1", "1"],
                    "F-PM": ["CNCC-R301", "14:00–15:30", "5", "1", "0", "1"],
                    "F-OTHER": ["CNCC-R302", "10:00–11:00", "10", "0", "0", "0"]}
    assert "Booked 3" in pages[1] and "Attended 1" in pages[1]
    assert "张" not in pages[1] and "*" not in pages[1]  # counts only


def test_the_forums_csv_export(app, forum_day, staff_client, audit_actions):
    import csv
    import io

    supervisor = staff_client("supervisor", "CNCC")
    response = supervisor.get(f"/staff/exports/CNCC/{forum_day.isoformat()}/forums.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [(r["forum"], r["room"], r["seats"], r["booked"], r["attended"], r["no_shows"])
            for r in rows] == [("F-AM", "CNCC-R301", "3", "2", "1", ""),  # doors still ahead
                               ("F-PM", "CNCC-R301", "5", "1", "0", ""),
                               ("F-OTHER", "CNCC-R302", "10", "0", "0", "")]
    assert set(rows[0]) == {"venue", "date", "forum", "room", "title_zh", "title_en",
                            "starts", "ends", "seats", "booked", "attended", "no_shows"}
    assert audit_actions()[-1][1:] == ("export", "CNCC",
                                       f"{forum_day.isoformat()} forums.csv")
    page = supervisor.get("/staff/exports/CNCC?lang=en").get_data(as_text=True)
    assert f"/staff/exports/CNCC/{forum_day.isoformat()}/forums.csv" in page

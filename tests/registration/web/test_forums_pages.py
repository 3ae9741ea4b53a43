"""The forum pages: the list by day and venue, its filters, reserving and giving back a
seat with the booking's code and document, and the seats on the pass page and calendar."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pagetools import Page

BEIJING = ZoneInfo("Asia/Shanghai")
NUMBER = "11010119900307803X"


@pytest.fixture
def make_forum(app):
    """Builder: ``make_forum(code, day, "10:00", "11:30", seats=, room=, venue=, kinds=)``
    through the zone and forum services (a room per code given as ``room``)."""
    from registration.extensions import db
    from registration.services import forums, zones

    def build(code, day, starts="10:00", ends="11:30", *, seats=10, room="CNCC-R301",
              venue="CNCC", kinds=(), title_en=None, title_zh=None, **options):
        def at(clock):
            return datetime.combine(day, time.fromisoformat(clock), tzinfo=BEIJING)

        with app.app_context():
            number = room.rsplit("-", 1)[-1]
            zones.set_zone(venue, room, kind="forum_room", name_zh=f"{number}会议室",
                           name_en=f"Room {number}", capacity=200)
            forums.set_forum(code, zone_code=room, title_zh=title_zh or f"{code}论坛",
                             title_en=title_en or f"Forum {code}", starts=at(starts),
                             ends=at(ends), seats=seats, kinds=kinds, **options)
            db.session.commit()
        return code

    return build


def _booked(book, appointments, day, number=NUMBER, **fields) -> tuple[str, str]:
    """Book ``day`` through the form: (confirmation code, pass page URL)."""
    response = book(day, number=number, **fields)
    assert response.status_code == 302
    url = response.headers["Location"]
    code = next(a.code for a in appointments() if url.endswith(a.serial))
    return code, url


def _reserve(client, forum, code, number=NUMBER, lang="en", cancel=False):
    path = f"/forums/{forum}/seat{'/cancel' if cancel else ''}?lang={lang}"
    return client.post(path, data={"code": code, "document_number": number})


def test_forums_are_listed_by_day_and_venue_with_seats_left(client, make_fair_day, make_forum):
    first = make_fair_day("CNCC", offset=1)
    make_fair_day("SHOUGANG", offset=1)
    second = make_fair_day("CNCC", offset=2)
    make_forum("F-LATE", first, "14:00", "15:30", seats=3, title_en="Digital trade")
    make_forum("F-EARLY", first, "09:30", "11:00", seats=1, title_en="Green finance",
               room="CNCC-R302")
    make_forum("F-SG", first, "10:00", "11:00", seats=5, room="SG-H1", venue="SHOUGANG",
               title_en="Culture and tourism")
    make_forum("F-NEXT", second, "10:00", "12:00", seats=40, title_en="Health services")
    page = Page.of(client.get("/forums?lang=en"))
    days = page.root.find_all("section", class_="forum-day")
    assert [d.find("h2").text for d in days] == [
        f"{first:%A} {first.day} {first:%B %Y}", f"{second:%A} {second.day} {second:%B %Y}"]
    venues = days[0].find_all("section", class_="forum-venue")
    assert [v.find("h3").text for v in venues] == ["China National Convention Center",
                                                   "Shougang Park"]
    cards = [c.text for c in venues[0].find_all("li", class_="forum-card")]
    assert cards[0].startswith("Green finance 1 seat left 09:30–11:00 · Room R302")  # by start
    assert cards[1].startswith("Digital trade 3 seats left 14:00–15:30 · Room R301")
    assert "Reserve a seat" in cards[1]
    assert "Culture and tourism 5 seats left 10:00–11:00 · Room H1" in venues[1].text
    assert "Health services 40 seats left" in days[1].text
    assert page.link("Reserve a seat") == "/forums/F-EARLY/seat"
    chinese = Page.of(client.get("/forums?lang=zh"))
    assert "F-LATE论坛 剩余 3 个座位" in chinese.text
    assert "R301会议室" in chinese.text


def test_the_list_filters_by_day_venue_kind_and_text(client, make_fair_day, make_forum):
    first, second = make_fair_day("CNCC", offset=1), make_fair_day("CNCC", offset=2)
    make_fair_day("SHOUGANG", offset=1)
    make_forum("F-A", first, title_en="Digital trade")
    make_forum("F-B", second, title_en="Green finance", kinds=["media"])
    make_forum("F-C", first, "13:00", "14:00", room="SG-H1", venue="SHOUGANG",
               title_en="Digital culture")

    def titles(query):
        page = Page.of(client.get(f"/forums?lang=en&{query}"))
        return [c.find("h4").text for c in page.root.find_all("li", class_="forum-card")]

    assert titles("") == ["Digital trade", "Digital culture", "Green finance"]
    assert titles(f"date={second.isoformat()}") == ["Green finance"]
    assert titles("venue=SHOUGANG") == ["Digital culture"]
    assert titles("q=digital") == ["Digital trade", "Digital culture"]
    assert titles(f"q=digital&date={first.isoformat()}&venue=CNCC") == ["Digital trade"]
    assert "Green finance" not in titles("kind=visitor")
    assert titles("kind=media")[-1] == "Green finance"
    page = Page.of(client.get("/forums?lang=en&q=nothing+like+this"))
    assert "No forum matches these filters." in page.text
    assert page.value_of("filter-q") == "nothing like this"
    assert titles("date=not-a-date") == titles("")  # a broken filter shows everything


def test_reserve_a_seat_with_the_form_and_see_it_on_the_pass(
        client, make_fair_day, make_forum, book, appointments):
    day = make_fair_day("CNCC", offset=1)
    make_forum("F-DT", day, "14:00", "15:30", seats=4, title_en="Digital trade")
    code, pass_url = _booked(book, appointments, day, lang="en")
    form = Page.of(client.get("/forums/F-DT/seat?lang=en"))
    assert form.h1 == "Reserve a seat"
    assert "14:00–15:30" in form.text and "Room R301" in form.text
    response = _reserve(client, "F-DT", code.lower())
    assert response.status_code == 201
    done = Page.of(response)
    assert "Your seat is reserved" in done.text
    assert done.link("Show my pass and seats") == pass_url
    assert NUMBER not in done.html
    assert "3 seats left" in Page.of(client.get("/forums?lang=en")).text
    pass_page = Page.of(client.get(pass_url + "?lang=en"))
    seats = pass_page.root.find("section", class_="seats")
    assert seats.find("h2").text == "Your forum seats"
    assert "Digital trade" in seats.text and "14:00–15:30" in seats.text
    assert "Room R301" in seats.text
    chinese = Page.of(client.get(pass_url + "?lang=zh")).root.find("section", class_="seats")
    assert chinese.find("h2").text == "您的论坛座位"


def test_the_calendar_file_has_an_event_per_seat(
        client, make_fair_day, make_forum, book, appointments):
    day = make_fair_day("CNCC", offset=1)
    make_forum("F-1", day, "09:00", "10:00", title_en="Morning forum")
    make_forum("F-2", day, "14:00", "15:30", title_en="Afternoon forum", room="CNCC-R302")
    code, pass_url = _booked(book, appointments, day)
    assert _reserve(client, "F-1", code).status_code == 201
    assert _reserve(client, "F-2", code).status_code == 201
    body = client.get(pass_url + "/calendar.ics?lang=en").get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") == 3
    utc = (datetime.combine(day, time(14), tzinfo=BEIJING)).astimezone(timezone.utc)
    assert f"DTSTART:{utc:%Y%m%dT%H%M%SZ}" in body  # 14:00 in Beijing
    assert f"DTEND:{utc + timedelta(minutes=90):%Y%m%dT%H%M%SZ}" in body
    assert "SUMMARY:Afternoon forum" in body and "SUMMARY:Morning forum" in body
    assert "LOCATION:Room R302 · China National Convention Center" in body
    assert NUMBER not in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_give_back_a_seat(client, make_fair_day, make_forum, book, appointments):
    day = make_fair_day("CNCC", offset=1)
    make_forum("F-DT", day, seats=1, title_en="Digital trade")
    code, pass_url = _booked(book, appointments, day)
    _reserve(client, "F-DT", code)
    assert "Full" in Page.of(client.get("/forums?lang=en")).text
    page = Page.of(client.get(pass_url + "?lang=en"))
    assert page.link("Give back this seat") == "/forums/F-DT/seat/cancel"
    response = _reserve(client, "F-DT", code, cancel=True)
    assert response.status_code == 200
    assert "Your seat is given back" in Page.of(response).text
    assert "1 seat left" in Page.of(client.get("/forums?lang=en")).text
    assert Page.of(client.get(pass_url)).root.find("section", class_="seats") is None
    again = Page.of(_reserve(client, "F-DT", code, cancel=True))
    assert again.root.find("div", class_="error-summary") is not None


def _refused(response, code: str, status: int) -> str:
    """The one message of a refused seat form; it keeps the code, never the number."""
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    page = Page.of(response)
    summary = page.root.find("div", class_="error-summary")
    assert summary is not None
    assert page.value_of("code") == code
    assert not page.value_of("document_number")
    assert NUMBER not in page.html
    return " ".join(li.text for li in summary.find_all("li"))


def test_refusals_are_one_clear_message_on_the_refilled_form(
        client, make_fair_day, make_forum, book, appointments, make_resident_id):
    day, other_day = make_fair_day("CNCC", offset=1), make_fair_day("CNCC", offset=2)
    make_forum("F-ONE", day, "10:00", "11:30", seats=1)
    make_forum("F-OVER", day, "11:00", "12:00", seats=10, room="CNCC-R302")
    make_forum("F-MEDIA", day, "15:00", "16:00", kinds=["media"])
    make_forum("F-NEXT", other_day, "10:00", "11:00")
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    make_forum("F-SHUT", day, "17:00", "18:00", registration_closes=past)
    code, _ = _booked(book, appointments, day)
    assert _reserve(client, "F-ONE", code).status_code == 201
    messages = {
        "seat_taken": _refused(_reserve(client, "F-ONE", code), code, 409),
        "time_conflict": _refused(_reserve(client, "F-OVER", code), code, 409),
        "not_for_kind": _refused(_reserve(client, "F-MEDIA", code), code, 409),
        "no_booking": _refused(_reserve(client, "F-NEXT", code), code, 409),
        "closed": _refused(_reserve(client, "F-SHUT", code), code, 409),
        "bad_document": _refused(_reserve(client, "F-OVER", code, number="110101199001011237"),
                                 code, 404),
    }
    assert all(messages.values()) and len(set(messages.values())) == len(messages)
    other = make_resident_id()
    other_code, _ = _booked(book, appointments, day, number=other)
    full = client.post("/forums/F-ONE/seat?lang=en",
                       data={"code": other_code, "document_number": other})
    assert full.status_code == 409
    assert other not in full.get_data(as_text=True)
    assert Page.of(full).root.find("div", class_="error-summary").text
    chinese = Page.of(_reserve(client, "F-ONE", code, lang="zh"))
    assert chinese.root.find("div", class_="error-summary").find("h2").text == "请更正以下内容"
    empty = client.post("/forums/F-ONE/seat?lang=en", data={"code": "", "document_number": ""})
    assert empty.status_code == 422
    assert Page.of(empty).error_for("code") == "Enter the confirmation code"
    assert client.get("/forums/NO-SUCH/seat").status_code == 404

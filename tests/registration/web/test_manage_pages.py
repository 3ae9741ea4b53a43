"""My appointment: look up with code + document number (POST only), cancel, change."""
from __future__ import annotations

from datetime import time

from pagetools import Page

NUMBER = "11010119900307803X"


def _booked(book, day, appointments, **fields):
    assert book(day, number=NUMBER, **fields).status_code == 302
    return appointments()[-1]


def _look_up(client, code, number=NUMBER, lang="en"):
    return client.post(f"/my?lang={lang}", data={"code": code, "document_number": number})


def test_lookup_opens_the_appointment_without_the_number_in_any_url(
        client, make_fair_day, book, appointments):
    day = make_fair_day()
    booked = _booked(book, day, appointments)
    form = Page.of(client.get("/my?lang=en"))
    assert form.root.find("form")["method"] == "post"
    response = _look_up(client, booked.code.lower(), number="110101 19900307 803x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/my/appointment"
    page = Page.of(client.get("/my/appointment"))
    assert page.h1 == "My appointment"
    assert "Booked" in page.text and booked.code in page.text
    assert "1*************803X" in page.text and NUMBER not in page.html
    assert page.link("Show my pass") == f"/pass/{booked.serial}"


def test_wrong_code_or_number_says_the_same_in_the_pages_language(
        client, make_fair_day, book, appointments):
    day = make_fair_day()
    booked = _booked(book, day, appointments)
    wrong_number = Page.of(_look_up(client, booked.code, number="360426199101010071"))
    wrong_code = Page.of(_look_up(client, "ZZZZZZZZ"))
    message = "No appointment matches this confirmation code and document number"
    assert message in wrong_number.root.find("div", class_="error-summary").text
    assert message in wrong_code.root.find("div", class_="error-summary").text
    assert wrong_code.value_of("code") == "ZZZZZZZZ"
    zh = Page.of(_look_up(client, "ZZZZZZZZ", lang="zh"))
    assert "找不到与确认码和证件号码相符的预约" in zh.text
    assert client.get("/my/appointment").headers["Location"] == "/my"


def test_cancel_asks_for_confirmation_then_frees_the_place(
        client, make_fair_day, book, appointments):
    day = make_fair_day(quota=1)
    booked = _booked(book, day, appointments)
    _look_up(client, booked.code)
    confirm = Page.of(client.get("/my/appointment/cancel"))
    assert confirm.h1 == "Cancel this appointment?"
    assert confirm.root.find("button", type="submit").text == "Yes, cancel my appointment"
    assert confirm.link("No, keep it") == "/my/appointment"
    assert appointments()[0].status == "active"  # looking at the question changes nothing
    response = client.post("/my/appointment/cancel")
    assert response.headers["Location"] == "/my/appointment"
    page = Page.of(client.get("/my/appointment"))
    assert "Your appointment is cancelled" in page.text
    assert "Cancelled" in page.text
    assert page.root.find("a", href="/my/appointment/cancel") is None
    assert appointments()[0].status == "cancelled"
    assert "1 place left" in Page.of(client.get("/?lang=en")).text
    again = client.post("/my/appointment/cancel")
    assert again.status_code == 409
    assert "already cancelled" in Page.of(again).text


def test_change_day_revokes_the_old_pass_and_issues_a_new_one(
        client, make_fair_day, book, appointments, outbox):
    day = make_fair_day("CNCC", offset=1, quota=5)
    later = make_fair_day("SHOUGANG", offset=2, quota=5,
                          slots=[("AM", time(9), time(12), 2), ("PM", time(13), time(17), 0)])
    booked = _booked(book, day, appointments, email="move@example.com")
    _look_up(client, booked.code)
    form = Page.of(client.get("/my/appointment/change"))
    options = {o["value"]: o.text for o in form.root.by_id("option").find_all("option")}
    assert f"SHOUGANG|{later.isoformat()}|AM" in options
    assert f"SHOUGANG|{later.isoformat()}|PM" not in options  # no places
    assert f"CNCC|{day.isoformat()}|" not in options  # where it is now
    assert "2 places left" in options[f"SHOUGANG|{later.isoformat()}|AM"]
    response = client.post("/my/appointment/change",
                           data={"option": f"SHOUGANG|{later.isoformat()}|AM"})
    moved = appointments()[0]
    assert response.headers["Location"] == f"/pass/{moved.serial}"
    assert moved.serial != booked.serial and moved.code == booked.code
    assert (moved.venue, moved.day, moved.slot) == ("SHOUGANG", later, "AM")
    page = Page.of(client.get(response.headers["Location"]))
    assert "Your old pass no longer works" in page.text
    assert "Shougang Park" in page.text
    assert client.get(f"/pass/{booked.serial}").status_code == 410
    assert "a new pass was issued" in Page.of(client.get(f"/pass/{booked.serial}")).text
    confirmation, changed = outbox()
    assert changed["Subject"].startswith("服贸会：您的预约已变更")  # the language booked in


def test_change_to_a_day_that_filled_up_shows_the_reason(
        client, make_fair_day, book, appointments, make_resident_id):
    day = make_fair_day("CNCC", offset=1, quota=5)
    other = make_fair_day("CNCC", offset=2, quota=1)
    booked = _booked(book, day, appointments)
    _look_up(client, booked.code)
    assert book(other, number=make_resident_id()).status_code == 302
    response = client.post("/my/appointment/change", data={"option": f"CNCC|{other}|"})
    assert response.status_code == 409
    assert Page.of(response).error_for("option") == "This day is fully booked"
    assert appointments()[0].serial == booked.serial


def test_manage_pages_need_a_lookup_first(client):
    for url in ("/my/appointment", "/my/appointment/cancel", "/my/appointment/change"):
        response = client.get(url)
        assert response.headers["Location"] == "/my", url
    assert client.post("/my/appointment/cancel").headers["Location"] == "/my"


def test_done_forgets_the_appointment(client, make_fair_day, book, appointments):
    day = make_fair_day()
    booked = _booked(book, day, appointments)
    _look_up(client, booked.code)
    assert client.post("/my/done").headers["Location"] == "/my"
    assert client.get("/my/appointment").headers["Location"] == "/my"

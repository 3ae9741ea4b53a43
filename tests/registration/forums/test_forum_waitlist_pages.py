"""The forum waiting-list pages: a full forum links to its join form; joining with the
booking's code, document number and an email address or mobile number; each refusal on the
form in the visitor's language; the document number never shown back."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from linekit import full_forum, line_state
from seatkit import add_forum, book

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from pagetools import Page  # noqa: E402


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(MAIL_OUTBOX=str(tmp_path / "outbox"), SMS_OUTBOX=str(tmp_path / "sms"))


@pytest.fixture
def person(client, booking_body):
    return lambda day: book(client, booking_body(day))


def _join(client, person, lang="en", forum="F-WL", **contact):
    return client.post(f"/forums/{forum}/waitlist?lang={lang}",
                       data={"code": person["code"], "document_number": person["number"],
                             **contact})


def test_a_full_forum_links_to_its_waiting_list(app, client, booking_body, make_fair_day):
    day = make_fair_day("CNCC", offset=1)
    full_forum(app, client, booking_body, day)
    listing = Page.of(client.get("/forums?lang=en"))
    assert listing.link("Join the waiting list") == "/forums/F-WL/waitlist"
    seat_page = Page.of(client.get("/forums/F-WL/seat?lang=en"))
    assert seat_page.link("Join the waiting list") == "/forums/F-WL/waitlist"
    form = Page.of(client.get("/forums/F-WL/waitlist?lang=en"))
    assert form.h1 == "Join the waiting list"
    assert "Forum F-WL" in form.text and "14:00–15:30" in form.text
    assert form.root.by_id("email") is not None and form.root.by_id("phone") is not None
    chinese = Page.of(client.get("/forums/F-WL/waitlist?lang=zh"))
    assert chinese.h1 == "加入候补名单"


def test_join_with_the_form_by_email_or_by_phone(app, client, booking_body, make_fair_day,
                                                 person):
    day = make_fair_day("CNCC", offset=1)
    full_forum(app, client, booking_body, day)
    first, second = person(day), person(day)
    joined = _join(client, first, email="wang.first@example.com")
    assert joined.status_code == 201
    page = Page.of(joined)
    assert "You are on the waiting list: number 1 in line." in page.text
    assert page.root.by_id("entry-contact").text == "w*********@example.com"
    assert first["number"] not in page.html
    by_phone = Page.of(_join(client, second, phone="+86 139 0000 0002", lang="zh"))
    assert "您已加入候补名单：排第 2 位。" in by_phone.text
    assert "0002" in by_phone.root.by_id("entry-contact").text
    assert "13900000002" not in by_phone.html
    assert line_state(app, "F-WL")["statuses"] == ["waiting", "waiting"]


def test_each_refusal_shows_on_the_form_without_the_number(
        app, client, booking_body, make_fair_day, person):
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    add_forum(app, "F-OPEN", day, "09:00", "10:00", seats=5, room="CNCC-R302")
    someone = person(day)

    no_contact = _join(client, someone)
    assert no_contact.status_code == 422
    page = Page.of(no_contact)
    assert page.error_for("email") == \
        "Give an email address or a mobile number to be offered a freed seat"
    assert page.value_of("document_number") in ("", None)
    assert someone["number"] not in page.html

    wrong = _join(client, dict(someone, number="110101199003078034"), email="a@example.com")
    assert wrong.status_code == 404
    assert "No appointment or credential matches" in Page.of(wrong).text

    seated = Page.of(_join(client, holder, email="h@example.com"))
    assert "You already hold a seat in this forum" in seated.text

    assert _join(client, someone, email="a@example.com").status_code == 201
    again = _join(client, someone, email="a@example.com", lang="zh")
    assert again.status_code == 409
    assert "您已在该论坛的候补名单中" in Page.of(again).text

    not_full = Page.of(client.get("/forums/F-OPEN/waitlist?lang=en"))
    assert "This forum still has seats: reserve one directly." in not_full.text
    assert not_full.link("Reserve a seat") == "/forums/F-OPEN/seat"
    refused = _join(client, someone, forum="F-OPEN", email="a@example.com")
    assert refused.status_code == 409
    assert "This forum still has seats: reserve one directly" in Page.of(refused).text
    assert client.get("/forums/F-NONE/waitlist").status_code == 404

"""Booking through the form: consent, inline errors in the page's language, full days."""
from __future__ import annotations

from datetime import time

from pagetools import Page


def test_form_shows_the_consent_notice_and_an_unticked_checkbox(client, make_fair_day, app):
    day = make_fair_day()
    page = Page.of(client.get(f"/book/CNCC/{day.isoformat()}?lang=en"))
    consent = page.root.find("section", class_="consent").text
    assert "identity document type and number" in consent  # what
    assert "admission control at the gates" in consent  # why
    assert "Until 30 days after your fair day" in consent  # how long
    assert f"Notice version {app.config['CONSENT_VERSION']}" in consent
    box = page.root.by_id("consent")
    assert box["type"] == "checkbox" and box["checked"] is None
    assert "agree" in page.root.find("label", for_="consent").text
    zh = Page.of(client.get(f"/book/CNCC/{day.isoformat()}?lang=zh"))
    assert "保存至您参观日后 30 天" in zh.text


def test_book_in_chinese_redirects_to_the_pass_page(client, make_fair_day, book, appointments):
    day = make_fair_day(quota=10)
    response = book(day, number="11010119900307803X", name="张三丰")
    assert response.status_code == 302
    serial = appointments()[0].serial
    assert response.headers["Location"] == f"/pass/{serial}"
    assert "11010119900307803X" not in response.headers["Location"]
    page = Page.of(client.get(response.headers["Location"]))
    assert "预约成功" in page.text
    assert "国家会议中心" in page.text
    assert "张*" in page.text and "1*************803X" in page.text
    assert "11010119900307803X" not in page.html and "张三丰" not in page.html
    assert Page.of(client.get("/")).text.count("剩余 9 个名额") == 1


def test_book_in_english_records_language_and_consent_version(
        client, make_fair_day, book, appointments, app):
    day = make_fair_day()
    response = book(day, lang="en", name="Anna Eriksson")
    page = Page.of(client.get(response.headers["Location"]))
    assert "Your booking is confirmed" in page.text
    assert "ERIKSSON A." in page.text
    appointment = appointments()[0]
    assert appointment.lang == "en"
    assert appointment.consent_version == app.config["CONSENT_VERSION"]


def test_wrong_check_digit_is_explained_beside_the_field_and_input_is_kept(
        client, make_fair_day, book, appointments):
    day = make_fair_day()
    response = book(day, lang="en", number="110101199003078031", name="Li Lei")
    assert response.status_code == 422
    page = Page.of(response)
    assert "check character (the last one) does not match" in page.error_for("document_number")
    assert page.value_of("document_number") == "110101199003078031"
    assert page.value_of("name") == "Li Lei"
    assert page.root.by_id("document_number")["aria-invalid"] == "true"
    assert "check character" in page.root.find("div", class_="error-summary").text
    zh = Page.of(book(day, lang="zh", number="110101199003078031"))
    assert "校验位" in zh.error_for("document_number")
    assert appointments() == []


def test_every_missing_field_is_reported_at_once(client, make_fair_day, book):
    day = make_fair_day()
    page = Page.of(book(day, lang="en", document_number="", name="", phone="", email="",
                        consent=None))
    assert page.error_for("document_number") == "Enter the document number"
    assert page.error_for("name") == "Enter your name as it is written on the document"
    assert page.error_for("email") == "Give a mobile phone number or an email address"
    assert page.error_for("consent") == "Please tick the box to agree, or you cannot book"


def test_bad_phone_and_email_and_passport_without_country(client, make_fair_day, book):
    day = make_fair_day()
    page = Page.of(book(day, lang="en", phone="12ab", email="not-an-email"))
    assert "phone number" in page.error_for("phone")
    assert "email address" in page.error_for("email")
    passport = Page.of(book(day, lang="en", document_type="passport", number="E12345678"))
    assert "country that issued the passport" in passport.error_for("document_country")


def test_passport_with_country_books(client, make_fair_day, book, appointments):
    day = make_fair_day()
    response = book(day, document_type="passport", number="e1234567 8",
                    document_country="usa", name="Smith John")
    assert response.status_code == 302
    assert appointments()[0].document_masked.endswith("5678")


def test_full_day_offers_the_nearest_days_with_places(client, make_fair_day, book):
    full = make_fair_day("CNCC", offset=2, quota=1)
    make_fair_day("CNCC", offset=1, quota=5)
    make_fair_day("CNCC", offset=5, quota=5)
    make_fair_day("SHOUGANG", offset=2, quota=3)
    assert book(full).status_code == 302
    page = Page.of(client.get(f"/book/CNCC/{full.isoformat()}?lang=en"))
    assert "This day is fully booked." in page.text
    assert page.root.find("form", class_="doc-form") is None
    offers = [li.text for li in page.root.find("div", class_="suggestions").find_all("li")]
    assert offers[0].startswith("Shougang Park")  # the same day at the other venue first
    assert "3 places left" in offers[0]
    assert offers[1].startswith("China National Convention Center") and len(offers) == 3


def test_a_day_filling_up_while_typing_keeps_the_input_and_offers_days(
        client, make_fair_day, book, booking_form):
    full = make_fair_day("CNCC", offset=2, quota=1)
    other = make_fair_day("CNCC", offset=3, quota=4)
    assert book(full).status_code == 302
    response = book(full, lang="en", number="11010119900307803X", name="Wang Fang")
    assert response.status_code == 409
    page = Page.of(response)
    assert "This day is fully booked" in page.root.by_id("day").text
    assert page.value_of("name") == "Wang Fang"
    button = page.root.find("button", name="prefill")
    assert button["formaction"] == f"/book/CNCC/{other.isoformat()}"
    # Picking the suggestion shows the other day's form with what was typed, not booked yet.
    moved = client.post(button["formaction"], data={
        **booking_form(number="11010119900307803X", name="Wang Fang"), "prefill": "1"})
    moved_page = Page.of(moved)
    assert moved.status_code == 200
    assert moved_page.value_of("name") == "Wang Fang"
    assert moved_page.error_for("document_number") == ""
    assert "4 places left" in Page.of(client.get("/?lang=en")).text


def test_duplicate_booking_is_refused_beside_the_document_number(
        client, make_fair_day, book, appointments):
    day = make_fair_day("CNCC")
    make_fair_day("SHOUGANG")
    assert book(day, number="360426199101010071").status_code == 302
    response = book(day, venue="SHOUGANG", lang="en", number="360426199101010071")
    assert response.status_code == 409
    page = Page.of(response)
    assert page.error_for("document_number") == \
        "This document already has an appointment that day"
    assert page.link("My appointment") == "/my"
    assert len(appointments()) == 1


def test_slot_is_required_and_a_full_slot_cannot_be_chosen(client, make_fair_day, book):
    day = make_fair_day(quota=10, slots=[("AM", time(9), time(12), 1),
                                         ("PM", time(13), time(17), 5)])
    page = Page.of(book(day, lang="en"))
    assert page.error_for("slot") == "Choose an entry time slot"
    assert book(day, slot="AM").status_code == 302
    form = Page.of(client.get(f"/book/CNCC/{day.isoformat()}?lang=en"))
    assert form.root.by_id("slot-AM")["disabled"] is not None
    assert "Full" in form.root.find("label", for_="slot-AM").text
    late = Page.of(book(day, slot="AM"))
    assert late.error_for("slot") == "This time slot is fully booked"
    assert book(day, slot="PM").status_code == 302


def test_a_name_with_markup_is_shown_as_text(client, make_fair_day, book):
    day = make_fair_day()
    # Two words: the pass shows the surname (the markup) in full; a single word is masked.
    payload = "x <script>alert(1)</script>"
    error_page = book(day, name=payload, number="110101199003078031")
    html = error_page.get_data(as_text=True)
    assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert Page.of(error_page).value_of("name") == payload
    booked = book(day, name=payload)
    pass_page = client.get(booked.headers["Location"])
    assert "<SCRIPT>" not in pass_page.get_data(as_text=True)
    assert "<SCRIPT>ALERT(1)</SCRIPT>" in Page.of(pass_page).text

"""The home page and the venue/day choice: live places, full days shown, languages."""
from __future__ import annotations

from datetime import time

from pagetools import Page


def test_home_lists_venues_days_and_remaining_places_in_chinese(client, make_fair_day):
    day = make_fair_day("CNCC", offset=1, quota=12000)
    make_fair_day("SHOUGANG", offset=2, quota=50)
    page = Page.of(client.get("/"))
    assert page.root.find("html")["lang"] == "zh-Hans"
    assert page.h1 == "中国国际服务贸易交易会"
    assert "国家会议中心" in page.text and "首钢园" in page.text
    assert "剩余 12,000 个名额" in page.text
    assert "剩余 50 个名额" in page.text
    assert page.root.find("a", href=f"/book/CNCC/{day.isoformat()}") is not None


def test_full_day_is_shown_as_full_not_hidden(client, make_fair_day, book):
    full_day = make_fair_day("CNCC", offset=1, quota=1)
    make_fair_day("CNCC", offset=2, quota=5)
    assert book(full_day).status_code == 302
    page = Page.of(client.get("/?lang=en"))
    cards = page.root.find_all("li", class_="day-card")
    assert len(cards) == 2
    full_card = next(c for c in cards if "day-full" in c["class"])
    assert "Full" in full_card.text
    assert full_card.find("a") is None  # no booking link on a full day
    assert "5 places left" in page.text


def test_time_slots_are_listed_with_their_places(client, make_fair_day):
    make_fair_day("SHOUGANG", quota=100, slots=[("AM", time(9), time(12), 40),
                                                ("PM", time(13), time(17), 1)])
    text = Page.of(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})).text
    assert "09:00–12:00 40 places left" in text
    assert "13:00–17:00 1 place left" in text


def test_language_defaults_from_accept_language(client, make_fair_day):
    make_fair_day()
    page = Page.of(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert page.root.find("html")["lang"] == "en"
    assert page.h1 == "China International Fair for Trade in Services"
    chinese = Page.of(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert chinese.h1 == "中国国际服务贸易交易会"


def test_language_switch_keeps_the_page_and_sticks(client, make_fair_day):
    day = make_fair_day()
    url = f"/book/CNCC/{day.isoformat()}"
    page = Page.of(client.get(url))
    switch = page.root.find("a", hreflang="en")
    assert switch.text == "English"
    assert switch["href"] == f"{url}?lang=en"
    english = Page.of(client.get(switch["href"]))
    assert english.h1 == "Book your visit"
    # The choice is remembered on the next pages without ?lang=.
    assert Page.of(client.get("/my")).h1 == "Find my appointment"
    assert Page.of(client.get("/my?lang=zh")).h1 == "查询我的预约"


def test_choose_venue_then_day(client, make_fair_day):
    make_fair_day("CNCC", offset=1)
    day = make_fair_day("SHOUGANG", offset=3, quota=7)
    page = Page.of(client.get("/book?lang=en"))
    assert page.h1 == "Choose a venue"
    assert page.link("Shougang Park") == "/book/SHOUGANG"
    days = Page.of(client.get("/book/SHOUGANG"))
    assert days.h1 == "Choose a day"
    assert days.main.find("a", class_="button")["href"] == f"/book/SHOUGANG/{day.isoformat()}"
    assert "7 places left" in days.text


def test_unknown_venue_or_day_is_a_bilingual_404_page(client, make_fair_day):
    day = make_fair_day()
    for url in ("/book/NOWHERE", f"/book/NOWHERE/{day.isoformat()}", "/book/CNCC/not-a-date",
                "/no/such/page"):
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 404, url
        page = Page.of(response)
        assert response.mimetype == "text/html"
        assert "404" in page.text
        assert "找不到" in page.text or "不开放" in page.text  # the other language is there too


def test_past_days_are_not_listed_and_today_after_closing_is_not_bookable(
        client, make_fair_day):
    make_fair_day(offset=-1)
    today = make_fair_day(offset=0, opens=time(0, 0), closes=time(0, 1))
    page = Page.of(client.get("/?lang=en"))
    cards = page.root.find_all("li", class_="day-card")
    assert len(cards) == 1
    assert "Not bookable" in cards[0].text
    form_page = Page.of(client.get(f"/book/CNCC/{today.isoformat()}?lang=en"))
    assert "This day cannot be booked any more." in form_page.text
    assert form_page.root.find("form", class_="doc-form") is None

"""A visitor on a phone (360 px), in Chromium: book a day, reserve a forum seat on
/forums, see the seat on the pass page."""
from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from test_visitor_journeys import fill_visitor, no_horizontal_scroll

pytestmark = pytest.mark.browser

NUMBER = "11010119900307803X"
BEIJING = ZoneInfo("Asia/Shanghai")


def add_forum(app, day, code: str, title_zh: str, title_en: str, seats: int = 50):
    """A forum room at CNCC and a 14:00-15:30 session in it, through the services."""
    from registration.extensions import db
    from registration.services import forums, zones

    with app.app_context():
        zones.set_zone("CNCC", "CNCC-R301", kind="forum_room", name_zh="301会议室",
                       name_en="Room 301", capacity=120)
        forums.set_forum(code, zone_code="CNCC-R301", title_zh=title_zh, title_en=title_en,
                         starts=datetime.combine(day, time(14), tzinfo=BEIJING),
                         ends=datetime.combine(day, time(15, 30), tzinfo=BEIJING),
                         seats=seats)
        db.session.commit()


def test_book_a_day_reserve_a_forum_seat_and_see_it_on_the_pass(page, fair):
    day = fair.day("CNCC", quota=50)
    add_forum(fair.app, day, "F-DIGI", "数字贸易论坛", "Digital trade forum", seats=2)
    # Book the day through the real booking page.
    page.goto(f"/book/CNCC/{day.isoformat()}")
    fill_visitor(page, number=NUMBER, name="张三", email="zhang@example.com")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="确认预约").click()
    expect(page).to_have_url(re.compile(r"/pass/[A-Z2-7]{16}$"))
    pass_url = page.url
    code = page.locator(".pass-card dd.code").first.inner_text().strip()
    expect(page.locator("section.seats")).to_have_count(0)
    # The forums of that day, from the pass page's link.
    page.get_by_role("link", name="预约当天的论坛座位").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("论坛与会议")
    card = page.locator("li.forum-card", has_text="数字贸易论坛")
    expect(card).to_contain_text("14:00–15:30")
    expect(card).to_contain_text("301会议室")
    expect(card).to_contain_text("剩余 2 个座位")
    assert no_horizontal_scroll(page)
    card.get_by_role("link", name="预约座位").click()
    # A wrong document number: one message, the code kept, the number not.
    page.get_by_label("确认码").fill(code)
    page.get_by_label("证件号码").fill("110101199001011237")
    page.get_by_role("button", name="预约我的座位").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("确认码")).to_have_value(code)
    expect(page.get_by_label("证件号码")).to_have_value("")
    page.get_by_label("证件号码").fill(NUMBER)
    page.get_by_role("button", name="预约我的座位").click()
    expect(page.get_by_role("status")).to_contain_text("座位已预约")
    assert NUMBER not in page.content() and NUMBER not in page.url
    assert no_horizontal_scroll(page)
    page.get_by_role("link", name="查看我的通行证和座位").click()
    expect(page).to_have_url(pass_url)
    seats = page.locator("section.seats")
    expect(seats.get_by_role("heading", level=2)).to_have_text("您的论坛座位")
    expect(seats).to_contain_text("数字贸易论坛")
    expect(seats).to_contain_text("14:00–15:30")
    expect(seats).to_contain_text("301会议室")
    assert no_horizontal_scroll(page)
    page.goto("/forums")
    expect(page.locator("li.forum-card", has_text="数字贸易论坛")).to_contain_text(
        "剩余 1 个座位")

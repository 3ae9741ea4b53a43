"""The dashboard's "Rooms and forums" page on a phone (360 px), in Chromium: reached from
the live dashboard, every room's table readable without scrolling the page sideways."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BEIJING = ZoneInfo("Asia/Shanghai")
NUMBER = "11010119900307803X"


def test_the_rooms_page_on_a_phone(new_page, staff, live_app):
    from registration.extensions import db
    from registration.services import forums, seats, zones

    day = staff.today("CNCC", quota=20)
    booking = staff.book_online(day, NUMBER)
    with live_app.app_context():
        zones.set_zone("CNCC", "CNCC-R301", kind="forum_room", name_zh="R301会议室",
                       name_en="Room R301", capacity=200)
        forums.set_forum("F-DIGITAL", zone_code="CNCC-R301", title_zh="数字贸易发展趋势论坛",
                         title_en="Trends in digital trade and cross-border data flows",
                         starts=datetime.combine(day, time(23, 0), tzinfo=BEIJING),
                         ends=datetime.combine(day, time(23, 50), tzinfo=BEIJING), seats=120)
        seats.reserve("F-DIGITAL", code=booking["appointment"]["code"], document_number=NUMBER,
                      now=datetime.now(BEIJING) - timedelta(days=1))
        db.session.commit()
    page = new_page(lang="zh-CN", width=360)
    staff.login(page, staff.account("supervisor", "CNCC"))
    page.goto("/staff/dashboard/CNCC")
    page.get_by_role("link", name="会议室与论坛").click()
    expect(page).to_have_url(re.compile(rf"/staff/dashboard/CNCC/{day.isoformat()}/rooms$"))
    row = page.locator('tr[data-forum="F-DIGITAL"]')
    expect(row).to_contain_text("数字贸易发展趋势论坛")
    expect(row.locator('[data-col="booked"]')).to_have_text("1")
    expect(page.locator('[data-room="CNCC-R301"]')).to_contain_text("当前在场")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

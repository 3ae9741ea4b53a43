"""Staff on a phone (360 px), in Chromium: a supervisor takes a forum seat back from the
forum's seats page; an admin sets a check-in text. Nothing scrolls sideways."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from test_forum_journey import add_forum

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_supervisor_takes_a_seat_back_on_a_phone(new_page, staff, fair, live_app):
    day = fair.day("CNCC", offset=1)
    add_forum(live_app, day, "F-DIGI", "数字贸易论坛", "Digital trade forum", seats=2)
    booked = staff.book_online(day, "11010119900307803X")
    seat = live_app.test_client().post("/api/v1/forums/F-DIGI/seats", json={
        "code": booked["appointment"]["code"], "document_number": "11010119900307803X"})
    assert seat.status_code == 201, seat.get_json()
    page = new_page(lang="zh-CN", width=360)
    staff.login(page, staff.account("supervisor", "CNCC"))
    page.goto("/staff/operations/CNCC/forums/F-DIGI")
    page.get_by_role("link", name="座位持有人与候补名单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("论坛 F-DIGI 的座位")
    holder = page.locator("#seat-list li")
    expect(holder).to_contain_text(booked["appointment"]["code"])
    expect(holder).not_to_contain_text("11010119900307803X")
    assert no_horizontal_scroll(page)
    holder.get_by_role("button", name="收回该座位").click()
    expect(page).to_have_url(re.compile(r"/staff/operations/CNCC/forums/F-DIGI/seats$"))
    expect(page.get_by_role("status").first).to_contain_text("座位已释放")
    expect(page.locator("#seat-list")).to_have_count(0)
    expect(page.get_by_text("已预约座位：0 / 2。")).to_be_visible()
    assert no_horizontal_scroll(page)


def test_an_admin_sets_a_check_in_text_on_a_phone(new_page, staff):
    staff.today("CNCC")
    page = new_page(lang="zh-CN", width=360)
    staff.login(page, staff.account("admin"))
    page.goto("/staff/operations/CNCC")
    page.get_by_role("link", name="入场提示").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("入场提示")
    page.get_by_label("证件类别").select_option("guest")
    page.get_by_label("中文提示").fill("请引导至贵宾通道")
    page.get_by_role("button", name="保存提示").click()
    expect(page.locator("#text_en-error")).to_contain_text("请填写中英文提示")
    assert no_horizontal_scroll(page)
    page.get_by_label("英文提示").fill("Show the way to the VIP lane")
    page.get_by_label("需工作人员").check()
    page.get_by_role("button", name="保存提示").click()
    expect(page).to_have_url(re.compile(r"/staff/attention$"))
    note = page.locator('li[data-target="kind:guest"]')
    expect(note).to_contain_text("请引导至贵宾通道")
    expect(note).to_contain_text("需工作人员")
    assert no_horizontal_scroll(page)

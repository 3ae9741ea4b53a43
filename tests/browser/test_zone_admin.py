"""A supervisor on a phone (360 px), in Chromium: adds a forum room and a forum on the
zones and forums page, sees a refused value beside its field, and nothing scrolls
sideways."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_room_and_a_forum_are_set_up_on_a_phone(new_page, staff):
    day = staff.today("CNCC")
    page = new_page(lang="zh-CN", width=360)
    staff.login(page, staff.account("supervisor", "CNCC"))
    page.goto("/staff/operations/CNCC")
    page.get_by_role("link", name="区域和论坛").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("区域和论坛")
    assert no_horizontal_scroll(page)
    page.get_by_role("link", name="添加区域").click()
    page.get_by_label("区域编号").fill("cncc-r301")
    page.get_by_label("区域类型").select_option("forum_room")
    page.get_by_label("中文名称").fill("301会议室")
    page.get_by_label("英文名称").fill("Room 301")
    page.get_by_label("容量（同时在内人数）").fill("零")
    page.get_by_role("button", name="保存区域").click()
    expect(page.locator("#capacity-error")).to_contain_text("容量须为正整数")
    assert no_horizontal_scroll(page)
    page.get_by_label("容量（同时在内人数）").fill("200")
    page.get_by_role("button", name="保存区域").click()
    expect(page).to_have_url(re.compile(r"/staff/operations/CNCC/zones/CNCC-R301$"))
    expect(page.get_by_role("status").first).to_contain_text("区域已保存")
    page.get_by_role("link", name="全部区域和论坛").click()
    page.get_by_role("link", name="添加论坛").click()
    page.get_by_label("论坛编号").fill("F-1")
    page.get_by_label("房间（区域）").select_option("CNCC-R301")
    page.get_by_label("中文标题").fill("数字贸易论坛")
    page.get_by_label("英文标题").fill("Digital trade forum")
    page.get_by_label("开始", exact=True).fill(f"{day}T23:00")
    page.get_by_label("结束", exact=True).fill(f"{day}T23:45")
    page.get_by_label("座位", exact=True).fill("120")
    page.get_by_label("专业观众").check()
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="保存论坛").click()
    expect(page).to_have_url(re.compile(r"/staff/operations/CNCC/forums/F-1$"))
    expect(page.get_by_text("已预约座位：0 / 120。")).to_be_visible()
    page.get_by_role("link", name="全部区域和论坛").click()
    expect(page.locator('li[data-forum="F-1"]')).to_contain_text("0 / 120")
    expect(page.locator('li[data-forum="F-1"]')).to_contain_text("专业观众")
    assert no_horizontal_scroll(page)

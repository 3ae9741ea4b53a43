"""The waiting list on a phone (360 px), in Chromium: a full day, "notify me", someone
cancels, the offer mail's link holds the place, confirming gives the pass."""
from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

OFFER_PATH = re.compile(r"https?://[^/\s]+(/waitlist/offer/[A-Za-z0-9_\-]+)")


def _book_directly(app, day, number: str) -> str:
    answer = app.test_client().post("/api/v1/appointments", json={
        "venue": "CNCC", "date": day.isoformat(),
        "document": {"type": "cn_resident_id", "number": number},
        "name": "张三", "email": "zhang@example.com", "consent": True})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["appointment"]["code"]


def _offer_paths(app, to: str) -> list[str]:
    folder = Path(app.config["MAIL_OUTBOX"] or Path(app.instance_path) / "outbox")
    paths = []
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if str(message["To"]) == to:
            paths += OFFER_PATH.findall(message.get_body(("plain",)).get_content())
    return paths


def test_a_freed_place_reaches_the_first_in_line(page, fair):
    app = fair.app
    day = fair.day("CNCC", quota=1)
    code = _book_directly(app, day, "11010119900307803X")

    page.goto(f"/book/CNCC/{day.isoformat()}")
    expect(page.get_by_text("该日预约已满。", exact=True)).to_be_visible()
    page.locator("#notify-me").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("有空余名额时通知我")
    page.get_by_label("证件号码", exact=True).fill("440305198512310026")
    page.get_by_label("姓名（与证件一致）", exact=True).fill("李四")
    page.get_by_label("电子邮箱", exact=True).fill("li.si@example.com")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="加入候补名单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您已加入候补名单")
    expect(page.locator("#waitlist-code")).to_have_text(re.compile(r"^[A-Z0-9]{8}$"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    cancelled = app.test_client().post(f"/api/v1/appointments/{code}/cancel",
                                       json={"document_number": "11010119900307803X"})
    assert cancelled.status_code == 200
    (offer_path,) = _offer_paths(app, "li.si@example.com")

    page.goto(offer_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("已为您保留一个名额")
    expect(page.locator("#offer-deadline")).to_contain_text("Asia/Shanghai")
    expect(page.get_by_text("李*", exact=True)).to_be_visible()
    page.get_by_role("button", name="确认预约此名额").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您的入场通行证")
    expect(page.locator("img.qr")).to_be_visible()

    page.goto(offer_path)  # the link once used
    expect(page.get_by_role("heading", level=1)).to_have_text("该名额邀请已结束")

"""The staff console in Chromium: the walk-in desk with a keyboard-wedge card reader, the
live dashboard updating itself, and the log-in lock-out."""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NUMBER = "11010119900307803X"
OTHER = "110101198001011232"


def decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_card_reader_line_books_a_walk_in_and_the_pass_prints(new_page, staff, live_app):
    staff.today("CNCC", quota=20, reserve=5)
    page = new_page(lang="en-GB", width=1280)
    staff.login(page, staff.account("desk", "CNCC"))
    expect(page).to_have_url(re.compile(r"/staff/desk/CNCC$"))
    expect(page.locator("#walk-in-left")).to_have_text("20")
    # The reader field has the focus; the reader types the whole line and presses Enter.
    expect(page.locator("#line")).to_be_focused()
    page.keyboard.type(NUMBER + "\n")
    expect(page.locator(".read-box")).to_contain_text("1*************803X")
    assert NUMBER not in page.content()
    expect(page.locator("#name")).to_be_focused()
    page.keyboard.type("张三")
    page.get_by_label("The visitor heard the notice and consented").check()
    page.get_by_role("button", name="Book walk-in and print").click()
    expect(page).to_have_url(re.compile(r"/staff/appointments/CNCC/[A-Z2-9]{8}$"))
    expect(page.get_by_role("status").first).to_contain_text("Walk-in booked")
    code = page.url.rsplit("/", 1)[1]
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    from registration.extensions import db
    from registration.models import Appointment
    from sqlalchemy import select

    with live_app.app_context():
        token = db.session.scalar(select(Appointment).where(Appointment.code == code)
                                  ).current_pass.token
    assert decode_qr(qr.screenshot()) == [token]
    page.get_by_role("link", name="Label 58 mm").click()
    label = page.locator("img.label-image")
    expect(label).to_be_visible()
    assert label.evaluate("img => img.complete && img.naturalWidth") == round(58 / 25.4 * 203)
    page.go_back()
    # The same person again: found, not booked twice.
    page.goto("/staff/desk/CNCC")
    expect(page.locator("#walk-in-left")).to_have_text("19")
    page.keyboard.type(NUMBER + "\n")
    expect(page).to_have_url(re.compile(f"/staff/appointments/CNCC/{code}$"))
    expect(page.get_by_role("status").first).to_contain_text("already booked today")


def test_the_desk_on_a_phone_with_a_pasted_mrz(new_page, staff):
    staff.today("CNCC", quota=20, reserve=5)
    page = new_page(lang="zh-CN", width=360)
    staff.login(page, staff.account("desk", "CNCC"))
    page.locator("summary").click()
    page.locator("#mrz").fill("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                              "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    page.get_by_role("button", name="查找或登记").click()
    expect(page.locator("#name")).to_have_value("ERIKSSON, ANNA MARIA")
    page.get_by_label("访客已听取告知并同意").check()
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="登记并打印").click()
    expect(page.locator(".pass-card")).to_contain_text("ERIKSSON A.")
    assert no_horizontal_scroll(page)


@pytest.fixture
def fast_polling(live_app):
    before = live_app.config["DASHBOARD_POLL_SECONDS"]
    live_app.config["DASHBOARD_POLL_SECONDS"] = 1
    yield
    live_app.config["DASHBOARD_POLL_SECONDS"] = before


def test_the_dashboard_updates_by_itself_after_gate_events(new_page, staff, fast_polling):
    day = staff.today("CNCC", quota=50, occupancy=40)
    serials = [staff.book_online(day, number)["pass"]["serial"] for number in (NUMBER, OTHER)]
    device = staff.device("CNCC")
    page = new_page(lang="en-GB", width=1280)
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    staff.login(page, staff.account("supervisor", "CNCC"))
    page.goto("/staff/dashboard/CNCC")
    expect(page.locator('[data-field="admitted"]')).to_have_text("0")
    page.evaluate("window.__stillTheSamePage = true")
    bars_before = page.locator("#entries-chart rect").evaluate_all(
        "rects => rects.map(r => Number(r.getAttribute('height'))).reduce((a, b) => a + b, 0)")
    staff.events(device, [(serials[0], "in"), (serials[1], "in")])
    expect(page.locator('[data-field="admitted"]')).to_have_text("2", timeout=15_000)
    expect(page.locator('[data-field="inside"]')).to_have_text("2")
    staff.events(device, [(serials[1], "out")])
    expect(page.locator('[data-field="inside"]')).to_have_text("1", timeout=15_000)
    expect(page.locator('tr[data-gate="CNCC-E1"] td').first).to_have_text("2")
    assert page.evaluate("window.__stillTheSamePage") is True  # no reload
    bars_after = page.locator("#entries-chart rect").evaluate_all(
        "rects => rects.map(r => Number(r.getAttribute('height'))).reduce((a, b) => a + b, 0)")
    assert bars_before == 0 and bars_after > 0  # the chart was redrawn
    expect(page.locator("#live-status")).to_contain_text("Updated")
    assert problems == []  # no script error, nothing the CSP blocked


def test_five_wrong_passwords_lock_the_account(new_page, staff):
    staff.today("CNCC")
    username = staff.account("supervisor", "CNCC")
    page = new_page(lang="en-GB", width=360)
    for _ in range(4):
        staff.login(page, username, "wrong password")
        expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    staff.login(page, username, "wrong password")
    expect(page.get_by_role("alert")).to_contain_text(
        "Too many failed attempts: this account is locked. Try again in 15 minutes.")
    staff.login(page, username)  # the right password, while locked
    expect(page.get_by_role("alert")).to_contain_text("locked")
    expect(page).to_have_url(re.compile(r"/staff/login"))

"""Badges at the desk in Chromium (card reader line -> credential -> PDF download, the
"already printed" warning and its tick), and the dashboard's counts by kind updating by
themselves after gate events."""
from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

GUEST = "110101198505051238"
VISITOR = "11010119900307803X"


def _guest(live_app, day) -> dict:
    from registration.extensions import db
    from registration.services import booking
    from registration.services import credentials as service

    with live_app.app_context():
        credential = service.create_credential(service.CredentialInput(
            kind="guest", document=booking.validate_document("cn_resident_id", GUEST, None),
            name="张三", lang="en", consent_version="test", first_day=day, last_day=day,
            venue=None, name_latin="ZHANG SAN"), issued_by="staff:test")
        service.approve_credential(credential, decided_by="test")
        db.session.commit()
        return {"code": credential.code, "serial": credential.current_pass.serial}


@pytest.fixture
def fast_polling(live_app):
    before = live_app.config["DASHBOARD_POLL_SECONDS"]
    live_app.config["DASHBOARD_POLL_SECONDS"] = 1
    yield
    live_app.config["DASHBOARD_POLL_SECONDS"] = before


def test_badge_desk_prints_then_warns(new_page, staff, live_app, tmp_path):
    day = staff.today("CNCC")
    guest = _guest(live_app, day)
    page = new_page(lang="zh-CN")
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    staff.login(page, staff.account("desk", "CNCC"))
    page.goto("/staff/badges/CNCC")
    reader = page.locator("#line")
    expect(reader).to_be_focused()
    reader.type(GUEST)
    reader.press("Enter")
    expect(page).to_have_url(f"{page.url.split('/staff')[0]}/staff/badges/CNCC/{guest['code']}")
    expect(page.locator(".kind-tag-guest")).to_have_text("嘉宾")
    expect(page.locator(".kind-tag-guest")).to_have_css("background-color", "rgb(198, 40, 40)")
    expect(page.locator("#badge-holder")).to_have_text("张*")
    with page.expect_download() as download:
        page.locator("button.button-primary").click()
    saved = tmp_path / "badge.pdf"
    download.value.save_as(saved)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(saved), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "ZHANG SAN" in text and "嘉宾" in text
    page.goto(f"/staff/badges/CNCC/{guest['code']}")
    expect(page.locator("#already-printed")).to_contain_text("已打印过")
    page.locator("button.button-primary").click()  # without the tick: refused
    expect(page.locator("#already-printed")).to_be_visible()
    expect(page.locator("#badge-prints")).to_contain_text("1")
    page.locator("#confirm").check()
    with page.expect_download():
        page.locator("button.button-primary").click()
    page.goto(f"/staff/badges/CNCC/{guest['code']}")
    expect(page.locator("#badge-prints")).to_contain_text("2")
    assert problems == []


def test_dashboard_counts_by_kind_update_themselves(new_page, staff, live_app, fast_polling):
    day = staff.today("CNCC", quota=50)
    visitor = staff.book_online(day, VISITOR)["pass"]["serial"]
    guest = _guest(live_app, day)
    device = staff.device("CNCC")
    page = new_page(lang="en-GB", width=1280)
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    staff.login(page, staff.account("supervisor", "CNCC"))
    page.goto("/staff/dashboard/CNCC")
    guest_row = page.locator('#kind-counts tr[data-kind="guest"]')
    expect(guest_row.locator('[data-col="issued"]')).to_have_text("1")
    expect(guest_row.locator('[data-col="inside"]')).to_have_text("0")
    staff.events(device, [(visitor, "in"), (guest["serial"], "in")])
    expect(guest_row.locator('[data-col="inside"]')).to_have_text("1", timeout=15_000)
    visitor_row = page.locator('#kind-counts tr[data-kind="visitor"]')
    expect(visitor_row.locator('[data-col="admitted"]')).to_have_text("1")
    expect(guest_row.locator(".kind-tag")).to_have_css("background-color", "rgb(198, 40, 40)")
    assert problems == []

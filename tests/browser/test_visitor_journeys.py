"""A visitor on a phone (360 px wide), in Chromium: booking, errors, look-up, cancel."""
from __future__ import annotations

import io
import re
from datetime import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NUMBER = "11010119900307803X"


def fill_visitor(page, *, number: str, name: str, email: str = "", phone: str = "",
                 lang: str = "zh"):
    labels = {"zh": ("证件号码", "姓名（与证件一致）", "手机号码", "电子邮箱"),
              "en": ("Document number", "Full name as on the document", "Mobile phone",
                     "Email")}[lang]
    page.get_by_label(labels[0], exact=True).fill(number)
    page.get_by_label(labels[1], exact=True).fill(name)
    if phone:
        page.get_by_label(labels[2], exact=True).fill(phone)
    if email:
        page.get_by_label(labels[3], exact=True).fill(email)


def decode_qr(png: bytes) -> list[str]:
    """What a scanner reads from a screenshot of the screen."""
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def pass_token(app, serial: str) -> str:
    from registration.services import passes

    with app.app_context():
        return passes.get_pass(serial).token


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_book_in_chinese_from_the_home_page(page, fair):
    day = fair.day("CNCC", quota=50)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("中国国际服务贸易交易会")
    page.locator(f"a[href='/book/CNCC/{day.isoformat()}']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("预约参观")
    consent = page.get_by_role("checkbox")
    expect(consent).not_to_be_checked()
    fill_visitor(page, number=NUMBER, name="张三", email="zhang@example.com")
    consent.check()
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="确认预约").click()
    expect(page).to_have_url(re.compile(r"/pass/[A-Z2-7]{16}$"))
    expect(page.get_by_role("status")).to_contain_text("预约成功")
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert qr.bounding_box()["width"] >= 260  # large enough to scan from the screen
    assert decode_qr(qr.screenshot()) == [pass_token(fair.app, page.url.rsplit("/", 1)[1])]
    expect(page.locator(".pass-card")).to_contain_text("张*")
    expect(page.locator(".pass-card")).to_contain_text("1*************803X")
    assert NUMBER not in page.content() and NUMBER not in page.url
    assert no_horizontal_scroll(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载打印版（PDF）").click()
    assert download.value.suggested_filename.endswith(".pdf")
    outbox = Path(fair.app.instance_path) / "outbox"
    assert any("zhang@example.com" in mail.read_text() for mail in outbox.glob("*.eml"))


def test_book_in_english_with_a_time_slot_after_switching_language(page, fair):
    fair.day("CNCC", offset=1)
    day = fair.day("SHOUGANG", offset=2, quota=20,
                   slots=[("AM", time(9), time(12), 10), ("PM", time(13), time(17), 0)])
    page.goto("/book")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/book\?lang=en$"))  # the same page, in English
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a venue")
    page.get_by_role("link", name=re.compile("Shougang Park")).click()
    page.locator(f"a[href='/book/SHOUGANG/{day.isoformat()}']").click()
    expect(page.get_by_label(re.compile("13:00–17:00"))).to_be_disabled()
    page.get_by_label(re.compile("09:00–12:00")).check()
    page.get_by_label("Document type").select_option("passport")
    expect(page.get_by_label("Issuing country (passports only)")).to_be_visible()
    page.get_by_label("Issuing country (passports only)").fill("gbr")
    fill_visitor(page, number="123456789", name="Smith John", phone="+44 20 7946 0000",
                 lang="en")
    page.get_by_label(re.compile("I have read the notice")).check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("Your booking is confirmed")
    expect(page.locator(".pass-card")).to_contain_text("Shougang Park")
    expect(page.locator(".pass-card")).to_contain_text("09:00–12:00")
    expect(page.locator(".pass-card")).to_contain_text("JOHN S.")


def test_a_wrong_id_number_is_explained_beside_the_field(page, fair):
    day = fair.day()
    page.goto(f"/book/CNCC/{day.isoformat()}?lang=en")
    fill_visitor(page, number="110101199003078031", name="Li Lei", phone="13800138000",
                 lang="en")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Confirm booking").click()
    field = page.get_by_label("Document number", exact=True)
    expect(page.locator("#document_number-error")).to_contain_text(
        "The check character (the last one) does not match")
    expect(field).to_have_value("110101199003078031")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Full name as on the document", exact=True)).to_have_value("Li Lei")
    # The summary links to the field, so keyboard users land on it.
    page.locator(".error-summary a").first.click()
    expect(field).to_be_focused()
    field.fill(NUMBER)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("Your booking is confirmed")


def test_a_full_day_offers_the_nearest_days_and_keeps_the_input(page, fair, make_resident_id):
    from registration.extensions import db
    from registration.services import booking

    full = fair.day("CNCC", offset=2, quota=1)
    other = fair.day("CNCC", offset=3, quota=5)
    page.goto("/?lang=en")
    expect(page.locator(".day-card.day-open")).to_have_count(2)
    page.goto(f"/book/CNCC/{full.isoformat()}")
    fill_visitor(page, number=NUMBER, name="Wang Fang", email="wang@example.com", lang="en")
    page.get_by_role("checkbox").check()
    with fair.app.app_context():  # somebody else takes the last place meanwhile
        document = booking.validate_document("cn_resident_id", make_resident_id(), None)
        booking.book_appointment(booking.BookingRequest(
            venue="CNCC", day=full, slot=None, consent=True, consent_version="test",
            visitor=booking.Visitor(document, "Somebody", email="s@example.com")))
        db.session.commit()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#day")).to_contain_text("This day is fully booked")
    suggestion = page.locator(".suggestions button").first
    expect(suggestion).to_contain_text("5 places left")
    suggestion.click()
    expect(page).to_have_url(re.compile(f"/book/CNCC/{other.isoformat()}$"))
    expect(page.get_by_label("Full name as on the document", exact=True)).to_have_value("Wang Fang")
    expect(page.get_by_label("Document number", exact=True)).to_have_value(NUMBER)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("Your booking is confirmed")
    page.goto("/?lang=en")
    expect(page.locator(".day-card.day-full")).to_contain_text("Full")


def test_a_duplicate_booking_is_refused(page, fair):
    day = fair.day("CNCC")
    fair.day("SHOUGANG")
    for venue in ("CNCC", "SHOUGANG"):
        page.goto(f"/book/{venue}/{day.isoformat()}?lang=en")
        fill_visitor(page, number=NUMBER, name="Zhao Liu", phone="13800138000", lang="en")
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#document_number-error")).to_have_text(
        re.compile("This document already has an appointment that day"))
    expect(page.get_by_role("link", name="My appointment").last).to_have_attribute("href", "/my")


def test_look_up_and_cancel(page, fair):
    day = fair.day(quota=3)
    page.goto(f"/book/CNCC/{day.isoformat()}?lang=en")
    fill_visitor(page, number=NUMBER, name="Chen Jing", phone="13800138000", lang="en")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Confirm booking").click()
    code = page.locator(".pass-card dd.code").inner_text()
    pass_url = page.url
    page.get_by_role("link", name="My appointment").first.click()
    page.get_by_label("Confirmation code", exact=True).fill(code.lower())
    page.get_by_label("Document number", exact=True).fill("110101 19900307 803x")
    page.get_by_role("button", name="Find my appointment").click()
    expect(page).to_have_url(re.compile("/my/appointment$"))
    expect(page.locator(".status")).to_have_text("Booked")
    page.get_by_role("link", name="Cancel appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this appointment?")
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    expect(page.locator(".status")).to_have_text("Cancelled")
    expect(page.get_by_role("status")).to_contain_text("Your appointment is cancelled")
    page.goto(pass_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("This pass is no longer valid")
    page.goto("/?lang=en")
    expect(page.locator(".day-card")).to_contain_text("3 places left")


def test_keyboard_labels_and_no_sideways_scrolling_at_360px(page, fair):
    day = fair.day(slots=[("AM", time(9), time(12), 10)])
    for url in ("/", "/book", "/book/CNCC", "/my", "/group", "/nowhere", "/?lang=en",
                "/group?lang=en"):
        page.goto(url)
        assert no_horizontal_scroll(page), url
    page.goto(f"/book/CNCC/{day.isoformat()}")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')].filter(
        el => !(el.labels && el.labels.length)).map(el => el.name)""")
    assert unlabelled == []

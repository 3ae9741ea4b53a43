"""Credential kinds on the handheld (issue 12), offline in Chromium with the phone's clock
set: the manifest policy's exhibitors' opening, ``*`` (every venue) passes, online passes,
and each kind's name and colour on the verdict screen."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gate.passes import PassKind, new_claims, sign_pass
from tests.browser.test_handheld import _typed_enrol
from tests.browser.test_handheld_typed import phone, type_in  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

BEIJING = ZoneInfo("Asia/Shanghai")


def _signed(live_app, kind: PassKind, venue: str, day, day_count: int) -> str:
    from registration.services.passes import key_ring

    with live_app.app_context():
        claims = new_claims(venue=venue, first_day=day, kind=kind, day_count=day_count,
                            document_key=f"cn_resident_id::{kind.code:018d}")
        return sign_pass(claims, key_ring().current_signing_key)


def _public_hours(live_app, day) -> None:
    """The public from 09:00 to 18:00; exhibitors from EXHIBITORS_OPEN (08:00)."""
    from registration.extensions import db
    from registration.models import FairDay, Venue

    with live_app.app_context():
        fair_day = db.session.scalar(select(FairDay).join(Venue).where(
            Venue.code == "CNCC", FairDay.date == day))
        fair_day.opens, fair_day.closes, fair_day.exhibitors_open = time(9), time(18), None
        db.session.commit()


def test_offline_the_phone_admits_by_kind_and_hour(phone, staff, live_app):  # noqa: F811
    day = staff.today("CNCC", quota=50)
    _public_hours(live_app, day)
    tokens = {name: _signed(live_app, kind, venue, day, days) for name, kind, venue, days in (
        ("exhibitor", PassKind.exhibitor, "CNCC", 5), ("visitor", PassKind.visitor, "CNCC", 1),
        ("media", PassKind.media, "*", 5), ("online", PassKind.online, "*", 5),
        ("early", PassKind.exhibitor, "CNCC", 5))}
    phone.open()
    _typed_enrol(phone, live_app)
    policy = phone.page.evaluate("window.fairgateScan.ledger.get('manifest')")["policy"]
    assert policy["kind_opens"] == {"exhibitor": "08:00"}
    phone.context.set_offline(True)
    page = phone.page

    page.clock.set_fixed_time(datetime.combine(day, time(7, 59), BEIJING))
    assert type_in(phone, "pass", tokens["early"])["reason"] == "outside_hours"
    page.clock.set_fixed_time(datetime.combine(day, time(8, 10), BEIJING))
    page.locator("#typed-type").select_option("pass")
    page.locator("#typed-text").fill(tokens["exhibitor"])
    page.locator("#typed-form button[type=submit]").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-reason", "ok")
    assert verdict.get_attribute("data-mode") == "offline"
    expect(page.locator("#verdict-kind")).to_have_text("Exhibitor / 参展商")
    assert page.locator("#verdict-kind").evaluate(
        "e => getComputedStyle(e).borderLeftColor") == "rgb(46, 125, 50)"  # #2e7d32
    verdict.click()
    assert type_in(phone, "pass", tokens["visitor"])["reason"] == "outside_hours"

    page.clock.set_fixed_time(datetime.combine(day, time(9, 30), BEIJING))
    assert type_in(phone, "pass", tokens["visitor"])["reason"] == "ok"
    media = type_in(phone, "pass", tokens["media"])
    assert (media["reason"], media["mode"]) == ("ok", "offline")
    assert "Media / 媒体" in media["text"]
    assert type_in(phone, "pass", tokens["online"])["reason"] == "wrong_venue"
    assert phone.problems == []

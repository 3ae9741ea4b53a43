"""The handheld at a room door (issue 13), in Chromium against the live service: enrolled
for a forum room's gate, it admits a seat holder online with the pass's attention text and
annuls that admission on the service; offline it decides with the door rules (a pass
without a seat is ``no_seat``, the holder is admitted in the door window and refused before
it), and the offline passages reach the room's presence on the service."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_handheld import _book, _checked, _typed_enrol
from tests.browser.test_handheld_typed import phone, type_in  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

BEIJING = ZoneInfo("Asia/Shanghai")
ROOM = "CNCC-RHH"


def _forum_now(live_app, day) -> datetime:
    """Room ROOM with forum F-HH on ``day`` whose door window is open now (it started ten
    minutes ago, kept inside the venue-local day); returns its start."""
    from registration.extensions import db
    from registration.services import forums, zones

    now = datetime.now(BEIJING)
    midnight = datetime.combine(day, time(0), BEIJING)
    starts = max(now - timedelta(minutes=10), midnight + timedelta(minutes=1))
    ends = min(starts + timedelta(hours=1), midnight + timedelta(hours=23, minutes=59))
    with live_app.app_context():
        zones.set_zone("CNCC", ROOM, kind="forum_room", name_zh="手持会议室",
                       name_en="Handheld room", capacity=40)
        forums.set_forum("F-HH", zone_code=ROOM, title_zh="手持论坛", title_en="Handheld forum",
                         starts=starts, ends=ends, seats=10,
                         registration_closes=ends - timedelta(minutes=1))
        db.session.commit()
    return starts


def _seat_and_note(live_app, holder: dict) -> None:
    from registration.actions import attention, seats
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import attention as attention_service

    with live_app.app_context(), unit_of_work():
        seats.reserve(Actor.operator(), "F-HH", code=holder["code"],
                      document_number=holder["number"])
        attention.set_note(Actor.operator(), attention_service.target(serial=holder["serial"]),
                           text_zh="贵宾：请引导至前排", text_en="VIP: show to the front row",
                           needs_staff=True)


def _door_events(live_app) -> list[tuple[str, str, bool, bool]]:
    """(reason, direction, offline, annulled) of the room's stored events, in order."""
    from registration.extensions import db
    from registration.models import Zone
    from registration.models.checkin import CheckInEvent

    with live_app.app_context():
        zone = db.session.scalar(select(Zone).where(Zone.code == ROOM))
        rows = db.session.scalars(select(CheckInEvent).where(
            CheckInEvent.zone_id == zone.id).order_by(CheckInEvent.id)).all()
        return [(row.reason, row.direction, row.offline, row.annulled_at is not None)
                for row in rows]


def _inside_room(live_app, day) -> int:
    from registration.extensions import db
    from registration.models import Zone
    from registration.services import presence

    with live_app.app_context():
        zone = db.session.scalar(select(Zone).where(Zone.code == ROOM))
        return presence.inside_count(zone.id, day)


def test_a_door_phone_admits_seat_holders_annuls_and_decides_offline(
        phone, staff, live_app):  # noqa: F811
    day = staff.today("CNCC", quota=50)
    starts = _forum_now(live_app, day)
    holder = {**_book(staff, day, "11010119900307021"),
              "number": _checked("11010119900307021")}
    seatless = _book(staff, day, "11010119900307022")
    _seat_and_note(live_app, holder)
    phone.open()
    _typed_enrol(phone, live_app, gate=ROOM)
    header = phone.page.evaluate("window.fairgateScan.ledger.get('manifest')")
    assert header["zone"]["code"] == ROOM and [s["code"] for s in header["zone"]["sessions"]] \
        == ["F-HH"]

    # Online: the service decides at the door; the pass's own note, amber, staff needed.
    page = phone.page
    page.locator("#typed-type").select_option("pass")
    page.locator("#typed-text").fill(holder["token"])
    page.locator("#typed-form button[type=submit]").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-reason", "ok")
    expect(verdict).to_have_attribute("data-colour", "amber")
    expect(verdict).to_have_attribute("data-needs-staff", "true")
    expect(page.locator("#verdict-attention")).to_contain_text("VIP: show to the front row")
    expect(page.locator("#verdict-attention")).to_contain_text("请等待工作人员")
    # "The turnstile did not turn": annulled on the service, the event kept.
    page.locator("#annul-last").click()
    expect(page.locator("#annul-status")).to_have_attribute("data-done", "true")
    assert _door_events(live_app) == [("ok", "in", False, True),
                                      ("annulled", "in", False, False)]
    assert _inside_room(live_app, day) == 0
    verdict.click()

    # Offline: the phone's door rules, with the phone's clock.
    phone.context.set_offline(True)
    inside_window = starts + timedelta(minutes=5)
    page.clock.set_fixed_time(inside_window)
    assert type_in(phone, "pass", seatless["token"])["reason"] == "no_seat"
    seen = type_in(phone, "pass", holder["token"])
    assert seen["reason"] == "ok" and seen["mode"] == "offline"
    assert "VIP: show to the front row" in seen["text"]
    page.clock.set_fixed_time(starts - timedelta(minutes=31))
    # Before the doors open: the session check comes before "already inside".
    assert type_in(phone, "pass", holder["token"])["reason"] == "session_not_open"

    # Back online: the offline decisions are stored once, the holder is inside the room.
    phone.context.set_offline(False)
    page.clock.set_fixed_time(inside_window + timedelta(minutes=1))
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "0", timeout=20_000)
    events = _door_events(live_app)
    assert ("no_seat", "in", True, False) in events and ("ok", "in", True, False) in events
    assert _inside_room(live_app, day) == 1
    assert phone.problems == []

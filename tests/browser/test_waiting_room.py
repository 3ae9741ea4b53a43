"""A visitor on a phone goes through the waiting room to a booking: the booking page sends
them to the queue, the self-hosted ALTCHA widget solves the proof of work in Chromium, the
queue page lets them through, and the booking is made with the admission."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NUMBER = "11010119900307803X"
OTHER_NUMBER = "110101198001010010"


def _open_booking_behind_the_room(app, day, seconds_ago: int = 1) -> None:
    from registration.extensions import db
    from registration.services import venues

    with app.app_context():
        fair_day = venues.find_fair_day("CNCC", day)
        fair_day.booking_opens_at = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
        db.session.commit()


def test_through_the_queue_page_to_a_booking(page, fair, live_server):
    day = fair.day(quota=10)
    _open_booking_behind_the_room(fair.app, day)
    page.goto(f"{live_server}/book/CNCC/{day.isoformat()}")
    expect(page).to_have_url(f"{live_server}/queue/CNCC/{day.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("排队等候预约")
    page.get_by_label("证件号码", exact=True).fill(NUMBER)
    # The widget fetches a challenge from /api/v1/pow/challenge and solves it in a worker;
    # its hidden field then holds the solution the form sends.
    page.wait_for_function(
        "() => { const f = document.querySelector('input[name=altcha]');"
        " return f && f.value.length > 20; }", timeout=20000)
    page.get_by_role("button", name="进入排队").click()
    # It is this visitor's turn at once (an empty line): the page sends them to the form.
    expect(page).to_have_url(f"{live_server}/book/CNCC/{day.isoformat()}", timeout=15000)
    page.get_by_label("证件号码", exact=True).fill(NUMBER)
    page.get_by_label("姓名（与证件一致）", exact=True).fill("张三")
    page.get_by_label("电子邮箱", exact=True).fill("zhang@example.com")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="确认预约").click()
    expect(page.get_by_role("status")).to_contain_text("预约成功")


def test_the_queue_page_waits_without_javascript(browser, fair, live_server):
    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import venues
    from registration.waitingroom import waiting_room
    from registration.waitingroom.guard import holder_of

    day = fair.day(quota=10)
    _open_booking_behind_the_room(fair.app, day)
    with fair.app.test_request_context():
        with unit_of_work():
            actions.set_admission_rate(Actor.operator(), "CNCC", day, 0)
        # A place in line as the entrance gives it (the widget needs JavaScript; waiting
        # does not).
        _, ticket = waiting_room().join(venues.find_fair_day("CNCC", day),
                                        holder_of(OTHER_NUMBER), time.time())
    context = browser.new_context(java_script_enabled=False, locale="en-US",
                                  viewport={"width": 360, "height": 780})
    context.add_cookies([{"name": f"fg_queue_CNCC_{day:%Y%m%d}", "value": ticket,
                          "url": live_server}])
    page = context.new_page()
    try:
        page.goto(f"{live_server}/queue/CNCC/{day.isoformat()}?lang=en")
        assert int(page.locator("#queue-position").inner_text()) >= 1  # in line, not admitted
        expect(page.locator("meta[http-equiv=refresh]")).to_have_count(1)
        expect(page.locator("#queue-wait")).to_contain_text("Admissions are paused")
        with fair.app.test_request_context(), unit_of_work():
            actions.set_admission_rate(Actor.operator(), "CNCC", day, 100)
        # The meta refresh (no JavaScript) brings the visitor to the booking form.
        expect(page).to_have_url(f"{live_server}/book/CNCC/{day.isoformat()}", timeout=15000)
    finally:
        context.close()

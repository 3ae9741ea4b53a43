"""Offers run out: lazily on the day's next request and with `fairgate waitlist expire`;
the place passes to the next in line, or back to the day when nobody waits."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from waitlisttools import assert_invariant


def _age_offers(app, hours: float = 3) -> None:
    """Move every offer's expiry into the past, as if the time had gone by."""
    from registration.extensions import db
    from registration.models import WaitlistEntry, WaitlistStatus

    with app.app_context():
        for entry in db.session.query(WaitlistEntry).filter_by(status=WaitlistStatus.OFFERED):
            entry.offer_expires_at = datetime.now(timezone.utc) - timedelta(hours=hours)
        db.session.commit()
        db.session.remove()


def test_the_offer_lasts_the_configured_time(app, full_day, join, cancel, outbox):
    day, booked = full_day(quota=1)
    join(day, email="first@example.com")
    before = datetime.now(timezone.utc)
    cancel(*booked[0])
    from registration.extensions import db
    from registration.models import WaitlistEntry

    with app.app_context():
        entry = db.session.query(WaitlistEntry).one()
        held = entry.offer_expires_at - before
    assert timedelta(hours=2) <= held < timedelta(hours=2, minutes=1)
    (message,) = outbox()
    assert "held for you" in message["Subject"]


def test_an_expired_offer_passes_on_at_the_next_visit_of_the_day(
        app, full_day, join, cancel, day_state, offer_tokens):
    day, booked = full_day(quota=1)
    join(day, email="first@example.com")
    join(day, email="second@example.com")
    cancel(*booked[0])
    first_token = offer_tokens()["first@example.com"][0]
    _age_offers(app)
    page = app.test_client().get(f"/book/CNCC/{day.isoformat()}")  # anyone's visit
    assert page.status_code == 200
    state = day_state(day)
    assert state.statuses == ["expired", "offered"]
    assert_invariant(state)
    late = app.test_client().post(f"/api/v1/waitlist/offers/{first_token}/accept", json={})
    assert late.get_json()["error"]["code"] == "offer_gone"
    closed = app.test_client().get(f"/waitlist/offer/{first_token}?lang=en")
    assert "This offer is closed" in closed.get_data(as_text=True)
    assert "second@example.com" in offer_tokens()


def test_the_command_expires_and_the_last_place_returns_to_the_day(
        app, full_day, join, cancel, day_state, booking_body):
    day, booked = full_day(quota=1)
    join(day, email="only@example.com")
    cancel(*booked[0])
    _age_offers(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["waitlist", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 offers expired: 0 passed on, 1 places released" in result.output
    state = day_state(day)
    assert (state.booked, state.statuses) == (0, ["expired"])
    again = runner.invoke(args=["waitlist", "expire"])
    assert "0 offers expired" in again.output
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        expired = [entry for entry in db.session.query(AuditEntry)
                   if entry.action.value == "waitlist_expired"]
    assert len(expired) == 1 and expired[0].username.startswith("cli:")
    # The released place is the public's again.
    assert app.test_client().post("/api/v1/appointments",
                                  json=booking_body(day)).status_code == 201


def test_the_list_command_shows_the_line_masked(app, full_day, join, make_resident_id):
    day, _ = full_day(quota=1)
    numbers = [make_resident_id() for _ in range(2)]
    for number in numbers:
        join(day, number=number)
    result = app.test_cli_runner().invoke(args=["waitlist", "list", "CNCC", day.isoformat()])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3 and lines[1].startswith("1\t") and "\twaiting\t" in lines[1]
    assert "李*" in lines[1]
    assert not any(number in result.output for number in numbers)
    missing = app.test_cli_runner().invoke(args=["waitlist", "list", "CNCC", "2020-01-01"])
    assert missing.exit_code == 1 and "/" in missing.output  # one zh/en line
    bad = app.test_cli_runner().invoke(args=["waitlist", "list", "CNCC", "tomorrow"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output

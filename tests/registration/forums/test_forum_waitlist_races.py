"""The forum waiting list under concurrency, with real threads on SQLite and PostgreSQL:
an offered seat goes to exactly one person and the counter never exceeds the seats."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from linekit import assert_counted, full_forum, join, line_state, mailed_offers, reserve
from seatkit import add_forum, book, seat_body


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(MAIL_OUTBOX=str(tmp_path / "outbox"), SMS_OUTBOX=str(tmp_path / "sms"))


def _accept(app, token):
    def call():
        return app.test_client().post(f"/forum-offers/{token}", data={}).status_code
    return call


def _expire(app, now):
    def call():
        from registration.actions import forum_waitlist as line_actions
        from registration.actions.actors import Actor
        from registration.extensions import db

        with app.app_context():
            expired = line_actions.expire_due(Actor.operator(), now=now)
            db.session.commit()
            db.session.remove()
            return len(expired)
    return call


def _offered(app, client, booking_body, make_fair_day, outbox, waiting: int = 1) -> str:
    """A one-seat forum, ``waiting`` people in line, its seat given back: the first's token."""
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    for number in range(waiting):
        person = book(client, booking_body(day))
        assert join(client, "F-WL", person, email=f"w{number}@example.com").status_code == 201
    assert reserve(client, "F-WL", holder, cancel=True).status_code == 200
    return mailed_offers(outbox)["w0@example.com"][0]


def test_four_accepts_of_one_offer_take_one_seat(app, client, booking_body, make_fair_day,
                                                 outbox, at_once):
    token = _offered(app, client, booking_body, make_fair_day, outbox)
    statuses = at_once([_accept(app, token) for _ in range(4)])
    assert sorted(statuses) == [302, 409, 409, 409]
    state = line_state(app, "F-WL")
    assert (state["taken"], state["active"], state["statuses"]) == (1, 1, ["seated"])


def test_accept_against_expiry_one_of_them_wins(app, client, booking_body, make_fair_day,
                                                outbox, at_once):
    token = _offered(app, client, booking_body, make_fair_day, outbox, waiting=2)
    # The expiry's clock is past the offer's time; the accept comes just in time.
    later = datetime.now(timezone.utc) + timedelta(hours=3)
    accepted, expired = at_once([_accept(app, token), _expire(app, later)])
    state = line_state(app, "F-WL")
    assert_counted(state)
    if accepted == 302:
        assert expired == 0 and state["statuses"] == ["seated", "waiting"]
    else:
        assert accepted == 409 and expired == 1
        assert state["statuses"] == ["expired", "offered"]  # passed to the second
    assert state["taken"] == 1


def test_an_offer_taken_while_its_holder_reserves_an_overlapping_forum_gives_one_seat(
        app, client, booking_body, make_fair_day, outbox, at_once):
    """The accept and the person's own reservation of a forum at the same time: the
    clash check sees one of them, never neither (each locks the person's booking first)."""
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)  # F-WL, 14:00-15:30
    person = book(client, booking_body(day))
    assert join(client, "F-WL", person, email="w0@example.com").status_code == 201
    add_forum(app, "F-OVER", day, "15:00", "16:00", seats=5, room="CNCC-R302")
    assert reserve(client, "F-WL", holder, cancel=True).status_code == 200
    token = mailed_offers(outbox)["w0@example.com"][0]

    def reserve_other():
        return app.test_client().post("/api/v1/forums/F-OVER/seats",
                                      json=seat_body(person)).status_code

    accepted, reserved = at_once([_accept(app, token), reserve_other])
    assert (accepted == 302) != (reserved == 201), (accepted, reserved)
    assert {accepted, reserved} <= {302, 201, 409}
    seated = [line_state(app, code)["active"] for code in ("F-WL", "F-OVER")]
    assert seated == ([1, 0] if accepted == 302 else [0, 1])


def test_an_offer_taken_while_its_holder_reserves_the_same_forum_never_deadlocks(
        app, client, booking_body, make_fair_day, outbox, at_once):
    """Both take the person's booking before the forum: one waits for the other, and the
    person ends with the offered seat (the reservation finds the forum full or the seat
    theirs), never a database error."""
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    person = book(client, booking_body(day))
    assert join(client, "F-WL", person, email="w0@example.com").status_code == 201
    assert reserve(client, "F-WL", holder, cancel=True).status_code == 200
    token = mailed_offers(outbox)["w0@example.com"][0]

    def reserve_same():
        return app.test_client().post("/api/v1/forums/F-WL/seats",
                                      json=seat_body(person)).status_code

    accepted, reserved = at_once([_accept(app, token), reserve_same])
    assert accepted == 302 and reserved == 409, (accepted, reserved)
    state = line_state(app, "F-WL")
    assert (state["taken"], state["active"], state["statuses"]) == (1, 1, ["seated"])

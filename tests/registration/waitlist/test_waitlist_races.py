"""The waiting list under concurrency, with real threads on SQLite and PostgreSQL: the held
place goes to exactly one person and the counter never exceeds the quota."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from waitlisttools import assert_invariant


def _accept(app, token):
    def call():
        return app.test_client().post(f"/api/v1/waitlist/offers/{token}/accept",
                                      json={}).status_code
    return call


def test_two_accepts_of_one_offer_book_once(app, full_day, join, cancel, day_state,
                                            offer_tokens, at_once):
    day, booked = full_day(quota=1)
    join(day, email="only@example.com")
    cancel(*booked[0])
    token = offer_tokens()["only@example.com"][0]
    statuses = at_once([_accept(app, token) for _ in range(4)])
    assert sorted(statuses) == [201, 409, 409, 409]
    state = day_state(day)
    assert (state.booked, state.active, state.statuses) == (1, 1, ["booked"])


def _expire(app, now):
    def call():
        from registration.actions import waitlist as waitlist_actions
        from registration.actions.actors import Actor
        from registration.extensions import db

        with app.app_context():
            expired = waitlist_actions.expire_due(Actor.operator(), now=now)
            db.session.commit()
            db.session.remove()
            return len(expired)
    return call


def test_accept_against_expiry_one_of_them_wins(app, full_day, join, cancel, day_state,
                                                offer_tokens, at_once):
    day, booked = full_day(quota=1)
    join(day, email="first@example.com")
    join(day, email="second@example.com")
    cancel(*booked[0])
    token = offer_tokens()["first@example.com"][0]
    # The clock of the expiry is past the offer's time; the accept comes just in time.
    later = datetime.now(timezone.utc) + timedelta(hours=3)
    accepted, expired = at_once([_accept(app, token), _expire(app, later)])
    state = day_state(day)
    assert_invariant(state)
    if accepted == 201:
        assert expired == 0 and state.statuses == ["booked", "waiting"]
    else:
        assert accepted == 409 and expired == 1
        assert state.statuses == ["expired", "offered"]  # passed to the second
    assert state.booked == 1


def test_cancel_against_joins_never_leaves_a_free_place_beside_the_line(
        app, full_day, join, cancel, day_state, at_once):
    day, booked = full_day(quota=2)
    calls = [lambda: cancel(*booked[0]).status_code]
    calls += [lambda: join(day).status_code for _ in range(5)]
    results = at_once(calls)
    assert results[0] == 200
    state = day_state(day)
    assert_invariant(state)
    # Either some joins came first and one of them holds the place, or the cancel did and
    # the place went back to the day: then every later join was told to book instead.
    if state.offered:
        assert state.booked == 2
    else:
        assert state.booked == 1 and state.waiting == 0
        assert set(results[1:]) == {409}


def test_two_cancellations_offer_two_places_in_order(app, full_day, join, cancel,
                                                     day_state, offer_tokens, at_once):
    day, booked = full_day(quota=3)
    for name in ("a", "b", "c"):
        assert join(day, email=f"{name}@example.com").status_code == 201
    results = at_once([lambda: cancel(*booked[0]).status_code,
                       lambda: cancel(*booked[1]).status_code])
    assert results == [200, 200]
    state = day_state(day)
    assert state.statuses == ["offered", "offered", "waiting"]
    assert state.booked == 3
    assert_invariant(state)
    assert set(offer_tokens()) == {"a@example.com", "b@example.com"}


def test_decline_against_accept_of_one_offer(app, full_day, join, cancel, day_state,
                                             offer_tokens, at_once):
    day, booked = full_day(quota=1)
    join(day, email="first@example.com")
    join(day, email="second@example.com")
    cancel(*booked[0])
    token = offer_tokens()["first@example.com"][0]

    def decline():
        return app.test_client().post(f"/waitlist/offer/{token}",
                                      data={"decision": "decline"}).status_code

    accepted, declined = at_once([_accept(app, token), decline])
    state = day_state(day)
    assert_invariant(state)
    assert state.booked == 1
    if accepted == 201:
        assert state.statuses == ["booked", "waiting"]
        assert declined == 409  # the page says the offer is no longer open
    else:
        assert accepted == 409 and declined == 302
        assert state.statuses == ["withdrawn", "offered"]

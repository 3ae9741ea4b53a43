"""Many people at a forum's last seats at once, on both databases: exactly that many get
one, every other is told ``seats_full``, the counter and the seat rows agree, and one person
never holds two seats (the same forum twice, or two forums that overlap)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from seatkit import add_forum, book, seat_body


def _fire(app, requests: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    """POST each (path, body) from its own thread (own connection), all released together."""
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, dict]] = [None] * len(requests)  # type: ignore[list-item]

    def worker(index, path, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body)
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=worker, args=(i, path, body))
               for i, (path, body) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _seats(app, forum_code: str) -> tuple[int, int]:
    """(active seat rows, the forum's counter)."""
    from gate.vocabulary import SeatStatus
    from registration.extensions import db
    from registration.models import Forum, Seat

    with app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.code == forum_code))
        rows = db.session.scalar(select(func.count()).select_from(Seat).where(
            Seat.forum_id == forum.id, Seat.status == SeatStatus.active))
        return rows, forum.seats_taken


def _codes(results, status: int) -> set[str]:
    return {body["error"]["code"] for code, body in results if code == status}


def _people(app, booking_body, day, count: int) -> list[dict]:
    client = app.test_client()
    return [book(client, booking_body(day)) for _ in range(count)]


def test_the_last_seats_go_to_exactly_that_many(app, make_fair_day, booking_body):
    day = make_fair_day("CNCC", offset=1, quota=200)
    add_forum(app, "F-RUSH", day, seats=10)
    people = _people(app, booking_body, day, 31)
    client = app.test_client()
    for person in people[:7]:  # three seats left
        assert client.post("/api/v1/forums/F-RUSH/seats", json=seat_body(person)).status_code \
            == 201

    results = _fire(app, [("/api/v1/forums/F-RUSH/seats", seat_body(person))
                          for person in people[7:]])

    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 3
    assert statuses.count(409) == 21
    assert _codes(results, 409) == {"seats_full"}
    assert _seats(app, "F-RUSH") == (10, 10)


def test_one_person_asking_many_times_at_once_gets_one_seat(
        app, make_fair_day, booking_body):
    day = make_fair_day("CNCC", offset=1)
    add_forum(app, "F-TWICE", day, seats=50)
    (person,) = _people(app, booking_body, day, 1)
    results = _fire(app, [("/api/v1/forums/F-TWICE/seats", seat_body(person))] * 8)
    assert sorted(status for status, _ in results).count(201) == 1
    assert _codes(results, 409) == {"seat_taken"}
    assert _seats(app, "F-TWICE") == (1, 1)  # the refused ones gave their place back


def test_one_person_at_overlapping_forums_at_once_gets_one_seat(
        app, make_fair_day, booking_body):
    day = make_fair_day("CNCC", offset=1)
    forums = [add_forum(app, f"F-OV{n}", day, f"1{n}:00", f"1{n + 1}:30", seats=5,
                        room=f"CNCC-R30{n}") for n in range(4)]  # each overlaps the next
    (person,) = _people(app, booking_body, day, 1)
    results = _fire(app, [(f"/api/v1/forums/{code}/seats", seat_body(person))
                          for code in forums for _ in range(2)])
    held = [code for code in forums if _seats(app, code) == (1, 1)]
    assert sorted(status for status, _ in results).count(201) == len(held)
    assert _codes(results, 409) <= {"seat_taken", "time_conflict"}
    # Forums 0 and 2 (and 1 and 3) do not overlap: at most two seats, never two that clash.
    assert 1 <= len(held) <= 2
    numbers = sorted(int(code[-1]) for code in held)
    assert all(later - earlier > 1 for earlier, later in zip(numbers, numbers[1:]))
    assert all(_seats(app, code) == (0, 0) for code in forums if code not in held)


def test_giving_back_while_others_reserve_never_oversells(app, make_fair_day, booking_body):
    day = make_fair_day("CNCC", offset=1, quota=50)
    add_forum(app, "F-SWAP", day, seats=3)
    people = _people(app, booking_body, day, 11)
    client = app.test_client()
    for person in people[:3]:
        assert client.post("/api/v1/forums/F-SWAP/seats", json=seat_body(person)).status_code \
            == 201
    results = _fire(app, [("/api/v1/forums/F-SWAP/seats/cancel", seat_body(people[0]))] + [
        ("/api/v1/forums/F-SWAP/seats", seat_body(person)) for person in people[3:]])
    assert results[0][0] == 200
    rows, counter = _seats(app, "F-SWAP")
    assert rows == counter <= 3
    assert [status for status, _ in results[1:]].count(201) == rows - 2
    assert _codes(results, 409) <= {"seats_full"}

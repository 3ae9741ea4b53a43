"""The forum API: the list with seats left, reserving and giving back a seat with the
booking's code and document number, every refusal's code, and that the document number is
never answered, logged or audited. The pages and the API are one action: a seat taken on one
is taken on the other."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from seatkit import add_forum, book, seat_body


@pytest.fixture
def app(make_app):
    """The service logging each request, as in production (the privacy test reads it)."""
    return make_app(LOG_REQUESTS=True)


@pytest.fixture
def forum(app):
    """``forum(code, day, "10:00", "11:30", seats=, room=, venue=, kinds=)`` -> the code."""
    def build(*args, **options):
        return add_forum(app, *args, **options)
    return build


@pytest.fixture
def booked(client, booking_body):
    """``booked(day, venue="CNCC")`` -> ``{"code", "number", "serial"}`` of a new booking."""
    def build(day, **options):
        return book(client, booking_body(day, **options))
    return build


def _reserve(client, forum_code, body, cancel=False):
    path = f"/api/v1/forums/{forum_code}/seats{'/cancel' if cancel else ''}"
    return client.post(path, json=body)


def _refusal(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def _listed(client, query: str = "") -> dict:
    response = client.get(f"/api/v1/forums{query}")
    assert response.status_code == 200, response.get_json()
    return {item["code"]: item for item in response.get_json()["forums"]}


def test_a_seat_is_reserved_given_back_and_listed_on_the_pass_page(
        client, make_fair_day, forum, booked):
    day = make_fair_day("CNCC", offset=1)
    forum("F-DT", day, "14:00", "15:30", seats=4)
    person = booked(day)
    # The codes as a person types them: lower case, spaces around.
    response = _reserve(client, " f-dt ", seat_body(person, code=f"  {person['code'].lower()} "))
    assert response.status_code == 201
    assert response.get_json() == {"seat": {"forum": "F-DT", "status": "active"}}
    assert _listed(client)["F-DT"]["seats_left"] == 3
    pass_page = client.get(f"/pass/{person['serial']}?lang=en").get_data(as_text=True)
    assert "Your forum seats" in pass_page and "Forum F-DT" in pass_page
    assert "14:00–15:30" in pass_page

    given_back = _reserve(client, "F-DT", seat_body(person), cancel=True)
    assert given_back.status_code == 200
    assert given_back.get_json() == {"seat": {"forum": "F-DT", "status": "cancelled"}}
    assert _listed(client)["F-DT"]["seats_left"] == 4
    assert "Your forum seats" not in client.get(f"/pass/{person['serial']}?lang=en").get_data(
        as_text=True)
    again = _refusal(_reserve(client, "F-DT", seat_body(person), cancel=True), 404)
    assert again["code"] == "seat_not_found"
    assert _reserve(client, "F-DT", seat_body(person)).status_code == 201  # free again


def test_the_list_gives_each_forum_with_local_times_and_filters(
        client, make_fair_day, forum):
    first, second = make_fair_day("CNCC", offset=1), make_fair_day("CNCC", offset=2)
    make_fair_day("SHOUGANG", offset=1)
    forum("F-A", first, "09:30", "11:00", seats=3)
    forum("F-MEDIA", second, kinds=["media"], room="CNCC-R302")
    forum("F-SG", first, "13:00", "14:00", room="SG-H1", venue="SHOUGANG")
    opens = datetime.now(timezone.utc) + timedelta(hours=2)
    forum("F-LATER", second, "15:00", "16:00", registration_opens=opens)

    listed = _listed(client)
    assert list(listed) == ["F-A", "F-SG", "F-MEDIA", "F-LATER"]  # by start
    item = listed["F-A"]
    assert item["title"] == {"zh": "F-A论坛", "en": "Forum F-A"}
    assert item["zone"] == {"code": "CNCC-R301", "kind": "forum_room",
                            "name": {"zh": "R301会议室", "en": "Room R301"}}
    assert item["venue"] == "CNCC"
    assert item["starts"] == f"{first.isoformat()}T09:30:00+08:00"
    assert item["ends"] == f"{first.isoformat()}T11:00:00+08:00"
    assert item["registration_closes"] == item["starts"]
    assert (item["seats"], item["seats_left"], item["kinds"]) == (3, 3, [])
    assert (item["registration_open"], item["status"]) == (True, "open")
    assert listed["F-MEDIA"]["kinds"] == ["media"]
    assert (listed["F-LATER"]["registration_open"], listed["F-LATER"]["status"]) == (
        False, "not_yet")
    assert listed["F-LATER"]["registration_opens"].endswith("+08:00")

    assert list(_listed(client, f"?day={second.isoformat()}")) == ["F-MEDIA", "F-LATER"]
    assert list(_listed(client, "?venue=shougang")) == ["F-SG"]
    assert "F-MEDIA" not in _listed(client, "?kind=visitor")
    assert "F-MEDIA" in _listed(client, "?kind=media")
    assert _listed(client, "?venue=NOWHERE") == {}
    for query, field in (("?day=tomorrow", "day"), ("?kind=astronaut", "kind"),
                         ("?venue=" + "X" * 13, "venue"), ("?colour=red", "colour")):
        error = _refusal(client.get(f"/api/v1/forums{query}"), 422)
        assert field in error["fields"], (query, error)


def test_each_refusal_answers_its_code(client, make_fair_day, forum, booked):
    day, other_day = make_fair_day("CNCC", offset=1), make_fair_day("CNCC", offset=2)
    forum("F-ONE", day, "10:00", "11:30", seats=1)
    forum("F-OVER", day, "11:00", "12:00", room="CNCC-R302")
    forum("F-MEDIA", day, "15:00", "16:00", kinds=["media"])
    forum("F-NEXT", other_day)
    closed = datetime.now(timezone.utc) - timedelta(minutes=5)
    forum("F-SHUT", day, "17:00", "18:00", registration_closes=closed)
    person, other = booked(day), booked(day)
    assert _reserve(client, "F-ONE", seat_body(person)).status_code == 201

    def refused(forum_code, who=person, status=409):
        return _refusal(_reserve(client, forum_code, seat_body(who)), status)

    assert refused("F-ONE")["code"] == "seat_taken"
    full = refused("F-ONE", other)
    assert full["code"] == "seats_full"
    assert full["message"] == "This forum is fully booked: you can join its waiting list"
    conflict = refused("F-OVER")
    assert conflict["code"] == "time_conflict"
    assert "F-ONE" in conflict["message"]
    assert refused("F-MEDIA")["code"] == "not_for_kind"
    assert refused("F-NEXT")["code"] == "no_booking_that_day"
    assert refused("F-SHUT")["code"] == "registration_closed"
    chinese = _refusal(_reserve(client, "F-ONE", seat_body(other, lang="zh")), 409)
    assert chinese["message"] == "该论坛座位已满，可以加入候补名单"


def test_unknown_forum_and_a_wrong_code_or_number_are_404(client, make_fair_day, forum,
                                                          booked, make_resident_id):
    day = make_fair_day("CNCC", offset=1)
    forum("F-DT", day)
    person = booked(day)
    for path in ("/api/v1/forums/NO-SUCH/seats", "/api/v1/forums/NO-SUCH/seats/cancel"):
        assert _refusal(client.post(path, json=seat_body(person)), 404)["code"] == \
            "forum_not_found"
    wrong_number = seat_body(person, document_number=make_resident_id())
    wrong_code = seat_body(person, code="ZZZZZZZZ")
    for body in (wrong_number, wrong_code):
        assert _refusal(_reserve(client, "F-DT", body), 404)["code"] == "appointment_not_found"
        assert _refusal(_reserve(client, "F-DT", body, cancel=True), 404)["code"] == \
            "appointment_not_found"
    assert _refusal(_reserve(client, "F-DT", seat_body(person), cancel=True), 404)["code"] == \
        "seat_not_found"


@pytest.mark.parametrize("body, field", [
    ({"document_number": "11010119900307803X"}, "code"),
    ({"code": "K7P2QX9M"}, "document_number"),
    ({"code": "   ", "document_number": "11010119900307803X"}, "code"),
    ({"code": "K7P2QX9M", "document_number": ""}, "document_number"),
    ({"code": "K7P2QX9M", "document_number": "1" * 65}, "document_number"),
    ({"code": "K7P2QX9M", "document_number": "110101\u202e19900307803X"}, "document_number"),
    ({"code": "K7P2QX9M", "document_number": 110101199003078030}, "document_number"),
    ({"code": "K7P2QX9M", "document_number": "11010119900307803X", "seat": 3}, "seat"),
])
def test_bad_input_is_422_naming_the_field(client, make_fair_day, forum, body, field):
    forum("F-DT", make_fair_day("CNCC", offset=1))
    for cancel in (False, True):
        error = _refusal(_reserve(client, "F-DT", body, cancel=cancel), 422)
        assert error["code"] == "invalid_input"
        assert list(error["fields"]) == [field]


def test_a_body_that_is_not_json_is_422(client, make_fair_day, forum):
    forum("F-DT", make_fair_day("CNCC", offset=1))
    response = client.post("/api/v1/forums/F-DT/seats", data="code=K7P2QX9M",
                           content_type="application/x-www-form-urlencoded")
    assert _refusal(response, 422)["fields"] == {"_schema": "Invalid JSON body."}


def test_pages_and_api_share_one_seat(client, make_fair_day, forum, booked):
    day = make_fair_day("CNCC", offset=1)
    forum("F-DT", day, seats=5)
    person = booked(day)
    page = client.post("/forums/F-DT/seat?lang=en", data=seat_body(person))
    assert page.status_code == 201
    assert _refusal(_reserve(client, "F-DT", seat_body(person)), 409)["code"] == "seat_taken"
    assert _reserve(client, "F-DT", seat_body(person), cancel=True).status_code == 200
    page_again = client.post("/forums/F-DT/seat/cancel?lang=en", data=seat_body(person))
    assert page_again.status_code == 404  # the page's answer to seat_not_found
    assert _listed(client)["F-DT"]["seats_left"] == 5


def test_the_document_number_is_never_answered_logged_or_audited(
        app, client, make_fair_day, forum, booked, caplog):
    from registration.extensions import db
    from registration.models import AuditEntry, Seat

    caplog.set_level(logging.DEBUG)
    day = make_fair_day("CNCC", offset=1)
    forum("F-ONE", day, seats=1)
    person, other = booked(day), booked(day)
    answers = [_reserve(client, "F-ONE", seat_body(person)),
               _reserve(client, "F-ONE", seat_body(other)),  # seats_full
               _reserve(client, "F-ONE", seat_body(person, document_number="1" * 65)),
               _reserve(client, "F-ONE", seat_body(person, code="ZZZZZZZZ")),
               _reserve(client, "F-ONE", seat_body(person), cancel=True)]
    assert [answer.status_code for answer in answers] == [201, 409, 422, 404, 200]
    assert "/api/v1/forums/F-ONE/seats" in caplog.text  # the requests were logged
    for number in (person["number"], other["number"]):
        assert all(number not in answer.get_data(as_text=True) for answer in answers)
        assert number not in caplog.text
        assert number[:-1] not in caplog.text  # nor most of it
    with app.app_context():
        seat = db.session.scalar(select(Seat))
        assert seat.document_index != person["number"]
        assert len(seat.document_index) == 64  # the blind index only
        entries = db.session.scalars(select(AuditEntry)).all()
        assert all(person["number"] not in f"{e.target} {e.details}" for e in entries)


def test_seat_requests_are_limited_per_address_and_share_the_documents_bucket(make_app):
    from registration.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, PROXY_HOPS=1, RATELIMIT_LOOKUP="3/minute",
                   RATELIMIT_LOOKUP_PER_DOCUMENT="2/minute")
    with app.app_context():
        limiter.reset()
    client = app.test_client()

    def post(path, number, address):
        return client.post(path, json={"code": "ABCDEFGH", "document_number": number},
                           headers={"X-Forwarded-For": address}).status_code

    seats = "/api/v1/forums/NO-SUCH/seats"
    # One address, other documents each time: three tries, then 429.
    assert [post(seats, f"E1234567{n}", "198.51.100.1") for n in range(4)] == [
        404, 404, 404, 429]
    # One document from other addresses: a look-up and a seat request use its two tries.
    number = "11010119900307803X"
    assert post("/api/v1/appointments/lookup", number, "198.51.100.2") == 404
    assert post(seats + "/cancel", number, "198.51.100.3") == 404
    limited = client.post(seats, json={"code": "ABCDEFGH", "document_number": number},
                          headers={"X-Forwarded-For": "198.51.100.4"})
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"

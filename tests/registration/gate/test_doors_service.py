"""Room doors on the service: a door device's manifest (its zone, the day's sessions, each
pass's seats there, check-in texts), kept incrementally, and online verify at a door
giving the door rules' verdicts (docs/gate-rules.md, "Doors of zones")."""
from __future__ import annotations

import pytest
from gatetools import beijing_at, post_verify
from sqlalchemy import select

from kiosk.manifest import parse_page


@pytest.fixture
def door(gates, room, forum, make_device):
    """(today, the entrance device E1, a door device of room CNCC-R301 with forum F-AI
    10:30-12:00 today: doors open 10:00, admit until 10:50)."""
    day, e1, _ = gates
    room(capacity=50)
    forum("F-AI", day)
    return day, e1, make_device("CNCC", "CNCC-R301", name="door")


def pull(app, device, cursor=None) -> dict:
    query = {"cursor": cursor} if cursor else {}
    response = app.test_client().get("/api/v1/gate/manifest", headers=device.headers,
                                     query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def items(page) -> dict[str, dict]:
    return {item["serial"]: item for item in page["appointments"]}


def verify_at(app, device, token: str, at, direction: str = "in") -> dict:
    """The service's online verify at ``at`` (the door window needs a known clock)."""
    from registration.extensions import db
    from registration.models import Device
    from registration.services import verify

    with app.app_context():
        result = verify.verify_scan(db.session.get(Device, device.id), token, direction,
                                    device.gate, now=at)
        db.session.commit()
        return result.verdict.as_wire()


def test_a_door_manifest_carries_its_zone_sessions_and_seats(app, door, book, seat):
    day, e1, r301 = door
    holder, other = book(day), book(day)
    seat("F-AI", holder)
    page = pull(app, r301)
    zone = page["zone"]
    assert (zone["code"], zone["kind"], zone["seated"], zone["kinds"], zone["capacity"]) == (
        "CNCC-R301", "forum_room", True, None, 50)
    [session] = zone["sessions"]
    assert session["code"] == "F-AI" and session["title"]["en"] == "Forum F-AI"
    assert (session["doors_open"], session["admits_until"]) == (
        _utc(day, "10:00"), _utc(day, "10:50"))
    # The door kiosk leases room places: its policy's limit is the room's capacity.
    assert page["policy"]["occupancy_limit"] == 50 and page["attention_kinds"] == {}
    listed = items(page)
    assert listed[holder["pass"]["serial"]]["seats"] == ["F-AI"]
    assert listed[other["pass"]["serial"]]["seats"] == []
    # The kiosk takes the page as it is (kiosk/manifest.py checks door pages by hand).
    header, _, rows, _ = parse_page(page)
    assert header["zone"]["sessions"][0]["code"] == "F-AI" and len(rows) == 2
    # The entrance's manifest names no zone and no seats.
    entrance = pull(app, e1)
    assert entrance["zone"] is None and entrance["policy"]["occupancy_limit"] is None
    assert items(entrance)[holder["pass"]["serial"]]["seats"] == []


def _utc(day, clock: str) -> str:
    from datetime import timezone

    return beijing_at(day, clock).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def test_seat_and_attention_changes_reach_the_door_incrementally(app, door, book, seat):
    from registration.actions import attention as attention_actions
    from registration.actions.actors import Actor
    from registration.extensions import db
    from registration.services import attention, seats

    day, _, r301 = door
    holder, other = book(day), book(day)
    seat("F-AI", holder)
    cursor = pull(app, r301)["cursor"]
    assert pull(app, r301, cursor)["appointments"] == []  # nothing new
    with app.app_context():
        seats.cancel("F-AI", code=holder["appointment"]["code"],
                     document_number=holder["number"])
        db.session.commit()
    page = pull(app, r301, cursor)
    assert [(i["serial"], i["seats"]) for i in page["appointments"]] == [
        (holder["pass"]["serial"], [])]
    with app.app_context():
        attention_actions.set_note(
            Actor.operator(), attention.target(serial=other["pass"]["serial"]),
            text_zh="请引导至贵宾室", text_en="Escort to the VIP lounge", needs_staff=True)
        db.session.commit()
    page = pull(app, r301, page["cursor"])
    assert [(i["serial"], i["attention"]) for i in page["appointments"]] == [
        (other["pass"]["serial"], {"zh": "请引导至贵宾室", "en": "Escort to the VIP lounge",
                                   "needs_staff": True})]


def test_verify_at_a_door_follows_the_seat_and_the_door_window(app, door, book, seat):
    from registration.extensions import db
    from registration.models import PassPresence, ZonePresence

    day, _, r301 = door
    holder, late, nobody = book(day), book(day), book(day)
    seat("F-AI", holder)
    seat("F-AI", late)
    token = holder["pass"]["token"]
    assert verify_at(app, r301, token, beijing_at(day, "09:59:59"))["reason"] == \
        "session_not_open"
    admitted = verify_at(app, r301, token, beijing_at(day, "10:00"))
    assert (admitted["admit"], admitted["reason"], admitted["colour"]) == (True, "ok", "green")
    assert verify_at(app, r301, nobody["pass"]["token"],
                     beijing_at(day, "10:05"))["reason"] == "no_seat"
    assert verify_at(app, r301, late["pass"]["token"],
                     beijing_at(day, "10:50:01"))["reason"] == "session_over"
    # Out of the room and back in while the window is open.
    assert verify_at(app, r301, token, beijing_at(day, "10:20"), "out")["reason"] == "ok_exit"
    assert verify_at(app, r301, token, beijing_at(day, "10:30"))["reason"] == "ok_reentry"
    with app.app_context():
        inside = db.session.scalar(select(ZonePresence).where(
            ZonePresence.serial == holder["pass"]["serial"]))
        assert (inside.inside, inside.entries, inside.exits) == (True, 2, 1)
        # The venue's own presence is the entrance's: the room's door left it alone.
        assert db.session.scalar(select(PassPresence).where(
            PassPresence.serial == holder["pass"]["serial"])) is None


def test_a_full_room_waits_until_someone_leaves(app, gates, room, forum, make_device, book,
                                                seat):
    from registration.extensions import db
    from registration.models import OccupancyPool

    day, _, _ = gates
    room(capacity=1)
    forum("F-AI", day, seats=1)
    forum("F-PM", day, "14:00", "15:00", seats=1)
    r301 = make_device("CNCC", "CNCC-R301", name="door")
    first, second = book(day), book(day)
    seat("F-AI", first)
    seat("F-PM", second)
    assert verify_at(app, r301, first["pass"]["token"], beijing_at(day, "10:40"))["admit"]
    full = verify_at(app, r301, second["pass"]["token"], beijing_at(day, "13:40"))
    assert (full["admit"], full["reason"], full["colour"]) == (False, "room_full", "amber")
    assert verify_at(app, r301, first["pass"]["token"], beijing_at(day, "13:45"),
                     "out")["reason"] == "ok_exit"
    assert verify_at(app, r301, second["pass"]["token"], beijing_at(day, "13:46"))["admit"]
    with app.app_context():
        pool = db.session.scalar(select(OccupancyPool).where(
            OccupancyPool.zone_id.is_not(None)))
        assert (pool.occupancy_limit, pool.inside) == (1, 1)
        venue_pool = db.session.scalar(select(OccupancyPool).where(
            OccupancyPool.zone_id.is_(None)))
        assert venue_pool is None  # the room's places are not the venue's


def test_a_lounge_for_guests_refuses_visitors_online(app, gates, room, make_device, book):
    day, _, _ = gates
    room("CNCC-VIP", kind="vip_lounge", kinds=["guest"])
    lounge = make_device("CNCC", "CNCC-VIP", name="lounge")
    response = post_verify(app, lounge, book(day)["pass"]["token"])
    assert response.status_code == 200
    verdict = response.get_json()["verdict"]
    assert (verdict["admit"], verdict["reason"]) == (False, "zone_not_allowed")
    assert verdict["message"]["en"] and verdict["message"]["zh"]


def test_check_in_texts_come_with_the_verdict_and_may_wait_for_staff(app, gates, book):
    from registration.actions import attention as attention_actions
    from registration.actions.actors import Actor
    from registration.extensions import db
    from registration.services import attention

    day, e1, e2 = gates
    plain, own = book(day), book(day)
    with app.app_context():
        attention_actions.set_note(Actor.operator(), attention.target(kind="visitor"),
                                   text_zh="请出示邀请函", text_en="Show the invitation",
                                   needs_staff=True)
        attention_actions.set_note(Actor.operator(),
                                   attention.target(serial=own["pass"]["serial"]),
                                   text_zh="媒体采访", text_en="Press interview")
        db.session.commit()
    verdict = post_verify(app, e1, plain["pass"]["token"], id="att-1").get_json()["verdict"]
    assert (verdict["admit"], verdict["reason"], verdict["colour"]) == (True, "ok", "amber")
    assert verdict["attention"] == {"zh": "请出示邀请函", "en": "Show the invitation"}
    assert verdict["needs_staff"] is True
    # A retried request (same client id) answers the same, text included.
    retried = post_verify(app, e1, plain["pass"]["token"], id="att-1").get_json()["verdict"]
    assert retried == verdict
    # The pass's own note wins over its kind's.
    verdict = post_verify(app, e1, own["pass"]["token"]).get_json()["verdict"]
    assert verdict["attention"] == {"zh": "媒体采访", "en": "Press interview"}
    assert (verdict["needs_staff"], verdict["colour"]) == (False, "green")
    # A refusal keeps its colour; the note still shows.
    refused = post_verify(app, e2, plain["pass"]["token"]).get_json()["verdict"]
    assert (refused["reason"], refused["colour"]) == ("already_inside", "red")
    assert refused["attention"]["en"] == "Show the invitation"
    # And the kiosks get the kind's note in every page's header.
    header = app.test_client().get("/api/v1/gate/manifest", headers=e1.headers).get_json()
    assert header["attention_kinds"] == {"visitor": {
        "zh": "请出示邀请函", "en": "Show the invitation", "needs_staff": True}}


def test_a_door_kiosk_leases_places_of_its_room(app, make_fair_day, room, make_device):
    from registration.extensions import db
    from registration.models import OccupancyPool

    make_fair_day("CNCC", offset=0, occupancy_limit=8000)
    room(capacity=3)
    door_kiosk = make_device("CNCC", "CNCC-R301", name="door")
    entrance = make_device("CNCC", "CNCC-E1")

    def lease(device, lease_id, request):
        response = app.test_client().post("/api/v1/gate/leases", headers=device.headers,
                                          json={"lease_id": lease_id, "request": request})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    answer = lease(door_kiosk, "d1", 30)
    assert answer["limited"] and answer["credits"] == 3  # all the room has, not 30
    assert answer["pool"]["limit"] == 3 and answer["pool"]["committed"] == answer["credits"]
    # The entrance leases from the venue's 8,000, which the room's credits do not touch.
    venue = lease(entrance, "e1", 30)
    assert venue["pool"]["limit"] == 8000 and venue["pool"]["committed"] == venue["credits"]
    with app.app_context():
        pools = {p.zone_id is None: (p.occupancy_limit, p.outstanding)
                 for p in db.session.scalars(select(OccupancyPool))}
    assert pools == {False: (3, answer["credits"]), True: (8000, venue["credits"])}

"""Door rules (gate.doors + gate.rules.decide(door=...)): every door reason, the check
order, the session window at each of its edges, rooms, re-entry and exits at a door."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.doors import SEAT_EXEMPT_KINDS, DoorFacts, SessionWindow
from gate.passes import PassClaims, PassKind, document_fingerprint
from gate.reasons import Reason
from gate.rules import (
    DOOR_ENTRY_CHECK_ORDER,
    AppointmentRecord,
    CapacityState,
    PresenceState,
    Scan,
    VenuePolicy,
    decide,
)

CST = timezone(timedelta(hours=8))
DAY = date(2024, 9, 3)
GATE = "CNCC-R301"
SERIAL = "AAAAAAAAAAAAAAAA"
FP = document_fingerprint(SERIAL, "cn_resident_id:11010519491231002X")
OTHER_FP = document_fingerprint(SERIAL, "cn_resident_id:110105194912310021")


def at(hour: int, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute, second, microsecond), CST)


# The worked example of docs/gate-rules.md: forum 10:00-11:30, doors 09:30, admits until 10:20.
FORUM = SessionWindow.of("F-TRADE", at(10), at(11, 30))
NOW = at(10, 5)
INSIDE = PresenceState(inside=True, entries_today=1, last_direction="in", last_gate=GATE,
                       last_passed_at=NOW - timedelta(minutes=20))
EXITED = PresenceState(inside=False, entries_today=1, exits_today=1, last_direction="out",
                       last_gate=GATE, last_passed_at=NOW - timedelta(minutes=5))
JUST_ADMITTED = replace(INSIDE, last_passed_at=NOW - timedelta(seconds=2))


def make_claims(**changes) -> PassClaims:
    fields = dict(serial=SERIAL, venue="CNCC", first_day=DAY, day_count=1,
                  kind=PassKind.visitor, fingerprint=FP, key_id="ab12")
    return PassClaims(**{**fields, **changes})


def make_record(**changes) -> AppointmentRecord:
    fields = dict(serial=SERIAL, status="active", day=DAY, venue="CNCC", kind=PassKind.visitor,
                  fingerprint=FP, holder_name_masked="张*", document_masked="1*************002X")
    return AppointmentRecord(**{**fields, **changes})


def make_door(**changes) -> DoorFacts:
    fields = dict(zone="CNCC-R301", seated=True, capacity=200, inside_now=10,
                  sessions=(FORUM,), seats=frozenset({"F-TRADE"}))
    return DoorFacts(**{**fields, **changes})


def pass_scan(kind=PassKind.visitor, *, direction="in", when=NOW, fingerprint=None, **claims):
    return Scan(claims=make_claims(kind=kind, **claims), direction=direction, gate=GATE,
                scanned_at=when, presented_fingerprint=fingerprint)


def judge(scan=None, *, door="default", record="default", revoked=False, presence=None,
          policy=None, local_time=None, capacity=None):
    scan = scan or pass_scan()
    if record == "default":
        record = make_record(kind=scan.claims.kind) if scan.claims is not None else make_record()
    return decide(
        scan,
        venue_policy=policy or VenuePolicy(venue="CNCC", opens=time(9), closes=time(17)),
        day=DAY,
        local_time=local_time or scan.scanned_at.astimezone(CST).time(),
        record=record,
        revoked=revoked,
        presence=presence or PresenceState(),
        capacity=capacity or CapacityState(),
        door=make_door() if door == "default" else door,
    )


DOOR_CASES = [
    (Reason.zone_not_allowed, dict(door=make_door(allowed_kinds={PassKind.media}))),
    (Reason.no_seat, dict(door=make_door(seats=frozenset()))),
    (Reason.session_not_open, dict(scan=pass_scan(when=at(9, 29, 59)))),
    (Reason.session_over, dict(scan=pass_scan(when=at(10, 20, 1)))),
    (Reason.already_inside, dict(presence=INSIDE)),
    (Reason.room_full, dict(door=make_door(capacity=10, inside_now=10))),
    (Reason.ok, {}),
    (Reason.ok_reentry, dict(presence=EXITED)),
    (Reason.ok_exit, dict(scan=pass_scan(direction="out"), presence=INSIDE)),
    (Reason.not_inside, dict(scan=pass_scan(direction="out"))),
    (Reason.duplicate_scan, dict(presence=JUST_ADMITTED)),
    (Reason.revoked, dict(revoked=True)),
    (Reason.wrong_venue, dict(scan=pass_scan(venue="SHOUGANG"), record=None)),
    (Reason.wrong_day, dict(scan=pass_scan(first_day=DAY - timedelta(days=1)))),
    (Reason.cancelled, dict(record=make_record(status="cancelled"))),
    (Reason.id_mismatch, dict(scan=pass_scan(fingerprint=OTHER_FP))),
    (Reason.unreadable, dict(scan=Scan(token_error="unreadable", direction="in", gate=GATE,
                                       scanned_at=NOW))),
    (Reason.no_appointment, dict(scan=Scan(document_index="9f" * 20, direction="in",
                                           gate=GATE, scanned_at=NOW), record=None)),
]


@pytest.mark.parametrize("reason, context", DOOR_CASES, ids=[r.value for r, _ in DOOR_CASES])
def test_each_reason_at_a_door(reason, context):
    verdict = judge(**context)
    assert verdict.reason is reason
    assert (verdict.admit, verdict.colour, verdict.message) == (
        reason.admit, reason.colour, reason.message)


def test_door_reasons_say_what_the_documentation_says():
    table = {r.value: (r.admit, r.colour.value, r.message.zh, r.message.en) for r in Reason}
    assert table["zone_not_allowed"] == (False, "red", "您的证件不能进入此区域",
                                         "Your pass does not admit you to this area")
    assert table["no_seat"] == (False, "red", "未预约本场论坛座位",
                                "No seat booked for this session")
    assert table["session_not_open"] == (False, "amber", "本场尚未开始入场，请稍候",
                                         "Doors are not open yet for your session")
    assert table["session_over"] == (False, "red", "本场入场时间已过",
                                     "Entry to your session has closed")
    assert table["room_full"] == (False, "amber", "会场人数已满，请稍候",
                                  "The room is full, please wait")


def test_the_door_check_order_is_the_documented_one():
    assert [r.value for r in DOOR_ENTRY_CHECK_ORDER] == [
        "unreadable", "unknown_key", "bad_signature", "revoked", "wrong_venue", "wrong_day",
        "cancelled", "no_appointment", "id_required", "id_mismatch", "duplicate_scan",
        "zone_not_allowed", "no_seat", "session_not_open", "session_over", "already_inside",
        "room_full"]


def door_scenario(failing: set) -> dict:
    """Facts of a door entry scan failing exactly the checks named in ``failing`` (at most
    one of the three session reasons)."""
    claims, record, door, presence = {}, {}, {}, PresenceState()
    when, fingerprint = NOW, None
    if "wrong_venue" in failing:
        claims["venue"] = "SHOUGANG"
    if "wrong_day" in failing:
        claims["first_day"] = DAY - timedelta(days=1)
    if "cancelled" in failing:
        record["status"] = "cancelled"
    if "id_mismatch" in failing:
        fingerprint = OTHER_FP
    if "zone_not_allowed" in failing:
        door["allowed_kinds"] = {PassKind.guest}
    if "no_seat" in failing:
        door["seats"] = frozenset({"F-OTHER-ROOM"})
    if "session_not_open" in failing:
        when = at(9, 10)
    if "session_over" in failing:
        when = at(11)
    if "already_inside" in failing:
        presence = replace(INSIDE, last_passed_at=when - timedelta(minutes=20))
    if "duplicate_scan" in failing:
        presence = replace(INSIDE, last_passed_at=when - timedelta(seconds=3))
    if "room_full" in failing:
        door["entry_credits"] = 0
    return dict(scan=pass_scan(when=when, fingerprint=fingerprint, **claims),
                record=make_record(**record), door=make_door(**door), presence=presence,
                revoked="revoked" in failing)


@pytest.mark.parametrize("session", ["no_seat", "session_not_open", "session_over"])
def test_the_first_failing_check_wins_at_a_door(session):
    sequence = ["revoked", "wrong_venue", "wrong_day", "cancelled", "id_mismatch",
                "duplicate_scan", "zone_not_allowed", session, "already_inside", "room_full"]
    sessions = {"no_seat", "session_not_open", "session_over"}
    assert [r for r in sequence if r != session] == [
        r.value for r in DOOR_ENTRY_CHECK_ORDER if r.value in sequence and r.value not in sessions]
    for position, expected in enumerate(sequence):
        failing = set(sequence[position:])
        assert judge(**door_scenario(failing)).reason.value == expected, failing
    assert judge(**door_scenario(set())).reason is Reason.ok


def test_a_revoked_pass_with_no_seat_is_told_revoked():
    no_seat = make_door(seats=frozenset())
    assert judge(door=no_seat).reason is Reason.no_seat
    assert judge(door=no_seat, revoked=True).reason is Reason.revoked
    assert judge(door=no_seat, record=make_record(status="revoked")).reason is Reason.revoked


def test_a_full_room_tells_a_person_without_a_seat_about_the_seat():
    full = make_door(seats=frozenset(), capacity=5, inside_now=5)
    assert judge(door=full).reason is Reason.no_seat


def test_id_required_at_a_door_follows_the_venue_policy():
    policy = VenuePolicy(venue="CNCC", opens=time(9), closes=time(17),
                         id_check_kinds={PassKind.visitor})
    assert judge(policy=policy, door=make_door(seats=frozenset())).reason is Reason.id_required
    assert judge(pass_scan(fingerprint=FP), policy=policy).reason is Reason.ok


def test_an_id_card_alone_opens_a_door_for_the_booking_found():
    card = Scan(document_index="9f" * 20, direction="in", gate=GATE, scanned_at=NOW,
                presented_fingerprint=FP)
    verdict = judge(card)
    assert verdict.reason is Reason.ok and verdict.serial == SERIAL
    assert judge(card, door=make_door(seats=frozenset())).reason is Reason.no_seat
    media_only = make_door(allowed_kinds={PassKind.media})
    assert judge(card, door=media_only).reason is Reason.zone_not_allowed
    assert judge(card, door=media_only, record=make_record(kind=PassKind.media)).reason \
        is Reason.ok


def test_the_entrance_checks_are_left_to_the_entrance():
    """Hours, slots, quota and venue occupancy are the entrance's: a door ignores them."""
    record = make_record(slot_start=time(14), slot_end=time(15))
    full_venue = CapacityState(quota=1, admitted_today=1, occupancy_limit=1, inside_now=1,
                               entry_credits=0)
    verdict = judge(record=record, capacity=full_venue, local_time=time(22))
    assert verdict.reason is Reason.ok and verdict.admit
    assert not verdict.counts_toward_quota  # the venue's quota was counted at the entrance
    without_door = judge(record=record, capacity=full_venue, local_time=time(12), door=None)
    assert without_door.reason is Reason.outside_slot


# The session window ------------------------------------------------------------------------

def test_a_window_is_computed_from_the_start():
    assert (FORUM.doors_open, FORUM.admits_until) == (at(9, 30), at(10, 20))
    custom = SessionWindow.of("F", at(10), at(11, 30), doors_open_minutes=0,
                              admit_until_minutes=45)
    assert (custom.doors_open, custom.admits_until) == (at(10), at(10, 45))
    short = SessionWindow.of("F", at(10), at(10, 10))  # 20 minutes after the start: capped
    assert (short.doors_open, short.admits_until) == (at(9, 30), at(10, 10))


@pytest.mark.parametrize("when, expected", [
    (at(9, 29, 59), Reason.session_not_open),
    (at(9, 29, 59, 999999), Reason.session_not_open),
    (at(9, 30), Reason.ok),
    (at(10), Reason.ok),
    (at(10, 20), Reason.ok),
    (at(10, 20, 0, 1), Reason.session_over),
    (at(10, 20, 1), Reason.session_over),
    (at(11, 30), Reason.session_over),
    (at(16), Reason.session_over),
    (at(7), Reason.session_not_open),
], ids=lambda v: v.strftime("%H:%M:%S.%f") if isinstance(v, datetime) else v.value)
def test_door_window_edges(when, expected):
    assert judge(pass_scan(when=when)).reason is expected


@pytest.mark.parametrize("when, expected", [
    (at(10, 10), Reason.ok), (at(10, 10, 1), Reason.session_over),
])
def test_admits_until_is_capped_by_the_end(when, expected):
    short = SessionWindow.of("F-SHORT", at(10), at(10, 10))
    door = make_door(sessions=(short,), seats=frozenset({"F-SHORT"}))
    assert judge(pass_scan(when=when), door=door).reason is expected


def test_the_window_is_the_same_instant_in_any_time_zone():
    utc = SessionWindow.of("F-TRADE", at(10).astimezone(timezone.utc),
                           at(11, 30).astimezone(timezone.utc))
    door = make_door(sessions=(utc,))
    assert judge(pass_scan(when=at(9, 30)), door=door).reason is Reason.ok
    assert judge(pass_scan(when=at(9, 29, 59)), door=door).reason is Reason.session_not_open


MORNING = SessionWindow.of("F-AM", at(9), at(10))     # doors 08:30, admits until 09:20
AFTERNOON = SessionWindow.of("F-PM", at(14), at(15, 30))  # doors 13:30, admits until 14:20


@pytest.mark.parametrize("seats, when, expected", [
    ({"F-AM", "F-PM"}, at(9), Reason.ok),
    ({"F-AM", "F-PM"}, at(11), Reason.session_not_open),   # one over, the next not open
    ({"F-AM", "F-PM"}, at(13, 30), Reason.ok),
    ({"F-AM", "F-PM"}, at(14, 20, 1), Reason.session_over),
    ({"F-PM"}, at(9), Reason.session_not_open),   # the morning's doors are open, not for you
    ({"F-PM"}, at(14), Reason.ok),
    ({"F-AM"}, at(13, 40), Reason.session_over),
    ({"F-AM"}, at(8, 30), Reason.ok),
    ({"F-ELSEWHERE"}, at(9), Reason.no_seat),      # a seat in a forum of another room
    (set(), at(14), Reason.no_seat),
])
def test_two_sessions_in_one_room(seats, when, expected):
    door = make_door(sessions=(MORNING, AFTERNOON), seats=frozenset(seats))
    assert judge(pass_scan(when=when), door=door).reason is expected


def test_a_room_with_no_session_today_has_no_seat_for_anyone_but_staff():
    door = make_door(sessions=(), seats=frozenset())
    assert judge(door=door).reason is Reason.no_seat
    assert judge(pass_scan(PassKind.staff), door=door).reason is Reason.ok


@pytest.mark.parametrize("kind", sorted(SEAT_EXEMPT_KINDS))
@pytest.mark.parametrize("when", [at(7), NOW, at(16)], ids=["early", "during", "late"])
def test_staff_and_contractors_need_no_seat_at_any_time(kind, when):
    door = make_door(seats=frozenset())
    assert judge(pass_scan(kind, when=when), door=door).reason is Reason.ok
    assert SEAT_EXEMPT_KINDS == {PassKind.staff, PassKind.contractor}


def test_exempt_kinds_still_need_to_be_allowed_in_the_zone():
    door = make_door(seats=frozenset(), allowed_kinds={PassKind.media})
    assert judge(pass_scan(PassKind.staff), door=door).reason is Reason.zone_not_allowed


# Zones by kind ----------------------------------------------------------------------------

HALL = dict(seated=False, sessions=(), seats=frozenset())
GATE_KINDS = [k for k in PassKind if k is not PassKind.online]


@pytest.mark.parametrize("kind", GATE_KINDS)
def test_the_media_centre_admits_media_only(kind):
    door = make_door(**HALL, allowed_kinds=frozenset({PassKind.media}))
    expected = Reason.ok if kind is PassKind.media else Reason.zone_not_allowed
    assert judge(pass_scan(kind), door=door).reason is expected


@pytest.mark.parametrize("kind", GATE_KINDS)
def test_a_zone_for_every_kind_admits_every_gate_kind(kind):
    assert judge(pass_scan(kind), door=make_door(**HALL, allowed_kinds=None)).reason \
        is Reason.ok


def test_an_online_pass_opens_no_door():
    assert judge(pass_scan(PassKind.online), door=make_door(**HALL)).reason \
        is Reason.wrong_venue


def test_an_unseated_zone_ignores_sessions_and_seats():
    door = make_door(seated=False, sessions=(FORUM,), seats=frozenset())
    assert judge(pass_scan(when=at(16)), door=door).reason is Reason.ok


# Rooms ------------------------------------------------------------------------------------

@pytest.mark.parametrize("door, expected", [
    (make_door(capacity=50, inside_now=49), Reason.ok),
    (make_door(capacity=50, inside_now=50), Reason.room_full),
    (make_door(capacity=50, inside_now=51), Reason.room_full),
    (make_door(capacity=0, inside_now=0), Reason.room_full),
    (make_door(capacity=None, inside_now=100_000), Reason.ok),
    (make_door(entry_credits=1), Reason.ok),
    (make_door(entry_credits=0), Reason.room_full),
    (make_door(capacity=None, entry_credits=-1), Reason.room_full),
], ids=["below", "at", "above", "zero", "unlimited", "credit", "no_credit", "overdrawn"])
def test_room_full_by_capacity_and_by_credits(door, expected):
    verdict = judge(door=door)
    assert verdict.reason is expected
    assert verdict.occupies_place is (expected is Reason.ok)


def test_people_step_out_of_a_room_and_back_in():
    policy = VenuePolicy(venue="CNCC", opens=time(9), closes=time(17), reentry_allowed=False)
    verdict = judge(presence=EXITED, policy=policy)
    assert verdict.reason is Reason.ok_reentry and verdict.admit
    assert judge(presence=INSIDE, policy=policy).reason is Reason.already_inside
    assert judge(presence=INSIDE, policy=replace(policy, reentry_allowed=True)).reason \
        is Reason.already_inside


@pytest.mark.parametrize("kind", [PassKind.media, PassKind.guest, PassKind.exhibitor])
def test_multi_entry_kinds_are_never_already_inside_a_room(kind):
    door = make_door(**HALL)
    assert judge(pass_scan(kind), door=door, presence=INSIDE).reason is Reason.ok_reentry


@pytest.mark.parametrize("context", [
    dict(revoked=True), dict(door=make_door(seats=frozenset())),
    dict(door=make_door(capacity=1, inside_now=5, entry_credits=0)),
    dict(door=make_door(allowed_kinds={PassKind.media})),
    dict(record=make_record(status="cancelled")),
], ids=["revoked", "no_seat", "full", "not_allowed", "cancelled"])
@pytest.mark.parametrize("when", [at(9), at(16)], ids=["before", "after"])
def test_nobody_is_held_in_a_room(context, when):
    verdict = judge(pass_scan(direction="out", when=when), presence=INSIDE, **context)
    assert verdict.reason is Reason.ok_exit and verdict.admit and verdict.frees_place


def test_exits_at_a_door_as_at_the_entrance():
    assert judge(pass_scan(direction="out")).reason is Reason.not_inside
    repeat = replace(EXITED, last_passed_at=NOW - timedelta(seconds=4))
    verdict = judge(pass_scan(direction="out"), presence=repeat)
    assert verdict.reason is Reason.duplicate_scan and not verdict.admit


# Facts that make no sense -----------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda: SessionWindow.of("F", at(10).replace(tzinfo=None), at(11)),
    lambda: SessionWindow.of("F", at(11), at(10)),
    lambda: SessionWindow.of("F", at(10), at(11), doors_open_minutes=-1),
    lambda: SessionWindow(code="F", starts=at(10), ends=at(11), doors_open=at(10, 30),
                          admits_until=at(10, 20)),
    lambda: make_door(capacity=-1),
    lambda: make_door(inside_now=-1),
    lambda: make_door(allowed_kinds={"wizard"}),
], ids=["naive", "backwards", "negative_minutes", "closed_window", "capacity", "inside",
        "kind"])
def test_invalid_door_facts_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_door_facts_take_any_collection():
    door = make_door(allowed_kinds=["media"], seats=["F-TRADE"], sessions=[FORUM])
    assert door.allowed_kinds == {PassKind.media} and door.seats == {"F-TRADE"}
    assert door.sessions == (FORUM,)


# Capacity under random traffic ------------------------------------------------------------

PEOPLE = [SERIAL[:15] + letter for letter in "ABCDEFGH"]


@given(capacity=st.integers(0, 4),
       scans=st.lists(st.tuples(st.integers(0, len(PEOPLE) - 1), st.sampled_from(["in", "out"]),
                                st.integers(0, 30)), max_size=60))
def test_a_room_is_never_over_capacity(capacity, scans):
    """Fold random door scans through decide, keeping every pass's zone presence and the
    room's head count: the count never exceeds the capacity, and a refused entry is only
    ever room_full or already_inside."""
    presence = {serial: PresenceState() for serial in PEOPLE}
    when = at(9, 30)
    for person, direction, seconds in scans:
        when += timedelta(seconds=seconds)
        serial = PEOPLE[person]
        inside_now = sum(p.inside for p in presence.values())
        door = make_door(capacity=capacity, inside_now=inside_now,
                         sessions=(SessionWindow.of("F-TRADE", at(10), at(12)),))
        scan = pass_scan(direction=direction, when=when, serial=serial)
        verdict = judge(scan, door=door, record=make_record(serial=serial),
                        presence=presence[serial])
        if verdict.admit:
            presence[serial] = presence[serial].after(direction, GATE, when)
        elif direction == "in":
            assert verdict.reason in {Reason.room_full, Reason.already_inside,
                                      Reason.duplicate_scan}
        assert sum(p.inside for p in presence.values()) <= capacity

"""Admission rules: every reason code, the check order, and the policies around them."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.passes import PassClaims, PassKind, SigningKey, document_fingerprint, sign_pass
from gate.reasons import COLOURS, Reason
from gate.rules import (
    ENTRY_CHECK_ORDER,
    AppointmentRecord,
    CapacityState,
    PresenceState,
    Scan,
    VenuePolicy,
    decide,
)

CST = timezone(timedelta(hours=8))
DAY = date(2024, 9, 3)
NOON = time(12, 0)
NOW = datetime.combine(DAY, NOON, CST)
GATE = "CNCC-E1"
SERIAL = "AAAAAAAAAAAAAAAA"
DOC_KEY = "cn_resident_id:11010519491231002X"
FP = document_fingerprint(SERIAL, DOC_KEY)
OTHER_FP = document_fingerprint(SERIAL, "cn_resident_id:110105194912310021")
EXPECTED_CODES = {
    "ok", "ok_reentry", "ok_exit", "unreadable", "bad_signature", "unknown_key", "revoked",
    "cancelled", "wrong_venue", "wrong_day", "outside_hours", "outside_slot", "already_inside",
    "not_inside", "no_appointment", "id_mismatch", "quota_full", "venue_full", "id_required",
    "duplicate_scan",
}
DOOR_CODES = {"zone_not_allowed", "no_seat", "session_not_open", "session_over", "room_full"}
"""Reasons only a zone's door gives (their cases: tests/gate/test_doors.py)."""
EVENT_ONLY_CODES = {"annulled"}  # the reason of an annul event, never a verdict


def make_claims(**changes) -> PassClaims:
    fields = dict(serial=SERIAL, venue="CNCC", first_day=DAY, day_count=1,
                  kind=PassKind.visitor, fingerprint=FP, key_id="ab12")
    return PassClaims(**{**fields, **changes})


def make_record(**changes) -> AppointmentRecord:
    fields = dict(serial=SERIAL, status="active", day=DAY, venue="CNCC", kind=PassKind.visitor,
                  fingerprint=FP, holder_name_masked="张*", document_masked="1*************002X")
    return AppointmentRecord(**{**fields, **changes})


def make_policy(**changes) -> VenuePolicy:
    return VenuePolicy(**{"venue": "CNCC", "opens": time(9), "closes": time(17), **changes})


def pass_scan(claims=None, *, direction="in", fingerprint=None, at=NOW, gate=GATE) -> Scan:
    return Scan(claims=claims or make_claims(), direction=direction, gate=gate, scanned_at=at,
                presented_fingerprint=fingerprint)


def token_failure(reason="unreadable", *, direction="in") -> Scan:
    return Scan(token_error=reason, direction=direction, gate=GATE, scanned_at=NOW)


def id_card_scan(*, direction="in") -> Scan:
    return Scan(document_index="9f" * 20, direction=direction, gate=GATE, scanned_at=NOW,
                presented_fingerprint=FP)


def judge(scan=None, *, policy=None, day=DAY, local_time=NOON, record="default", revoked=False,
          presence=None, capacity=None):
    return decide(
        scan or pass_scan(),
        venue_policy=policy or make_policy(),
        day=day,
        local_time=local_time,
        record=make_record() if record == "default" else record,
        revoked=revoked,
        presence=presence or PresenceState(),
        capacity=capacity or CapacityState(),
    )


INSIDE = PresenceState(inside=True, entries_today=1, last_direction="in", last_gate="CNCC-E2",
                       last_passed_at=NOW - timedelta(hours=1))
EXITED = PresenceState(inside=False, entries_today=1, last_direction="out",
                       last_gate="CNCC-E2", last_passed_at=NOW - timedelta(minutes=10))
JUST_ADMITTED = replace(INSIDE, last_gate=GATE, last_passed_at=NOW - timedelta(seconds=2))

REASON_CASES = [
    (Reason.ok, {}),
    (Reason.ok_reentry, dict(policy=make_policy(reentry_allowed=True), presence=EXITED)),
    (Reason.ok_exit, dict(scan=pass_scan(direction="out"), presence=INSIDE)),
    (Reason.not_inside, dict(scan=pass_scan(direction="out"))),
    (Reason.duplicate_scan, dict(presence=JUST_ADMITTED)),
    (Reason.unreadable, dict(scan=token_failure("unreadable"))),
    (Reason.unknown_key, dict(scan=token_failure("unknown_key"))),
    (Reason.bad_signature, dict(scan=token_failure("bad_signature"))),
    (Reason.revoked, dict(revoked=True)),
    (Reason.cancelled, dict(record=make_record(status="cancelled"))),
    (Reason.wrong_venue, dict(scan=pass_scan(make_claims(venue="SHOUGANG")), record=None)),
    (Reason.wrong_day, dict(scan=pass_scan(make_claims(first_day=DAY - timedelta(days=1))))),
    (Reason.no_appointment, dict(scan=id_card_scan(), record=None)),
    (Reason.id_required, dict(policy=make_policy(id_check_kinds={PassKind.visitor}))),
    (Reason.id_mismatch, dict(scan=pass_scan(fingerprint=OTHER_FP))),
    (Reason.outside_hours, dict(local_time=time(8, 30))),
    (Reason.outside_slot, dict(record=make_record(slot_start=time(14), slot_end=time(15)))),
    (Reason.already_inside, dict(presence=INSIDE)),
    (Reason.quota_full, dict(capacity=CapacityState(quota=100, admitted_today=100))),
    (Reason.venue_full, dict(capacity=CapacityState(occupancy_limit=50, inside_now=50))),
]


def test_reason_codes_are_exactly_the_documented_list_and_each_has_a_case():
    assert {reason.value for reason in Reason} == EXPECTED_CODES | DOOR_CODES | EVENT_ONLY_CODES
    assert sorted(reason.value for reason, _ in REASON_CASES) == sorted(EXPECTED_CODES)


@pytest.mark.parametrize("reason, context", REASON_CASES, ids=[r.value for r, _ in REASON_CASES])
def test_each_reason(reason, context):
    verdict = judge(**context)
    assert verdict.reason is reason
    assert (verdict.admit, verdict.colour, verdict.message) == (
        reason.admit, reason.colour, reason.message)


@pytest.mark.parametrize("reason", list(Reason), ids=[r.value for r in Reason])
def test_every_reason_has_bilingual_message_and_colour(reason):
    assert reason.message.zh.strip() and reason.message.en.strip()
    assert reason.colour in COLOURS
    assert isinstance(reason.admit, bool)
    assert (reason.colour == "red") <= (not reason.admit)  # red never opens the gate


def scenario(failing: set, *, document: bool = False) -> dict:
    """Facts of an entry scan that fails exactly the checks named in ``failing``."""
    claims, record, policy, presence, capacity = {}, {}, {}, {}, {}
    fingerprint = FP if document else None
    on_pass_or_record = record if document else claims
    if "wrong_venue" in failing:
        on_pass_or_record["venue"] = "SHOUGANG"
    if "wrong_day" in failing:
        key = "day" if document else "first_day"
        on_pass_or_record[key] = DAY - timedelta(days=1)
    if "cancelled" in failing:
        record["status"] = "cancelled"
    if "id_required" in failing:
        policy["id_check_kinds"] = {PassKind.visitor}
    if "id_mismatch" in failing:
        fingerprint = OTHER_FP
    if "already_inside" in failing:  # admitted at the other venue: still a first entry here
        presence["admitted_elsewhere"] = True
    if "duplicate_scan" in failing:
        presence.update(vars(JUST_ADMITTED))
    if "outside_slot" in failing:
        record.update(slot_start=time(15), slot_end=time(16))
    if "quota_full" in failing:
        capacity.update(quota=5, admitted_today=5)
    if "venue_full" in failing:
        capacity.update(entry_credits=0)
    if document:
        scan = replace(id_card_scan(), presented_fingerprint=fingerprint)
    else:
        scan = pass_scan(make_claims(**claims), fingerprint=fingerprint)
    return dict(
        scan=scan, record=make_record(**record), revoked="revoked" in failing,
        policy=make_policy(**policy), presence=PresenceState(**presence),
        capacity=CapacityState(**capacity),
        local_time=time(8) if "outside_hours" in failing else NOON,
    )


PASS_SEQUENCE = [r.value for r in ENTRY_CHECK_ORDER[3:] if r is not Reason.no_appointment]
ORDERS = {
    "pass+id_required": [r for r in PASS_SEQUENCE if r != "id_mismatch"],
    "pass+id_mismatch": [r for r in PASS_SEQUENCE if r != "id_required"],
    "id_card": [r for r in PASS_SEQUENCE if r != "id_required"],
}


@pytest.mark.parametrize("order", ORDERS, ids=list(ORDERS))
def test_a_scan_failing_several_checks_reports_the_first_in_order(order):
    sequence = ORDERS[order]
    document = order == "id_card"
    for position, expected in enumerate(sequence):
        failing = set(sequence[position:])
        assert judge(**scenario(failing, document=document)).reason.value == expected, failing
    assert judge(**scenario(set(), document=document)).reason is Reason.ok


@pytest.mark.parametrize("reason", ["unreadable", "unknown_key", "bad_signature"])
def test_token_failures_come_first(reason):
    everything = scenario(set(PASS_SEQUENCE) - {"id_mismatch"})
    assert judge(**{**everything, "scan": token_failure(reason)}).reason.value == reason


def test_no_appointment_comes_after_revocation_and_before_later_checks():
    facts = scenario({"outside_hours", "quota_full", "venue_full"}, document=True)
    assert judge(**{**facts, "record": None}).reason is Reason.no_appointment
    assert judge(**{**facts, "record": None, "revoked": True}).reason is Reason.revoked


@pytest.mark.parametrize("reentry_allowed, presence, expected", [
    (True, EXITED, Reason.ok_reentry),
    (False, EXITED, Reason.already_inside),
    (True, INSIDE, Reason.already_inside),
    (False, INSIDE, Reason.already_inside),
    (True, PresenceState(admitted_elsewhere=True), Reason.already_inside),
    (False, PresenceState(), Reason.ok),
])
def test_reentry_policy_for_visitors(reentry_allowed, presence, expected):
    policy = make_policy(reentry_allowed=reentry_allowed)
    assert judge(policy=policy, presence=presence).reason is expected


def test_reentry_does_not_consume_quota_but_needs_room():
    policy = make_policy(reentry_allowed=True)
    full_quota = CapacityState(quota=10, admitted_today=10)
    verdict = judge(policy=policy, presence=EXITED, capacity=full_quota)
    assert verdict.reason is Reason.ok_reentry and not verdict.counts_toward_quota
    assert verdict.occupies_place
    assert judge(capacity=full_quota).reason is Reason.quota_full
    no_room = CapacityState(occupancy_limit=10, inside_now=10)
    assert judge(policy=policy, presence=EXITED, capacity=no_room).reason is Reason.venue_full


@pytest.mark.parametrize("offset, expected", [
    (-1, Reason.wrong_day), (0, Reason.ok), (1, Reason.ok), (2, Reason.ok), (3, Reason.wrong_day),
])
def test_multi_day_exhibitor_pass(offset, expected):
    claims = make_claims(kind=PassKind.exhibitor, day_count=3)
    record = make_record(kind=PassKind.exhibitor)
    verdict = judge(pass_scan(claims), day=DAY + timedelta(days=offset), record=record)
    assert verdict.reason is expected


@pytest.mark.parametrize("kind", [PassKind.exhibitor, PassKind.staff, PassKind.media])
@pytest.mark.parametrize("presence", [INSIDE, EXITED], ids=["exit_unscanned", "exited"])
def test_multi_entry_kinds_reenter_whatever_the_reentry_policy(kind, presence):
    verdict = judge(pass_scan(make_claims(kind=kind)), record=make_record(kind=kind),
                    policy=make_policy(reentry_allowed=False), presence=presence)
    assert verdict.reason is Reason.ok_reentry


def test_quota_counts_visitors_only_and_staff_ignore_opening_hours():
    full_quota = CapacityState(quota=1, admitted_today=1)
    exhibitor = pass_scan(make_claims(kind=PassKind.exhibitor))
    verdict = judge(exhibitor, record=None, capacity=full_quota)
    assert verdict.reason is Reason.ok and not verdict.counts_toward_quota
    assert judge().counts_toward_quota
    early = dict(record=None, local_time=time(7))
    assert judge(pass_scan(make_claims(kind=PassKind.staff)), **early).reason is Reason.ok
    assert judge(exhibitor, **early).reason is Reason.outside_hours


@pytest.mark.parametrize("local_time, expected", [
    (time(8, 59, 59), Reason.outside_hours), (time(9), Reason.ok),
    (time(16, 59, 59), Reason.ok), (time(17), Reason.outside_hours),
])
def test_opening_hours_edges(local_time, expected):
    assert judge(local_time=local_time).reason is expected


@pytest.mark.parametrize("grace, local_time, expected", [
    (timedelta(minutes=30), time(9, 29, 59), Reason.outside_slot),
    (timedelta(minutes=30), time(9, 30), Reason.ok),
    (timedelta(minutes=30), time(11, 30), Reason.ok),
    (timedelta(minutes=30), time(11, 30, 0, 1), Reason.outside_slot),
    (timedelta(0), time(10), Reason.ok),
    (timedelta(0), time(9, 59, 59), Reason.outside_slot),
    (timedelta(0), time(11, 0, 1), Reason.outside_slot),
])
def test_slot_grace_edges(grace, local_time, expected):
    record = make_record(slot_start=time(10), slot_end=time(11))
    verdict = judge(policy=make_policy(slot_grace=grace), record=record, local_time=local_time)
    assert verdict.reason is expected


def test_slot_binds_the_first_entry_only():
    record = make_record(slot_start=time(10), slot_end=time(11))
    policy = make_policy(reentry_allowed=True)
    late = dict(record=record, policy=policy, local_time=time(15))
    assert judge(**late).reason is Reason.outside_slot
    assert judge(**late, presence=EXITED).reason is Reason.ok_reentry


@pytest.mark.parametrize("capacity, expected", [
    (CapacityState(quota=10, admitted_today=9), Reason.ok),
    (CapacityState(quota=10, admitted_today=10), Reason.quota_full),
    (CapacityState(quota=0), Reason.quota_full),
    (CapacityState(occupancy_limit=10, inside_now=9), Reason.ok),
    (CapacityState(occupancy_limit=10, inside_now=10), Reason.venue_full),
    (CapacityState(inside_now=10_000), Reason.ok),
    (CapacityState(entry_credits=1), Reason.ok),
    (CapacityState(entry_credits=0), Reason.venue_full),
    (CapacityState(quota=10, admitted_today=10, entry_credits=0), Reason.quota_full),
])
def test_quota_and_occupancy(capacity, expected):
    assert judge(capacity=capacity).reason is expected


@pytest.mark.parametrize("kinds, presented, expected", [
    ({PassKind.visitor}, None, Reason.id_required), ({PassKind.visitor}, FP, Reason.ok),
    ({PassKind.visitor}, OTHER_FP, Reason.id_mismatch),
    (set(), None, Reason.ok), (set(), FP, Reason.ok), (set(), OTHER_FP, Reason.id_mismatch),
])
def test_pass_plus_id_card(kinds, presented, expected):
    """A card shown with a pass must match it, and id_check_kinds must show one."""
    policy = make_policy(id_check_kinds=kinds)
    assert judge(pass_scan(fingerprint=presented), policy=policy).reason is expected


def test_id_card_scan_with_and_without_appointment():
    verdict = judge(id_card_scan())
    assert verdict.reason is Reason.ok and verdict.serial == SERIAL
    assert verdict.holder_name_masked == "张*" and verdict.document_masked.endswith("002X")
    assert judge(id_card_scan(), record=None).reason is Reason.no_appointment
    assert judge(id_card_scan(), record=make_record(day=DAY + timedelta(days=1))).reason \
        is Reason.wrong_day
    assert judge(id_card_scan(), record=make_record(venue="SHOUGANG")).reason \
        is Reason.wrong_venue
    assert judge(id_card_scan(), record=make_record(status="revoked")).reason is Reason.revoked


@pytest.mark.parametrize("scan, context, expected", [
    (pass_scan(direction="out"), dict(presence=INSIDE), Reason.ok_exit),
    (pass_scan(direction="out"), dict(presence=INSIDE, revoked=True), Reason.ok_exit),
    (pass_scan(direction="out"), dict(presence=INSIDE, local_time=time(22)), Reason.ok_exit),
    (pass_scan(direction="out"),
     dict(presence=INSIDE, capacity=CapacityState(entry_credits=0)), Reason.ok_exit),
    (pass_scan(direction="out"), dict(presence=EXITED), Reason.not_inside),
    (token_failure("bad_signature", direction="out"), dict(presence=INSIDE), Reason.not_inside),
    (id_card_scan(direction="out"), dict(presence=INSIDE), Reason.ok_exit),
    (id_card_scan(direction="out"), dict(presence=INSIDE, record=None), Reason.not_inside),
    (pass_scan(direction="out"),
     dict(presence=replace(EXITED, last_gate=GATE, last_passed_at=NOW - timedelta(seconds=5))),
     Reason.duplicate_scan),
])
def test_exit_scans(scan, context, expected):
    verdict = judge(scan, **context)
    assert verdict.reason is expected and verdict.direction == "out"
    assert verdict.admit is (expected is not Reason.duplicate_scan)
    assert verdict.frees_place is (expected is Reason.ok_exit)
    assert not verdict.occupies_place


def test_duplicate_window_edges():
    presence = replace(JUST_ADMITTED, last_passed_at=NOW - timedelta(seconds=10))
    assert judge(presence=presence).reason is Reason.duplicate_scan
    later = replace(presence, last_passed_at=NOW - timedelta(seconds=10, microseconds=1))
    assert judge(presence=later).reason is Reason.already_inside
    assert judge(pass_scan(gate="CNCC-E3"), presence=presence).reason is Reason.already_inside


def test_token_failure_shows_nobody_and_verdict_serialises():
    verdict = judge(token_failure("bad_signature"))
    assert (verdict.serial, verdict.holder_name_masked, verdict.kind) == (None, None, None)
    assert verdict.as_dict() == {
        "admit": False, "reason": "bad_signature",
        "message": {"zh": "通行证无效", "en": "Invalid pass"},
        "holder": {"name": None, "document": None}, "attention": None, "needs_staff": False,
    }


def test_scan_from_text_verifies_the_token():
    key = SigningKey.generate()
    keys = {key.key_id: key.public_bytes()}
    fields = dict(direction="in", gate=GATE, scanned_at=NOW)
    token = sign_pass(replace(make_claims(), key_id=""), key)
    assert Scan.from_text(token, keys, **fields).claims.serial == SERIAL
    assert Scan.from_text("hello", keys, **fields).token_error is Reason.unreadable
    assert Scan.from_text(token, {}, **fields).token_error is Reason.unknown_key


SCAN_FIELDS = dict(claims=make_claims(), direction="in", gate=GATE, scanned_at=NOW)


@pytest.mark.parametrize("build", [
    lambda: Scan(**{**SCAN_FIELDS, "scanned_at": NOW.replace(tzinfo=None)}),
    lambda: Scan(**{**SCAN_FIELDS, "direction": "sideways"}),
    lambda: Scan(**{**SCAN_FIELDS, "claims": None, "token_error": "ok"}),
    lambda: Scan(**{**SCAN_FIELDS, "document_index": "ab"}),  # pass and ID card at once
    lambda: make_policy(opens=time(18)),
    lambda: make_record(status="lost"),
    lambda: make_record(slot_start=time(10)),
    lambda: judge(record=make_record(serial="BBBBBBBBBBBBBBBB")),  # another pass's record
], ids=["naive_time", "direction", "token_error", "two_sources", "hours", "status", "slot",
        "serial"])
def test_invalid_facts_are_refused(build):
    with pytest.raises(ValueError):
        build()


facts_strategy = st.fixed_dictionaries({
    "scan": st.sampled_from([pass_scan(), pass_scan(direction="out"), token_failure(),
                             id_card_scan(), pass_scan(make_claims(kind=PassKind.staff))]),
    "policy": st.builds(make_policy, reentry_allowed=st.booleans(),
                        id_check_kinds=st.sets(st.sampled_from(list(PassKind)))),
    "local_time": st.times(),
    "record": st.sampled_from([None, make_record(), make_record(slot_start=time(10),
                                                                slot_end=time(11))]),
    "revoked": st.booleans(),
    "presence": st.sampled_from([PresenceState(), INSIDE, EXITED, JUST_ADMITTED]),
    "capacity": st.builds(CapacityState, quota=st.none() | st.integers(0, 3),
                          admitted_today=st.integers(0, 3),
                          occupancy_limit=st.none() | st.integers(0, 3),
                          inside_now=st.integers(0, 3),
                          entry_credits=st.none() | st.integers(0, 2)),
})


@given(facts_strategy)
def test_decide_is_pure_and_consistent(facts):
    first, second = judge(**facts), judge(**facts)
    assert first == second
    assert first.admit is first.reason.admit and first.colour == first.reason.colour
    if first.direction == "out":
        assert first.reason in {Reason.ok_exit, Reason.not_inside, Reason.duplicate_scan}
    else:
        assert first.reason in set(ENTRY_CHECK_ORDER) | {Reason.ok, Reason.ok_reentry}

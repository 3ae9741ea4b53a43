"""Admission rules per credential kind (issue 12): each kind's hours, the quota kinds, the
``*`` venue, multi-entry kinds and gateless online passes. The reason codes and the check
order themselves are tests/gate/test_rules.py's."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from gate.kinds import KINDS, MULTI_DAY_KINDS, PUBLIC_KINDS
from gate.passes import ALL_VENUES, PassClaims, PassKind, document_fingerprint
from gate.presence import MULTI_ENTRY_KINDS
from gate.reasons import Reason
from gate.rules import (
    HOURS_EXEMPT_KINDS, AppointmentRecord, CapacityState, PresenceState, Scan, VenuePolicy,
    decide,
)

CST = timezone(timedelta(hours=8))
DAY = date(2026, 9, 10)
SERIAL = "AAAAAAAAAAAAAAAA"
FP = document_fingerprint(SERIAL, "cn_resident_id::11010519491231002X")
GATE_KINDS = [kind for kind in PassKind if kind is not PassKind.online]
# The fair's hours: the public from 09:00 to 18:00, exhibitors from 08:00.
POLICY = dict(opens=time(9), closes=time(18), kind_opens={PassKind.exhibitor: time(8)})


def policy(venue="CNCC", **changes) -> VenuePolicy:
    return VenuePolicy(venue=venue, **{**POLICY, **changes})


def claims(kind=PassKind.visitor, venue="CNCC", day_count=1) -> PassClaims:
    return PassClaims(serial=SERIAL, venue=venue, first_day=DAY, day_count=day_count,
                      kind=kind, fingerprint=FP, key_id="ab12")


def record(kind=PassKind.visitor, venue="CNCC") -> AppointmentRecord:
    return AppointmentRecord(serial=SERIAL, status="active", day=DAY, venue=venue, kind=kind,
                             holder_name_masked="张*", document_masked="***002X")


def judge(scan_claims=None, *, at=time(12), venue_policy=None, rec="default",
          presence=None, capacity=None, direction="in", document=False):
    kind = scan_claims.kind if scan_claims is not None else PassKind.visitor
    fields = dict(direction=direction, gate="E1", scanned_at=datetime.combine(DAY, at, CST))
    scan = Scan(document_index="9f" * 20, **fields) if document else \
        Scan(claims=scan_claims or claims(), **fields)
    return decide(scan, venue_policy=venue_policy or policy(), day=DAY, local_time=at,
                  record=record(kind) if rec == "default" else rec, revoked=False,
                  presence=presence or PresenceState(), capacity=capacity or CapacityState())


def expected_hours(kind: PassKind, at: time) -> Reason:
    if kind in (PassKind.staff, PassKind.contractor):
        return Reason.ok
    opens = time(8) if kind is PassKind.exhibitor else time(9)
    return Reason.ok if opens <= at < time(18) else Reason.outside_hours


@pytest.mark.parametrize("at", [time(0), time(7, 59), time(7, 59, 59), time(8), time(8, 59),
                                time(9), time(17, 59, 59), time(18), time(23, 30)],
                         ids=lambda t: t.isoformat())
@pytest.mark.parametrize("kind", GATE_KINDS, ids=str)
def test_every_kind_at_every_hour_boundary(kind, at):
    venue = ALL_VENUES if kind in (PassKind.media, PassKind.guest, PassKind.staff) else "CNCC"
    days = 5 if kind in MULTI_DAY_KINDS else 1
    verdict = judge(claims(kind, venue, days), at=at)
    assert verdict.reason is expected_hours(kind, at)


def test_exhibitors_from_their_opening_the_public_from_its_own():
    exhibitor, visitor = claims(PassKind.exhibitor, day_count=5), claims()
    assert judge(exhibitor, at=time(7, 59)).reason is Reason.outside_hours
    assert judge(exhibitor, at=time(8)).reason is Reason.ok
    assert judge(visitor, at=time(8, 59)).reason is Reason.outside_hours
    assert judge(visitor, at=time(9)).reason is Reason.ok
    # Without kind_opens exhibitors keep the public's hours; a later own opening never
    # holds them out while the public is let in.
    assert judge(exhibitor, at=time(8), venue_policy=policy(kind_opens={})).reason \
        is Reason.outside_hours
    late = policy(kind_opens={PassKind.exhibitor: time(10)})
    assert judge(exhibitor, at=time(9), venue_policy=late).reason is Reason.ok
    assert late.opens_for(PassKind.exhibitor) == time(9)
    # The same hours for an ID-card scan of an exhibitor's booking.
    assert judge(document=True, rec=record(PassKind.exhibitor), at=time(8, 10)).reason \
        is Reason.ok


def test_staff_and_contractors_any_time_of_the_day():
    assert HOURS_EXEMPT_KINDS == {PassKind.staff, PassKind.contractor}
    for kind in HOURS_EXEMPT_KINDS:
        for at in (time(0), time(6), time(18), time(23, 59, 59)):
            assert judge(claims(kind, day_count=3), at=at).reason is Reason.ok


@pytest.mark.parametrize("kind", GATE_KINDS, ids=str)
def test_quota_counts_the_public_kinds_only(kind):
    full = CapacityState(quota=100, admitted_today=100)
    verdict = judge(claims(kind), capacity=full)
    if kind in PUBLIC_KINDS:
        assert kind in (PassKind.visitor, PassKind.professional)
        assert verdict.reason is Reason.quota_full
        assert judge(claims(kind), capacity=CapacityState(quota=100, admitted_today=99)
                     ).counts_toward_quota
    else:
        assert verdict.reason is Reason.ok and not verdict.counts_toward_quota


def test_default_policy_kinds():
    defaults = VenuePolicy(venue="CNCC", opens=time(9), closes=time(18))
    assert defaults.quota_kinds == PUBLIC_KINDS == {PassKind.visitor, PassKind.professional}
    assert MULTI_ENTRY_KINDS == defaults.multi_entry_kinds == {
        PassKind.exhibitor, PassKind.media, PassKind.guest, PassKind.staff, PassKind.contractor}
    assert dict(defaults.kind_opens) == {}


@pytest.mark.parametrize("kind", GATE_KINDS, ids=str)
def test_every_kind_counts_against_the_occupancy_limit(kind):
    days = 3 if kind in MULTI_DAY_KINDS else 1
    assert judge(claims(kind, day_count=days),
                 capacity=CapacityState(occupancy_limit=50, inside_now=50)).reason \
        is Reason.venue_full
    assert judge(claims(kind, day_count=days), capacity=CapacityState(entry_credits=0)).reason \
        is Reason.venue_full
    assert judge(claims(kind, day_count=days),
                 capacity=CapacityState(occupancy_limit=50, inside_now=49)).reason is Reason.ok


@pytest.mark.parametrize("kind", sorted(MULTI_ENTRY_KINDS), ids=str)
def test_multi_day_kinds_come_and_go(kind):
    inside = PresenceState(inside=True, entries_today=3, last_direction="in", last_gate="E2",
                           last_passed_at=datetime.combine(DAY, time(11), CST))
    verdict = judge(claims(kind, day_count=5), presence=inside,
                    venue_policy=policy(reentry_allowed=False))
    assert verdict.reason is Reason.ok_reentry


@pytest.mark.parametrize("venue", ["CNCC", "SHOUGANG"])
@pytest.mark.parametrize("kind", [PassKind.media, PassKind.guest, PassKind.staff,
                                  PassKind.contractor], ids=str)
def test_every_venue_pass_admitted_at_each_venue(kind, venue):
    verdict = judge(claims(kind, ALL_VENUES, 5), venue_policy=policy(venue),
                    rec=record(kind, ALL_VENUES))
    assert verdict.admit and verdict.reason is Reason.ok
    # Another venue's own pass is still refused, and ``*`` does not stretch the days.
    assert judge(claims(kind, "CNCC" if venue != "CNCC" else "SHOUGANG", 5),
                 venue_policy=policy(venue), rec=None).reason is Reason.wrong_venue
    assert decide(Scan(claims=claims(kind, ALL_VENUES, 1), direction="in", gate="E1",
                       scanned_at=datetime.combine(DAY, time(12), CST)),
                  venue_policy=policy(venue), day=DAY + timedelta(days=1),
                  local_time=time(12), record=None, revoked=False, presence=PresenceState(),
                  capacity=CapacityState()).reason is Reason.wrong_day


@pytest.mark.parametrize("venue", ["CNCC", "SHOUGANG"])
def test_id_card_record_for_every_venue(venue):
    verdict = judge(document=True, venue_policy=policy(venue),
                    rec=record(PassKind.media, ALL_VENUES))
    assert verdict.reason is Reason.ok
    assert judge(document=True, venue_policy=policy("SHOUGANG"),
                 rec=record(PassKind.media, "CNCC")).reason is Reason.wrong_venue


@pytest.mark.parametrize("venue", ["CNCC", ALL_VENUES])
def test_online_passes_never_pass_a_gate(venue):
    online = claims(PassKind.online, venue, 3)
    assert judge(online, rec=None).reason is Reason.wrong_venue
    assert judge(online, rec=record(PassKind.online, venue), at=time(8)).reason \
        is Reason.wrong_venue
    assert judge(document=True, rec=record(PassKind.online)).reason is Reason.wrong_venue
    # The way out is never barred.
    assert judge(online, direction="out").admit


def test_one_venue_day_kinds_name_their_venue():
    for kind in (PassKind.visitor, PassKind.professional):
        with pytest.raises(ValueError):
            claims(kind, ALL_VENUES)


@pytest.mark.parametrize("opens", [{PassKind.exhibitor: time(18)},
                                   {PassKind.exhibitor: "08:00"}, {"vip": time(8)}])
def test_invalid_kind_opens_are_refused(opens):
    with pytest.raises(ValueError):
        policy(kind_opens=opens)


def test_every_kind_has_a_name_and_a_colour():
    for kind in PassKind:
        info = KINDS[kind]
        assert info.name.zh and info.name.en and info.colour.startswith("#")

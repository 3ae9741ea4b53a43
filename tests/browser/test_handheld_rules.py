"""The handheld's offline rules (assets/scan/rules.js, in Chromium) give the verdict of
gate.rules.decide for the same facts: random decision cases run through both, compared
reason by reason. This is how the browser is shown to follow gate/'s check order."""
from __future__ import annotations

import base64
import random
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

import pytest
from playwright.sync_api import expect

from gate.doors import DoorFacts, SessionWindow
from gate.kinds import PUBLIC_KINDS
from gate.passes import ALL_VENUES, SINGLE_VENUE_KINDS, PassClaims, PassKind
from gate.reasons import TOKEN_FAILURES, Reason
from gate.rules import (
    AppointmentRecord, CapacityState, PresenceState, Scan, VenuePolicy, decide,
)
from gate.vocabulary import GateStatus

pytestmark = pytest.mark.browser

DAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 2, 30, tzinfo=timezone.utc)
SERIAL = "AAAAAAAAAAAAAAAA"
PRINTS = (b"\x01\x02\x03", b"\x0a\x0b\x0c")
KINDS = [kind.value for kind in PassKind]


def _ms(moment: datetime | None):
    return None if moment is None else moment.timestamp() * 1000


def _case(rng: random.Random) -> tuple[dict, dict]:
    """One random decision: (the Python arguments of decide, the same facts for rules.js)."""
    opens, closes = rng.choice([(time(9), time(18)), (time(0), time(23, 59))])
    # Exhibitors from 08:00 (or a later time, which changes nothing); older manifests: none.
    kind_opens = rng.choice([{}, {PassKind.exhibitor: time(8)}, {PassKind.exhibitor: time(8)},
                             {PassKind.exhibitor: time(10), PassKind.media: time(7, 30)}])
    quota_kinds = rng.choice([None, None, {PassKind.visitor}])
    policy = VenuePolicy(venue="CNCC", opens=opens, closes=closes,
                         reentry_allowed=rng.random() < 0.5,
                         id_check_kinds=rng.sample(KINDS, rng.randrange(0, 3)),
                         kind_opens=kind_opens, quota_kinds=quota_kinds or PUBLIC_KINDS)
    local_time = rng.choice([time(7, 29, 59), time(7, 59, 59), time(8, 0), time(8, 59),
                             time(9, 0), time(10, 30), time(12, 40), time(17, 59, 59),
                             time(18, 0), time(23, 0)])
    direction = rng.choice(["in", "in", "out"])
    fields = {"direction": direction, "gate": "CNCC-E1", "scanned_at": NOW}
    source = rng.random()
    claims = None
    presented = rng.choice([None, None, *PRINTS])
    if source < 0.12:
        scan = Scan(token_error=rng.choice(sorted(TOKEN_FAILURES)), **fields)
    elif source < 0.27:
        scan = Scan(document_index="ab" * 20, **fields)
        presented = None
    else:
        kind = PassKind(rng.choice(KINDS + ["visitor"] * 4))  # the public mostly
        venues = ["CNCC", "CNCC", "SHOUGANG"] + ([] if kind in SINGLE_VENUE_KINDS
                                                 else [ALL_VENUES])
        claims = PassClaims(serial=SERIAL, venue=rng.choice(venues),
                            first_day=DAY + timedelta(days=rng.choice([-1, 0, 0, 0, 1])),
                            day_count=rng.choice([1, 1, 2]), kind=kind,
                            fingerprint=rng.choice(PRINTS), key_id="abcd")
        scan = Scan(claims=claims, presented_fingerprint=presented, **fields)
    record = None
    if rng.random() < 0.7:
        slot = rng.choice([None, (time(9), time(12)), (time(13), time(15))])
        record = AppointmentRecord(
            serial=SERIAL, status=rng.choice(list(GateStatus)),
            day=rng.choice([DAY, DAY, DAY - timedelta(days=1)]),
            venue=rng.choice(["CNCC", "CNCC", "SHOUGANG", ALL_VENUES]),
            kind=rng.choice(KINDS),
            slot_start=slot[0] if slot else None, slot_end=slot[1] if slot else None,
            fingerprint=rng.choice([None, *PRINTS]), holder_name_masked="张*",
            document_masked="****************3X")
    passed = rng.choice([None, NOW - timedelta(seconds=3), NOW - timedelta(seconds=10),
                         NOW - timedelta(seconds=11), NOW - timedelta(hours=1)])
    entries = 0 if passed is None else rng.choice([0, 1, 2])
    presence = PresenceState(
        inside=passed is not None and rng.random() < 0.5, entries_today=entries,
        last_direction=None if passed is None else rng.choice(["in", "out"]),
        admitted_elsewhere=rng.random() < 0.1,
        last_gate=None if passed is None else rng.choice(["CNCC-E1", "CNCC-E2"]),
        last_passed_at=passed)
    capacity = CapacityState(quota=rng.choice([None, 10]), admitted_today=rng.choice([3, 10]),
                             occupancy_limit=rng.choice([None, None, 5]),
                             inside_now=rng.choice([2, 5]),
                             entry_credits=rng.choice([None, None, 0, 2]))
    revoked = rng.random() < 0.08
    door, door_wire = _door(rng) if rng.random() < 0.35 else (None, None)
    python = {"scan": scan, "venue_policy": policy, "day": DAY, "local_time": local_time,
              "record": record, "revoked": revoked, "presence": presence,
              "capacity": capacity, "door": door}
    browser = {
        "scan": {"direction": direction, "gate": "CNCC-E1", "scanned_at": _ms(NOW),
                 "claims": None if claims is None else {
                     "serial": claims.serial, "venue": claims.venue,
                     "first_day": claims.first_day.isoformat(), "day_count": claims.day_count,
                     "kind": claims.kind.value, "fingerprint": claims.fingerprint.hex()},
                 "token_error": scan.token_error.value if scan.token_error else None,
                 "document_index": scan.document_index,
                 "presented_fingerprint": presented.hex() if presented else None},
        "facts": {
            "policy": {"venue": "CNCC", "opens": opens.strftime("%H:%M"),
                       "closes": closes.strftime("%H:%M"),
                       "reentry_allowed": policy.reentry_allowed,
                       "id_check_kinds": sorted(k.value for k in policy.id_check_kinds),
                       "kind_opens": {k.value: v.strftime("%H:%M")
                                      for k, v in policy.kind_opens.items()},
                       **({"quota_kinds": sorted(k.value for k in quota_kinds)}
                          if quota_kinds else {})},
            "day": DAY.isoformat(), "local_time": local_time.strftime("%H:%M:%S"),
            "record": None if record is None else {
                "serial": record.serial, "status": record.status.value,
                "day": record.day.isoformat(), "venue": record.venue,
                "kind": record.kind.value,
                "slot_start": record.slot_start.strftime("%H:%M") if record.slot_start else None,
                "slot_end": record.slot_end.strftime("%H:%M") if record.slot_end else None,
                "fingerprint": record.fingerprint.hex() if record.fingerprint else None,
                "holder_name_masked": record.holder_name_masked,
                "document_masked": record.document_masked},
            "revoked": revoked,
            "presence": {"inside": presence.inside, "entries_today": presence.entries_today,
                         "exits_today": 0, "last_direction": presence.last_direction,
                         "admitted_elsewhere": presence.admitted_elsewhere,
                         "last_gate": presence.last_gate, "last_passed_at": _ms(passed)},
            "capacity": {"quota": capacity.quota, "admitted_today": capacity.admitted_today,
                         "occupancy_limit": capacity.occupancy_limit,
                         "inside_now": capacity.inside_now,
                         "entry_credits": capacity.entry_credits},
            "door": door_wire},
    }
    return python, browser


def _door(rng: random.Random) -> tuple[DoorFacts, dict]:
    """A room door (gate.doors.DoorFacts) and the same facts for rules.js: sessions around
    NOW with every window edge, seats held or not, capacity and credits at their limits."""
    sessions = []
    for code in ("F1", "F2"):
        # NOW falls before, inside, on the edges of or after the window.
        starts = NOW + timedelta(minutes=rng.choice([-60, -20, -19, 0, 29, 30, 31, 45, 90]),
                                 seconds=rng.choice([0, 0, 1, -1]))
        sessions.append(SessionWindow.of(code, starts, starts + timedelta(hours=1),
                                         doors_open_minutes=rng.choice([30, 30, 0]),
                                         admit_until_minutes=rng.choice([20, 20, 0])))
    door = DoorFacts(zone="CNCC-R301", seated=rng.random() < 0.8,
                     allowed_kinds=rng.choice([None, None, {PassKind.visitor,
                                                            PassKind.professional},
                                               {PassKind.media}]),
                     capacity=rng.choice([None, 5]), inside_now=rng.choice([0, 4, 5]),
                     entry_credits=rng.choice([None, None, 0, 3]),
                     sessions=rng.sample(sessions, rng.randrange(0, 3)),
                     seats=rng.sample(["F1", "F2", "F9"], rng.randrange(0, 3)))
    wire = {"zone": door.zone, "seated": door.seated,
            "allowed_kinds": None if door.allowed_kinds is None
            else sorted(k.value for k in door.allowed_kinds),
            "capacity": door.capacity, "inside_now": door.inside_now,
            "entry_credits": door.entry_credits,
            "sessions": [{"code": s.code, "doors_open": _ms(s.doors_open),
                          "admits_until": _ms(s.admits_until)} for s in door.sessions],
            "seats": sorted(door.seats)}
    return door, wire


def test_the_browser_rules_decide_as_gate_rules(page):
    rng = random.Random(20261202)
    cases = [_case(rng) for _ in range(2500)]
    expected, kind_cases = [], Counter()
    for python, _ in cases:
        scan = python.pop("scan")
        verdict = decide(scan, **python)
        if scan.claims is not None and verdict.reason is Reason.ok:
            early = python["local_time"] < python["venue_policy"].opens
            kind_cases["every_venue_ok"] += scan.claims.venue == ALL_VENUES
            kind_cases["exhibitor_before_public"] += early and \
                scan.claims.kind is PassKind.exhibitor
        expected.append([verdict.reason.value, verdict.admit, verdict.colour.value,
                         verdict.message.en, verdict.counts_toward_quota,
                         verdict.serial, verdict.kind.value if verdict.kind else None])
    page.goto("/scan/")
    expect(page.locator("#scan-app")).to_have_attribute("data-ready", "true")
    got = page.evaluate("""cases => cases.map(({scan, facts}) => {
        const v = window.fairgateScan.rules.decide(scan, facts);
        return [v.reason, v.admit, v.colour, v.message.en, v.counts_toward_quota,
                v.serial, v.kind];
    })""", [browser for _, browser in cases])
    mismatches = [(n, e, g) for n, (e, g) in enumerate(zip(expected, got)) if e != g]
    assert mismatches[:5] == []
    seen = Counter(reason for reason, *_ in expected)
    # Issue 12's rules are among them: ``*`` passes admitted, exhibitors before the public.
    assert kind_cases["every_venue_ok"] and kind_cases["exhibitor_before_public"], kind_cases
    # The cases reach every reason the rules can give from these facts, the doors' too
    # (``annulled`` is no decision: it marks a kiosk's annul event).
    decided = {reason.value for reason in Reason} - {Reason.annulled.value}
    assert set(seen) == decided, decided - set(seen)


def test_the_browser_reads_every_venue_tokens_as_gate_passes(page):
    """token.js parses ``*`` (every venue) passes as gate.passes does, and refuses a
    one-venue-day kind carrying it, as gate.passes.decode_unverified."""
    from gate.passes import (
        SigningKey, UnreadableToken, decode_unverified, encode_payload, new_claims, sign_pass,
    )

    key = SigningKey.generate()
    tokens = [sign_pass(new_claims(venue=venue, first_day=DAY, document_key="k", kind=kind,
                                   day_count=days), key)
              for venue, kind, days in (("*", PassKind.media, 5), ("*", PassKind.staff, 9),
                                        ("CNCC", PassKind.exhibitor, 5),
                                        ("SHOUGANG", PassKind.professional, 1))]
    media = decode_unverified(tokens[0])
    forged = bytearray(encode_payload(media))
    forged[14 + 1 + 3] = PassKind.visitor.code  # a visitor pass for every venue
    tokens.append("FG" + base64.b32encode(bytes(forged) + key.sign(bytes(forged)))
                  .decode().rstrip("="))
    page.goto("/scan/")
    expect(page.locator("#scan-app")).to_have_attribute("data-ready", "true")
    got = page.evaluate("ts => ts.map(t => window.fairgateScan.token.parseToken(t))", tokens)
    for token, claims in zip(tokens[:4], got):
        expected = decode_unverified(token)
        assert claims == {"serial": expected.serial, "venue": expected.venue,
                          "first_day": expected.first_day.isoformat(),
                          "day_count": expected.day_count, "kind": expected.kind.value,
                          "fingerprint": expected.fingerprint.hex(),
                          "key_id": expected.key_id}
    assert got[4] is None
    with pytest.raises(UnreadableToken):
        decode_unverified(tokens[4])

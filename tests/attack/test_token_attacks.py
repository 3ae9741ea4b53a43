"""Thousands of forged passes: mutated, truncated, re-signed, replayed. None admitted."""
from __future__ import annotations

import base64
import random
from datetime import date, datetime, time, timedelta, timezone

import pytest

from gate.passes import PassKind, SigningKey, new_claims, sign_pass
from gate.rules import (
    AppointmentRecord, CapacityState, PresenceState, Scan, VenuePolicy, decide,
)

DAY = date(2026, 9, 10)
NOW = datetime(2026, 9, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing
SERVICE_KEY = SigningKey.from_private_bytes(bytes(range(32)))
ATTACKER_KEY = SigningKey.generate()
PUBLIC = {SERVICE_KEY.key_id: SERVICE_KEY.public_bytes()}
POLICY = VenuePolicy(venue="CNCC", opens=time(9), closes=time(18))
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def genuine(venue: str = "CNCC", day: date = DAY, serial: str | None = None) -> str:
    claims = new_claims(venue=venue, first_day=day, document_key="cn_resident_id::X",
                        serial=serial)
    return sign_pass(claims, SERVICE_KEY)


def gate_decision(text: str, *, presence: PresenceState | None = None, venue_policy=POLICY,
                  revoked: bool = False):
    scan = Scan.from_text(text, PUBLIC, direction="in", gate="CNCC-E1", scanned_at=NOW)
    record = None
    if scan.claims is not None:
        record = AppointmentRecord(serial=scan.claims.serial, status="active",
                                   day=scan.claims.first_day, venue=scan.claims.venue)
    return decide(scan, venue_policy=venue_policy, day=DAY, local_time=time(10),
                  record=record, revoked=revoked, presence=presence or PresenceState(),
                  capacity=CapacityState(quota=1000, admitted_today=0))


def mutations(token: str, rng: random.Random):
    """Single-character swaps, bit flips in the decoded bytes, truncations, extensions."""
    body = token[2:]
    for _ in range(1500):
        i = rng.randrange(len(body))
        replacement = rng.choice(ALPHABET.replace(body[i], ""))
        yield "FG" + body[:i] + replacement + body[i + 1:]
    raw = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    for _ in range(1500):
        flipped = bytearray(raw)
        position = rng.randrange(len(flipped) * 8)
        flipped[position // 8] ^= 1 << (position % 8)
        yield "FG" + base64.b32encode(bytes(flipped)).decode().rstrip("=")
    for cut in range(0, len(token)):
        yield token[:cut]
    yield token + "A"
    yield token + "AAAAAAAA"
    yield token.replace("FG", "XX", 1)


def test_the_genuine_pass_is_admitted():
    assert gate_decision(genuine()).admit


def test_mutated_and_truncated_tokens_are_never_admitted():
    rng = random.Random(20260910)
    tried = 0
    for forged in mutations(genuine(), rng):
        verdict = gate_decision(forged)
        assert not verdict.admit, forged
        assert verdict.reason.value in {"unreadable", "bad_signature", "unknown_key"}
        tried += 1
    assert tried > 3000


def test_tokens_re_signed_by_another_key_are_refused():
    rng = random.Random(7)
    for _ in range(300):
        claims = new_claims(venue=rng.choice(["CNCC", "SHOUGANG"]), first_day=DAY,
                            document_key=f"passport:UTO:{rng.randrange(10**8)}",
                            kind=rng.choice(list(PassKind)))
        forged = sign_pass(claims, ATTACKER_KEY)
        assert gate_decision(forged).reason.value == "unknown_key"
        # Claiming the service's key id does not help: the signature does not match.
        raw = bytearray(base64.b32decode(forged[2:] + "=" * (-len(forged[2:]) % 8)))
        raw[1:3] = bytes.fromhex(SERVICE_KEY.key_id)
        relabelled = "FG" + base64.b32encode(bytes(raw)).decode().rstrip("=")
        assert gate_decision(relabelled).reason.value == "bad_signature"


@pytest.mark.parametrize("venue,day,reason", [
    ("SHOUGANG", DAY, "wrong_venue"),
    ("CNCC", DAY + timedelta(days=1), "wrong_day"),
    ("CNCC", DAY - timedelta(days=1), "wrong_day"),
])
def test_a_pass_for_another_venue_or_day_is_denied_with_the_right_reason(venue, day, reason):
    verdict = gate_decision(genuine(venue, day))
    assert not verdict.admit and verdict.reason.value == reason


def test_a_replayed_pass_is_not_admitted_twice():
    token = genuine()
    first = gate_decision(token)
    assert first.admit
    inside = PresenceState(inside=True, entries_today=1, last_direction="in",
                           last_gate="CNCC-E2",
                           last_passed_at=NOW - timedelta(minutes=5))
    replay = gate_decision(token, presence=inside)
    assert not replay.admit and replay.reason.value == "already_inside"


def test_a_revoked_pass_stays_out():
    verdict = gate_decision(genuine(), revoked=True)
    assert not verdict.admit and verdict.reason.value == "revoked"

"""Signed tickets and admissions: what they carry, and every way one is refused."""
from __future__ import annotations

import pytest

from registration.waitingroom.tickets import BadToken, TokenSigner

ROOM = "CNCC/2026-12-03"
NOW = 1_800_000_000


@pytest.fixture
def signer():
    return TokenSigner(b"s" * 32)


def test_a_ticket_reads_back_what_it_was_issued_with(signer):
    ticket, token = signer.issue_ticket(ROOM, "holder-a", NOW, 3600)
    read = signer.read_ticket(token, ROOM, NOW + 10)
    assert read == ticket
    assert read.holder == "holder-a" and read.expires_at == NOW + 3600


def test_a_ticket_expires(signer):
    _, token = signer.issue_ticket(ROOM, "holder-a", NOW, 60)
    with pytest.raises(BadToken) as refused:
        signer.read_ticket(token, ROOM, NOW + 60)
    assert refused.value.reason == "expired"


def test_a_changed_ticket_is_refused(signer):
    _, token = signer.issue_ticket(ROOM, "holder-a", NOW, 60)
    prefix, payload, mac = token.split(".")
    other_ticket, other = signer.issue_ticket(ROOM, "holder-b", NOW, 60)
    forged = f"{prefix}.{other.split('.')[1]}.{mac}"  # holder-b's body, holder-a's signature
    with pytest.raises(BadToken) as refused:
        signer.read_ticket(forged, ROOM, NOW)
    assert refused.value.reason == "bad_signature"


def test_a_ticket_signed_with_another_key_is_refused(signer):
    _, token = TokenSigner(b"x" * 32).issue_ticket(ROOM, "holder-a", NOW, 60)
    with pytest.raises(BadToken):
        signer.read_ticket(token, ROOM, NOW)


def test_a_ticket_for_another_day_is_refused(signer):
    _, token = signer.issue_ticket("CNCC/2026-12-04", "holder-a", NOW, 60)
    with pytest.raises(BadToken) as refused:
        signer.read_ticket(token, ROOM, NOW)
    assert refused.value.reason == "wrong_day"


@pytest.mark.parametrize("token", ["", "t1", "t1.abc", "t1.!!.??", "a1.e30.AAAA", "x" * 2000])
def test_garbage_is_refused_not_crashed_on(signer, token):
    with pytest.raises(BadToken):
        signer.read_ticket(token, ROOM, NOW)


def test_an_admission_is_bound_to_its_ticket_and_short_lived(signer):
    ticket, _ = signer.issue_ticket(ROOM, "holder-a", NOW, 3600)
    admission, token = signer.issue_admission(ticket, NOW, 600)
    read = signer.read_admission(token, ROOM, NOW + 1)
    assert (read.ticket, read.holder, read.room) == (ticket.id, "holder-a", ROOM)
    assert read.jti == admission.jti
    with pytest.raises(BadToken):
        signer.read_admission(token, ROOM, NOW + 600)


def test_a_ticket_is_not_an_admission(signer):
    _, ticket_token = signer.issue_ticket(ROOM, "holder-a", NOW, 3600)
    with pytest.raises(BadToken):
        signer.read_admission(ticket_token, ROOM, NOW)
    # Same body under the admission prefix: the keys differ, so the signature fails.
    forged = "a1." + ticket_token.split(".", 1)[1]
    with pytest.raises(BadToken):
        signer.read_admission(forged, ROOM, NOW)

"""gate.vocabulary: the codes and formats service and kiosk share, declared once."""
from __future__ import annotations

import base64
from datetime import date

import pytest

from gate.reasons import Reason
from gate.rules import AdmissionVerdict, AppointmentRecord
from gate.vocabulary import (
    ENROLMENT_CODE_ALPHABET, GateStatus, b64url_decode, b64url_encode, enrolment_code,
)


@pytest.mark.parametrize("raw", [b"", b"\x00", b"\xff\xfe", bytes(range(32)), b"x" * 16])
def test_base64url_round_trips_without_padding(raw):
    text = b64url_encode(raw)
    assert "=" not in text and "+" not in text and "/" not in text
    assert text == base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert b64url_decode(text) == raw
    assert b64url_decode(text + "=" * (-len(text) % 4)) == raw  # padding is accepted


@pytest.mark.parametrize("text", ["ab+/", "a b c d", "abc!", "abcde", None])
def test_base64url_refuses_anything_else(text):
    with pytest.raises(ValueError):
        b64url_decode(text)


def test_an_enrolment_code_is_read_the_way_it_is_printed():
    code = "ABCD-EFGH-JKLM-NP23"
    assert enrolment_code(code) == code
    assert enrolment_code(" abcd efgh jklm np23 ") == code  # typed, spaced, lower-case
    assert enrolment_code("ABCD-EFGH-JKLM-NP2") is None  # one symbol short
    assert enrolment_code("ABCD-EFGH-JKLM-NP2O") is None  # O is not in the alphabet
    assert enrolment_code("https://example.org") is None
    assert not set("01IO") & set(ENROLMENT_CODE_ALPHABET)


def test_a_record_status_is_a_gate_status():
    record = AppointmentRecord(serial="S", status="revoked", day=date(2026, 9, 10), venue="V")
    assert record.status is GateStatus.revoked
    with pytest.raises(ValueError):
        AppointmentRecord(serial="S", status="paused", day=date(2026, 9, 10), venue="V")


@pytest.mark.parametrize("reason", list(Reason))
def test_a_verdict_for_a_reason_says_what_the_reason_says(reason):
    verdict = AdmissionVerdict.for_reason(reason, "in")
    assert (verdict.admit, verdict.message, verdict.colour) == (
        reason.admit, reason.message, reason.colour)
    assert verdict.as_wire() == {**verdict.as_dict(), "colour": reason.colour.value,
                                 "direction": "in"}
    assert verdict.event_fields() == {"direction": "in", "admit": reason.admit,
                                      "reason": reason.value}

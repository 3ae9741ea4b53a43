"""Check-in texts on a verdict (AdmissionVerdict.with_attention) and the annul window
(gate.presence.annullable): what the screen shows and what an annul undoes."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from gate.i18n import Text
from gate.passes import PassKind
from gate.presence import ANNUL_WINDOW, annullable, replay
from gate.reasons import Reason
from gate.rules import AdmissionVerdict

CST = timezone(timedelta(hours=8))
NOW = datetime.combine(date(2024, 9, 3), time(10), CST)
VIP = Text("贵宾：请引导至贵宾室", "VIP: escort to the lounge")


def verdict(reason: Reason) -> AdmissionVerdict:
    return AdmissionVerdict.for_reason(reason, "in", serial="AAAAAAAAAAAAAAAA",
                                       kind=PassKind.guest, holder_name_masked="张*")


def test_a_verdict_without_a_note_says_so():
    shown = verdict(Reason.ok).as_dict()
    assert (shown["attention"], shown["needs_staff"]) == (None, False)


def test_an_attention_text_is_shown_with_the_verdict_and_keeps_its_colour():
    noted = verdict(Reason.ok).with_attention(VIP, needs_staff=False)
    assert noted.as_dict()["attention"] == {"zh": "贵宾：请引导至贵宾室",
                                            "en": "VIP: escort to the lounge"}
    assert noted.as_wire()["colour"] == "green" and noted.admit
    assert noted.as_dict()["needs_staff"] is False
    assert (noted.reason, noted.message) == (Reason.ok, Reason.ok.message)


@pytest.mark.parametrize("reason, colour", [
    (Reason.ok, "amber"), (Reason.ok_reentry, "amber"), (Reason.ok_exit, "amber"),
    (Reason.not_inside, "amber"), (Reason.revoked, "red"), (Reason.room_full, "amber"),
    (Reason.no_seat, "red"),
])
def test_needs_staff_turns_an_admission_amber_and_leaves_a_refusal_alone(reason, colour):
    noted = verdict(reason).with_attention(VIP, needs_staff=True)
    wire = noted.as_wire()
    assert (wire["colour"], wire["needs_staff"], wire["admit"]) == (colour, True, reason.admit)
    assert wire == {**noted.as_dict(), "colour": colour, "direction": "in"}
    assert noted.event_fields() == {"direction": "in", "admit": reason.admit,
                                    "reason": reason.value}


def test_no_note_changes_nothing():
    plain = verdict(Reason.ok)
    assert plain.with_attention(None, False) == plain


def test_the_annul_window_includes_both_ends():
    assert ANNUL_WINDOW == timedelta(seconds=30)
    assert annullable(NOW, NOW)
    assert annullable(NOW, NOW + timedelta(seconds=30))
    assert not annullable(NOW, NOW + timedelta(seconds=30, microseconds=1))
    assert not annullable(NOW, NOW - timedelta(seconds=1))  # never an admission to come
    assert annullable(NOW, NOW + timedelta(minutes=2), window=timedelta(minutes=2))
    assert annullable(NOW.astimezone(timezone.utc), NOW + timedelta(seconds=5))


def test_the_annul_window_needs_aware_times():
    with pytest.raises(ValueError):
        annullable(NOW.replace(tzinfo=None), NOW)


class Passage:
    def __init__(self, direction: str, minutes: int, gate: str = "CNCC-R301"):
        self.direction, self.gate = direction, gate
        self.scanned_at = NOW + timedelta(minutes=minutes)


def test_annulling_an_admission_replays_the_others():
    """Undoing = the pass's remaining admitted passages replayed without the annulled one:
    a visitor whose re-entry did not turn the turnstile is outside again, one entry fewer."""
    entered, left, annulled = Passage("in", 0), Passage("out", 10), Passage("in", 20)
    before, _ = replay([entered, left, annulled], PassKind.visitor, reentry_allowed=True)
    assert before.inside and before.entries_today == 2
    after, doubles = replay([entered, left], PassKind.visitor, reentry_allowed=True)
    assert not after.inside and after.entries_today == 1 and after.exits_today == 1
    assert after.last_passed_at == left.scanned_at and doubles == []
    first_only, _ = replay([], PassKind.visitor, reentry_allowed=False)
    assert first_only.entries_today == 0 and not first_only.inside

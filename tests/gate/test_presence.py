"""The presence state machine the service and the kiosk share."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from gate.passes import PassKind
from gate.presence import IN, OUT, PresenceState, replay

T0 = datetime(2026, 9, 4, 9, 0, tzinfo=timezone.utc)


@dataclass
class Passage:
    direction: str
    gate: str
    scanned_at: datetime


def passages(*steps):
    return [Passage(direction, gate, T0 + timedelta(minutes=i))
            for i, (direction, gate) in enumerate(steps)]


def test_an_entry_then_an_exit_counts_both_and_ends_outside():
    state = PresenceState().after(IN, "CNCC-E1", T0).after(OUT, "CNCC-E2", T0)
    assert (state.inside, state.entries_today, state.exits_today) == (False, 1, 1)
    assert (state.last_direction, state.last_gate) == (OUT, "CNCC-E2")


def test_a_transition_refuses_an_unknown_direction():
    with pytest.raises(ValueError):
        PresenceState().after("sideways", "CNCC-E1", T0)


@pytest.mark.parametrize("reentry_allowed, expected", [(True, False), (False, True)])
def test_re_entry_after_an_exit_follows_the_venue_policy(reentry_allowed, expected):
    state = PresenceState().after(IN, "E1", T0).after(OUT, "E1", T0)
    assert state.refuses_entry(PassKind.visitor, reentry_allowed=reentry_allowed) is expected


def test_someone_inside_is_refused_unless_their_kind_comes_and_goes():
    inside = PresenceState().after(IN, "E1", T0)
    assert inside.refuses_entry(PassKind.visitor, reentry_allowed=True)
    assert not inside.refuses_entry(PassKind.exhibitor, reentry_allowed=False)
    # A venue's own list of such kinds wins over the default.
    assert inside.refuses_entry(PassKind.exhibitor, reentry_allowed=False,
                                multi_entry_kinds=frozenset({PassKind.staff}))


def test_replay_finds_each_double_entry_with_the_entry_before_it():
    steps = passages((IN, "E1"), (IN, "E2"), (OUT, "E2"), (IN, "E3"))
    state, doubles = replay(steps, PassKind.visitor, reentry_allowed=True)
    assert (state.inside, state.entries_today, state.exits_today) == (True, 3, 1)
    assert doubles == [(steps[0], steps[1])]
    _, strict = replay(steps, PassKind.visitor, reentry_allowed=False)
    assert strict == [(steps[0], steps[1]), (steps[1], steps[3])]


def test_replay_of_a_multi_entry_kind_finds_no_double_entry():
    steps = passages((IN, "E1"), (IN, "E2"), (IN, "E3"))
    state, doubles = replay(steps, PassKind.staff, reentry_allowed=False)
    assert state.entries_today == 3 and doubles == []

"""kiosk.debounce: one pass held up to the camera is one scan; a quick re-show repeats."""
from __future__ import annotations

import pytest

from kiosk.debounce import Action, Debouncer


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def debouncer(clock):
    return Debouncer(clock=clock)


def frames(debouncer, clock, token, count, fps=30.0):
    actions = []
    for _ in range(count):
        observation = debouncer.observe(token)
        actions.append(observation.action)
        if observation.action is Action.DECIDE:
            debouncer.record(token, f"verdict for {token}")
        clock.advance(1 / fps)
    return actions


def test_a_pass_held_for_many_frames_is_one_scan(debouncer, clock):
    actions = frames(debouncer, clock, "FGAAA", 90)  # three seconds in view
    assert actions.count(Action.DECIDE) == 1
    assert actions[0] is Action.DECIDE and set(actions[1:]) == {Action.HOLD}


def test_missed_frames_while_held_do_not_make_a_new_scan(debouncer, clock):
    frames(debouncer, clock, "FGAAA", 5)
    clock.advance(0.3)  # the decoder missed ~9 frames (glare), the phone never left
    assert debouncer.observe("FGAAA").action is Action.HOLD


def test_showing_again_within_the_window_repeats_the_last_verdict(debouncer, clock):
    frames(debouncer, clock, "FGAAA", 10)
    clock.advance(1.5)  # pulled back and shown again
    observation = debouncer.observe("FGAAA")
    assert observation.action is Action.REPEAT
    assert observation.verdict == "verdict for FGAAA"
    clock.advance(1 / 30)
    assert debouncer.observe("FGAAA").action is Action.HOLD


def test_showing_again_after_the_window_decides_again(debouncer, clock):
    frames(debouncer, clock, "FGAAA", 10)
    clock.advance(3.5)
    assert debouncer.observe("FGAAA").action is Action.DECIDE


def test_the_window_is_configurable(clock):
    debouncer = Debouncer(window=10, clock=clock)
    frames(debouncer, clock, "FGAAA", 3)
    clock.advance(8)
    assert debouncer.observe("FGAAA").action is Action.REPEAT


def test_different_passes_are_independent(debouncer, clock):
    assert [o.action for o in debouncer.observe_all(["FGAAA", "FGBBB"])] == \
        [Action.DECIDE, Action.DECIDE]
    debouncer.record("FGAAA", "a")
    clock.advance(0.1)
    assert [o.action for o in debouncer.observe_all(["FGAAA", "FGBBB"])] == \
        [Action.HOLD, Action.HOLD]


def test_an_unrecorded_decision_is_decided_again_after_a_gap(debouncer, clock):
    assert debouncer.observe("FGAAA").action is Action.DECIDE  # decision failed: no record
    clock.advance(1.0)
    assert debouncer.observe("FGAAA").action is Action.DECIDE


def test_memory_is_bounded_and_old_tokens_are_forgotten(clock):
    debouncer = Debouncer(clock=clock, max_tokens=3)
    for n in range(10):
        debouncer.observe(f"FG{n}")
    assert len(debouncer) == 3
    clock.advance(60)
    debouncer.observe("FGNEW")
    assert len(debouncer) == 1


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        Debouncer(window=-1)
    with pytest.raises(ValueError):
        Debouncer(max_tokens=0)

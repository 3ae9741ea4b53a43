"""Checks the waiting-list tests share."""
from __future__ import annotations


def assert_invariant(state) -> None:
    """The counter holds exactly the appointments and the held places; a free place never
    sits beside people waiting for one."""
    assert state.booked == state.active + state.offered <= state.quota
    if state.waiting:
        assert state.booked == state.quota

"""The line's state, on the real Redis (shared by every server) and in process memory."""
from __future__ import annotations

import secrets

import pytest
import redis

from registration.waitingroom.policy import RoomPlan
from registration.waitingroom.store import MemoryStore, RedisStore

from roomtools import REDIS_URL

OPENS = 1_800_000_000.0


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    redis.Redis.from_url(REDIS_URL).flushdb()
    return RedisStore(REDIS_URL)


def _room() -> str:
    return "CNCC/" + secrets.token_hex(4)


def test_arrivals_after_the_opening_queue_in_arrival_order(store):
    room = _room()
    for n in range(5):
        store.join(room, f"doc{n}", f"t{n}", None, OPENS, 1.0, OPENS)
    ranks = [store.status(room, f"t{n}", OPENS, 1.0, OPENS + 1).rank for n in range(5)]
    assert ranks == [0, 1, 2, 3, 4]


def test_one_document_holds_one_place(store):
    room = _room()
    store.join(room, "doc-a", "first", None, OPENS, 1.0, OPENS)
    store.join(room, "doc-b", "other", None, OPENS, 1.0, OPENS)
    member, new = store.join(room, "doc-a", "second-tab", None, OPENS, 1.0, OPENS)
    assert (member, new) == ("first", False)
    status = store.status(room, "first", OPENS, 1.0, OPENS)
    assert status.total == 2 and status.rank == 0
    assert store.status(room, "second-tab", OPENS, 1.0, OPENS).rank is None


def test_admissions_flow_at_the_rate_from_the_opening(store):
    room = _room()
    for n in range(10):
        store.join(room, f"doc{n}", f"t{n}", None, OPENS, 2.0, OPENS)
    assert store.status(room, "t0", OPENS, 2.0, OPENS - 5).admitted == 0  # before opening
    third = store.status(room, "t3", OPENS, 2.0, OPENS + 1.5)  # 3 admitted by now
    assert third.admitted == 3 and not third.is_admitted
    assert third.ahead == 0 and third.wait_seconds == 1
    last = store.status(room, "t9", OPENS, 2.0, OPENS + 1.5)
    assert last.ahead == 6 and last.wait_seconds == 4  # (10 - 3) / 2 s, rounded up
    assert store.status(room, "t3", OPENS, 2.0, OPENS + 2).is_admitted


def test_a_new_rate_applies_from_now_and_keeps_who_was_admitted(store):
    room = _room()
    for n in range(100):
        store.join(room, f"doc{n}", f"t{n}", None, OPENS, 10.0, OPENS)
    store.set_rate(room, 0.0, OPENS, 10.0, OPENS + 3)  # 30 admitted, then paused
    paused = store.status(room, "t50", OPENS, 10.0, OPENS + 100)
    assert paused.admitted == 30 and paused.wait_seconds == -1
    store.set_rate(room, 5.0, OPENS, 10.0, OPENS + 100)
    assert store.status(room, "t50", OPENS, 10.0, OPENS + 102).admitted == 40


def test_the_pre_queue_is_shuffled_and_placed_before_later_arrivals(store):
    room = _room()
    plan = RoomPlan(room, OPENS, OPENS - 600, True)
    for n in range(60):  # arrivals during the pre-queue window, in this order
        at = OPENS - 300 + n
        store.join(room, f"pre{n}", f"p{n}", plan.arrival_score(at), OPENS, 1.0, at)
    for n in range(5):  # arrivals after the opening
        store.join(room, f"late{n}", f"l{n}", plan.arrival_score(OPENS + n), OPENS, 1.0,
                   OPENS + n)
    pre_ranks = [store.status(room, f"p{n}", OPENS, 1.0, OPENS).rank for n in range(60)]
    late_ranks = [store.status(room, f"l{n}", OPENS, 1.0, OPENS).rank for n in range(5)]
    assert sorted(pre_ranks) == list(range(60))
    assert pre_ranks != list(range(60))  # 1 chance in 60! of failing by luck
    assert late_ranks == [60, 61, 62, 63, 64]


def test_an_idle_line_banks_no_admissions_for_a_later_crowd(store):
    room = _room()
    store.join(room, "early", "t-early", None, OPENS, 1.0, OPENS + 1)
    # An hour later (3,600 admissions' worth of time) a crowd of 10 arrives at once.
    for n in range(10):
        store.join(room, f"doc{n}", f"t{n}", None, OPENS, 1.0, OPENS + 3600)
    # One second of admissions in hand: the early one and the first of the crowd go in.
    assert store.status(room, "t0", OPENS, 1.0, OPENS + 3600).is_admitted
    status = store.status(room, "t9", OPENS, 1.0, OPENS + 3600)
    assert status.admitted == 2 and status.ahead == 8 and status.wait_seconds == 9
    assert store.status(room, "t1", OPENS, 1.0, OPENS + 3601).is_admitted


def test_a_spent_key_cannot_be_spent_again(store):
    key = "admission:" + secrets.token_hex(4)
    assert store.spend(key, 60) is True
    assert store.spend(key, 60) is False


def test_live_settings_are_shared(store):
    store.set_setting("pow_max_number", "90000")
    assert store.settings()["pow_max_number"] == "90000"


def test_a_surge_keeps_its_start_while_it_lasts(store):
    room = _room()
    assert store.surge_since(room, OPENS) is None
    assert [store.hit(room, OPENS + 0.1) for _ in range(3)] == [1, 2, 3]
    since = store.start_surge(room, OPENS, 600)
    assert store.start_surge(room, OPENS + 5, 600) == since == int(OPENS)
    assert store.surge_since(room, OPENS + 10) == since

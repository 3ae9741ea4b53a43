"""Where the waiting room keeps its state: one interface, two implementations.

:class:`RedisStore` is shared by every app server (atomic Lua scripts: INCR for the arrival
order, a sorted set for the line, the admitted count advanced by the rate); :class:`MemoryStore`
keeps the same state in one process (`make run`, tests that choose it). Any Redis failure
is raised as :class:`StoreUnavailable`, which the views turn into a 503: the room fails
closed, it never lets everyone through.

The admitted count is not a counter that someone has to advance: it is
``base + rate * (now - since)`` (positions, from the opening), never more than the line
holds; changing the rate folds what was admitted so far into ``base``, and an arrival at
an idle line keeps at most one second of admissions in hand (a token bucket): the first
ones of a later crowd go straight through, the rest queue at the rate.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

KEEP_SECONDS = 2 * 24 * 3600  # a line's keys outlive any ticket


class StoreUnavailable(RuntimeError):
    """The shared store cannot be reached: refuse (503), never admit."""


@dataclass(frozen=True)
class LineStatus:
    rank: int | None  # 0-based place of the ticket in line; None: not in this line
    admitted: int  # how many places from the front are admitted by now
    total: int  # people in line (admitted or not)
    rate: float  # admissions per second

    @property
    def is_admitted(self) -> bool:
        return self.rank is not None and self.rank < self.admitted

    @property
    def ahead(self) -> int:
        """People before this ticket who are still waiting."""
        return 0 if self.rank is None else max(self.rank - self.admitted, 0)

    @property
    def wait_seconds(self) -> int:
        if self.rank is None or self.is_admitted:
            return 0
        if self.rate <= 0:
            return -1  # admissions paused: no honest estimate
        return math.ceil((self.rank + 1 - self.admitted) / self.rate)

    @property
    def waiting(self) -> int:
        return max(self.total - self.admitted, 0)


def _admitted(base: float, since: float, rate: float, now: float) -> int:
    return int(base + rate * max(now - since, 0.0))


class MemoryStore:
    """The waiting room's state in this process only (one server)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._lines: dict[str, dict] = {}
        self._spent: dict[str, float] = {}
        self._settings: dict[str, str] = {}
        self._hits: dict[tuple[str, int], int] = {}
        self._surges: dict[str, tuple[int, float]] = {}

    def _line(self, room: str, opens: float, default_rate: float) -> dict:
        return self._lines.setdefault(room, {"seq": 0, "members": {}, "holders": {},
                                             "base": 0.0, "since": opens,
                                             "rate": float(default_rate)})

    def join(self, room: str, holder: str, ticket_id: str, score: float | None,
             opens: float, default_rate: float, now: float) -> tuple[str, bool]:
        with self._lock:
            line = self._line(room, opens, default_rate)
            if holder in line["holders"]:
                return line["holders"][holder], False
            cap = len(line["members"]) + max(1.0, line["rate"])
            if now > line["since"] and _admitted(line["base"], line["since"], line["rate"],
                                                 now) > cap:
                line["base"], line["since"] = cap, now  # an idle line banks one second
            line["seq"] += 1
            line["holders"][holder] = ticket_id
            line["members"][ticket_id] = line["seq"] if score is None else score
            return ticket_id, True

    def status(self, room: str, ticket_id: str | None, opens: float, default_rate: float,
               now: float) -> LineStatus:
        with self._lock:
            line = self._line(room, opens, default_rate)
            rank = None
            if ticket_id in line["members"]:
                mine = line["members"][ticket_id]
                rank = sum(1 for score in line["members"].values() if score < mine)
            total = len(line["members"])
            return LineStatus(rank, min(_admitted(line["base"], line["since"], line["rate"],
                                                  now), total), total, line["rate"])

    def set_rate(self, room: str, rate: float, opens: float, default_rate: float,
                 now: float) -> None:
        with self._lock:
            line = self._line(room, opens, default_rate)
            if now > line["since"]:
                line["base"] = float(min(_admitted(line["base"], line["since"], line["rate"],
                                                   now), len(line["members"])))
                line["since"] = now
            line["rate"] = float(rate)

    def spend(self, key: str, ttl: int, now: float | None = None) -> bool:
        """True the first time ``key`` is spent (within ``ttl`` seconds), False after."""
        now = time.time() if now is None else now
        with self._lock:
            if len(self._spent) > 100_000:
                self._spent = {k: t for k, t in self._spent.items() if t > now}
            if self._spent.get(key, 0) > now:
                return False
            self._spent[key] = now + ttl
            return True

    def settings(self) -> dict[str, str]:
        with self._lock:
            return dict(self._settings)

    def set_setting(self, name: str, value: str) -> None:
        with self._lock:
            self._settings[name] = value

    def hit(self, room: str, now: float) -> int:
        second = int(now)
        with self._lock:
            self._hits = {k: v for k, v in self._hits.items() if k[1] >= second - 2}
            self._hits[(room, second)] = self._hits.get((room, second), 0) + 1
            return self._hits[(room, second)]

    def start_surge(self, room: str, now: float, seconds: int) -> int:
        with self._lock:
            since, until = self._surges.get(room, (0, 0.0))
            if until <= now:
                since = int(now)
            self._surges[room] = (since, now + seconds)
            return since

    def surge_since(self, room: str, now: float) -> int | None:
        with self._lock:
            since, until = self._surges.get(room, (0, 0.0))
            return since if until > now else None


_JOIN = """
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then return {existing, 0} end
redis.call('HSETNX', KEYS[4], 'base', 0)
redis.call('HSETNX', KEYS[4], 'since', ARGV[4])
redis.call('HSETNX', KEYS[4], 'rate', ARGV[5])
local flow = redis.call('HMGET', KEYS[4], 'base', 'since', 'rate')
local now = tonumber(ARGV[7])
local cap = redis.call('ZCARD', KEYS[1]) + math.max(1, tonumber(flow[3]))
if now > tonumber(flow[2]) and
   tonumber(flow[1]) + tonumber(flow[3]) * (now - tonumber(flow[2])) > cap then
  redis.call('HSET', KEYS[4], 'base', cap, 'since', ARGV[7])  -- an idle line banks 1 s
end
local seq = redis.call('INCR', KEYS[3])
local score = seq
if ARGV[3] ~= '' then score = tonumber(ARGV[3]) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], score, ARGV[2])
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
return {ARGV[2], 1}
"""

_STATUS = """
redis.call('HSETNX', KEYS[2], 'base', 0)
redis.call('HSETNX', KEYS[2], 'since', ARGV[2])
redis.call('HSETNX', KEYS[2], 'rate', ARGV[3])
local flow = redis.call('HMGET', KEYS[2], 'base', 'since', 'rate')
local rank = false
if ARGV[1] ~= '' then rank = redis.call('ZRANK', KEYS[1], ARGV[1]) end
return {rank, flow[1], flow[2], flow[3], redis.call('ZCARD', KEYS[1])}
"""

_SET_RATE = """
redis.call('HSETNX', KEYS[1], 'base', 0)
redis.call('HSETNX', KEYS[1], 'since', ARGV[2])
redis.call('HSETNX', KEYS[1], 'rate', ARGV[3])
local flow = redis.call('HMGET', KEYS[1], 'base', 'since', 'rate')
local now = tonumber(ARGV[4])
local since = tonumber(flow[2])
if now > since then
  local admitted = math.floor(tonumber(flow[1]) + tonumber(flow[3]) * (now - since))
  admitted = math.min(admitted, redis.call('ZCARD', KEYS[2]))
  redis.call('HSET', KEYS[1], 'base', admitted, 'since', ARGV[4])
end
redis.call('HSET', KEYS[1], 'rate', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""

_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], 3) end
return n
"""

_SURGE = """
local since = redis.call('GET', KEYS[1])
if not since then since = ARGV[1] end
redis.call('SET', KEYS[1], since, 'EX', ARGV[2])
return since
"""


class RedisStore:
    """The waiting room's state in Redis, shared by every app server."""

    def __init__(self, url: str):
        import redis

        self._errors = (redis.exceptions.RedisError, OSError)
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1,
                                           decode_responses=True)
        self._join = self._redis.register_script(_JOIN)
        self._status = self._redis.register_script(_STATUS)
        self._set_rate = self._redis.register_script(_SET_RATE)
        self._hit = self._redis.register_script(_HIT)
        self._surge = self._redis.register_script(_SURGE)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except self._errors as err:
            raise StoreUnavailable(str(err)) from err

    @staticmethod
    def _keys(room: str) -> list[str]:
        # One hash tag per room: a Redis Cluster keeps a line's keys on one node.
        tag = "fg:wr:{" + room + "}"
        return [tag + ":line", tag + ":holders", tag + ":seq", tag + ":flow"]

    def join(self, room: str, holder: str, ticket_id: str, score: float | None,
             opens: float, default_rate: float, now: float) -> tuple[str, bool]:
        member, new = self._call(self._join, keys=self._keys(room), args=[
            holder, ticket_id, "" if score is None else repr(score), opens, default_rate,
            KEEP_SECONDS, now])
        return member, bool(new)

    def status(self, room: str, ticket_id: str | None, opens: float, default_rate: float,
               now: float) -> LineStatus:
        line, _, _, flow = self._keys(room)
        rank, base, since, rate, total = self._call(
            self._status, keys=[line, flow], args=[ticket_id or "", opens, default_rate])
        return LineStatus(None if rank is None else int(rank),
                          min(_admitted(float(base), float(since), float(rate), now), int(total)),
                          int(total), float(rate))

    def set_rate(self, room: str, rate: float, opens: float, default_rate: float,
                 now: float) -> None:
        line, _, _, flow = self._keys(room)
        self._call(self._set_rate, keys=[flow, line],
                   args=[rate, opens, default_rate, now, KEEP_SECONDS])

    def spend(self, key: str, ttl: int, now: float | None = None) -> bool:
        return bool(self._call(self._redis.set, "fg:spent:" + key, 1, nx=True, ex=ttl))

    def settings(self) -> dict[str, str]:
        return self._call(self._redis.hgetall, "fg:wr:settings")

    def set_setting(self, name: str, value: str) -> None:
        self._call(self._redis.hset, "fg:wr:settings", name, value)

    def hit(self, room: str, now: float) -> int:
        return int(self._call(self._hit, keys=[f"fg:wr:{{{room}}}:hits:{int(now)}"]))

    def start_surge(self, room: str, now: float, seconds: int) -> int:
        return int(self._call(self._surge, keys=[f"fg:wr:{{{room}}}:surge"],
                              args=[int(now), seconds]))

    def surge_since(self, room: str, now: float) -> int | None:
        value = self._call(self._redis.get, f"fg:wr:{{{room}}}:surge")
        return None if value is None else int(value)


def open_store(url: str):
    """The store a ``WAITING_ROOM_STORE`` setting names: "memory" or redis://..."""
    if url == "memory":
        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise ValueError(f"WAITING_ROOM_STORE must be 'memory' or redis://..., not {url!r}")

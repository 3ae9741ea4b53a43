"""Per venue-day document look-up index (docs/sync-protocol.md, section 3).

A kiosk matches an ID card offline by computing the card's index and finding it among the
venue-day's bookings, so its ledger holds every booked visitor's index and what is needed
to compute one. Whoever steals the ledger can therefore test guesses of ID numbers; all
that can be done is to make each guess expensive. The index is Argon2id (memory-hard: each
guess needs the whole memory block, which limits how many guesses a GPU or ASIC runs at
once) of the document's canonical key, with a salt the service derives per venue and day:
no table of numbers can be computed ahead, and a stolen ledger has to be attacked on its
own. One guess costs what one card read at the gate costs (tens of milliseconds and about
100 MiB); bench/ledger_attack.py measures both.

The parameters travel with the manifest (``LookupParams.to_wire``); the service pins them
per venue-day, so changing the settings never invalidates indexes already handed out.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from argon2.low_level import ARGON2_VERSION, Type, core, ffi, hash_secret_raw, lib

from gate.vocabulary import b64url_decode, b64url_encode

ALGORITHM = "argon2id"
SALT_BYTES = 16
INDEX_BYTES = 20  # 40 hex characters, as the look-up index always had
# What a kiosk accepts from a manifest: enough room to raise the cost, not enough for a
# bad or hostile page to exhaust a gate PC (1 GiB, 16 passes).
LIMITS = {"time_cost": (1, 16), "memory_kib": (8, 1 << 20), "parallelism": (1, 16),
          "length": (16, 32)}
INDEX_CONTEXT = b"fairgate/gate-index/v2\x00"  # what is hashed: this + Document.key


class LookupParamsError(ValueError):
    """Parameters outside what a kiosk accepts, or not the algorithm it implements."""


@dataclass(frozen=True)
class LookupParams:
    """Argon2id parameters of one venue-day. ``memory_kib`` is Argon2's memory cost."""

    salt: bytes
    time_cost: int
    memory_kib: int
    parallelism: int
    length: int = INDEX_BYTES

    def __post_init__(self):
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) \
                    or not low <= value <= high:
                raise LookupParamsError(f"{name} must be an integer from {low} to {high}")
        if self.memory_kib < 8 * self.parallelism:
            raise LookupParamsError("memory_kib must be at least 8 x parallelism")
        if not isinstance(self.salt, bytes) or not 8 <= len(self.salt) <= 64:
            raise LookupParamsError("the salt must be 8 to 64 bytes")

    def to_wire(self) -> dict:
        """The manifest's ``lookup_kdf`` object."""
        return {"algorithm": ALGORITHM, "version": ARGON2_VERSION,
                "time_cost": self.time_cost, "memory_kib": self.memory_kib,
                "parallelism": self.parallelism, "length": self.length,
                "salt": b64url_encode(self.salt)}

    @classmethod
    def from_wire(cls, data: Mapping) -> "LookupParams":
        if not isinstance(data, Mapping):
            raise LookupParamsError("lookup_kdf is not an object")
        if data.get("algorithm") != ALGORITHM or data.get("version") != ARGON2_VERSION:
            raise LookupParamsError(f"only {ALGORITHM} version {ARGON2_VERSION} is known here")
        salt = data.get("salt")
        try:
            raw = b64url_decode(salt)
        except ValueError:
            raise LookupParamsError("the salt is not base64url") from None
        return cls(salt=raw, time_cost=data.get("time_cost"),
                   memory_kib=data.get("memory_kib"), parallelism=data.get("parallelism"),
                   length=data.get("length"))


def venue_day_salt(master_key: bytes, venue: str, day: date) -> bytes:
    """The public salt of a venue-day, derived from the service's master index key."""
    message = f"fairgate/gate-salt/v2|{venue}|{day.isoformat()}".encode()
    return hmac.new(master_key, message, hashlib.sha256).digest()[:SALT_BYTES]


def gate_lookup_index(params: LookupParams, document_key: str) -> str:
    """Index of a document (``Document.key``) for a venue-day, hex encoded.

    One call costs one guess to an attacker: this is the function to keep off hot paths.
    """
    return argon2id(INDEX_CONTEXT + document_key.encode("utf-8"), params).hex()


def argon2id(secret: bytes, params: LookupParams) -> bytes:
    """Argon2id of ``secret`` under ``params``, in this thread's kept memory block when the
    binding allows (checked once against argon2-cffi's own function), else the usual way."""
    if _kept_memory.usable():
        return _kept_memory.hash(secret, params)
    return hash_secret_raw(secret, params.salt, time_cost=params.time_cost,
                           memory_cost=params.memory_kib, parallelism=params.parallelism,
                           hash_len=params.length, type=Type.ID, version=ARGON2_VERSION)


def release_memory() -> None:
    """Give back this thread's kept memory block (a server thread between pages; a kiosk
    keeps its block for the next card)."""
    _kept_memory.release()


class _KeptMemory:
    """Argon2's memory block allocated once per thread and reused.

    A fresh block of 96 MiB costs the kiosk about as much again as the hash itself (the
    kernel faults in and zeroes every page), while an attacker testing guesses keeps one
    block: the gate should not pay more for a card than a thief pays for a guess. This goes
    through argon2-cffi's low-level ``argon2_ctx`` binding with allocation callbacks; the
    first use compares it with ``hash_secret_raw`` and falls back for good on any doubt.
    """

    def __init__(self):
        self._local = threading.local()
        self._checked: bool | None = None
        self._lock = threading.Lock()
        # error: what C sees if _give raises (MemoryError): ARGON2_MEMORY_ALLOCATION_ERROR.
        self._allocate = ffi.callback("int(uint8_t **, size_t)", self._give, error=-22)
        self._free = ffi.callback("void(uint8_t *, size_t)", lambda memory, size: None)

    def _give(self, memory, size: int) -> int:
        block = getattr(self._local, "block", None)
        if block is None or len(block) < size:
            block = self._local.block = ffi.new("uint8_t[]", size)
        memory[0] = block
        return 0

    def release(self) -> None:
        self._local.block = None

    def usable(self) -> bool:
        if self._checked is None:
            with self._lock:
                if self._checked is None:
                    self._checked = self._self_check()
        return self._checked

    def _self_check(self) -> bool:
        probe = LookupParams(salt=bytes(range(16)), time_cost=1, memory_kib=64,
                             parallelism=2)
        try:
            expected = hash_secret_raw(b"probe", probe.salt, 1, 64, 2, INDEX_BYTES, Type.ID,
                                       ARGON2_VERSION)
            return self.hash(b"probe", probe) == expected
        except Exception:  # an argon2-cffi whose structures changed: use its own function
            return False

    def hash(self, secret: bytes, params: LookupParams) -> bytes:
        out = ffi.new("uint8_t[]", params.length)
        password, salt = ffi.new("uint8_t[]", secret), ffi.new("uint8_t[]", params.salt)
        context = ffi.new("argon2_context *", {
            "out": out, "outlen": params.length, "pwd": password, "pwdlen": len(secret),
            "salt": salt, "saltlen": len(params.salt), "secret": ffi.NULL, "secretlen": 0,
            "ad": ffi.NULL, "adlen": 0, "t_cost": params.time_cost,
            "m_cost": params.memory_kib, "lanes": params.parallelism,
            "threads": params.parallelism, "version": ARGON2_VERSION,
            "allocate_cbk": self._allocate, "free_cbk": self._free,
            "flags": lib.ARGON2_DEFAULT_FLAGS})
        code = core(context, Type.ID.value)
        if code != lib.ARGON2_OK:
            raise LookupParamsError(f"argon2 failed with code {code}")
        return bytes(ffi.buffer(out, params.length))


_kept_memory = _KeptMemory()

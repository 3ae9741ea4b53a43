"""Pass tokens: the signed, offline-verifiable text inside a pass's QR code.

Wire format v1 (specified for other implementers in docs/pass-format.md)::

    payload = version(1) | key id(2) | serial(10) | venue length(1) | venue ASCII
              | first day(uint16 BE, days since 2020-01-01) | day count(1) | kind(1)
              | fingerprint(3)
    signature = Ed25519(private key, b"fairgate-pass" + payload)   # prefix not transmitted
    text = "FG" + base32(payload + signature)   # RFC 4648, upper-case, no "=" padding

The text uses only QR alphanumeric characters, so a token for the longest allowed venue code
(MAX_VENUE_LENGTH = 10 characters) is at most 154 characters: exactly the alphanumeric capacity
of QR version 6 at error-correction level M.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import re
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from gate.vocabulary import b64url_decode, b64url_encode

FORMAT_VERSION = 1
TOKEN_PREFIX = "FG"
SIGNING_CONTEXT = b"fairgate-pass"
FINGERPRINT_CONTEXT = b"fairgate/fp/v1\x00"
DAY_EPOCH = date(2020, 1, 1)
SERIAL_BYTES = 10
FINGERPRINT_BYTES = 3
KEY_ID_BYTES = 2
SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32
MAX_VENUE_LENGTH = 10
MAX_DAY_COUNT = 255
# version + key id + serial + venue length + first day + day count + kind + fingerprint
FIXED_PAYLOAD_BYTES = 1 + KEY_ID_BYTES + SERIAL_BYTES + 1 + 2 + 1 + 1 + FINGERPRINT_BYTES


def token_length(venue_length: int) -> int:
    """Length in characters of a v1 token whose venue code has ``venue_length`` characters."""
    raw = FIXED_PAYLOAD_BYTES + venue_length + SIGNATURE_BYTES
    return len(TOKEN_PREFIX) + (raw * 8 + 4) // 5


MAX_TOKEN_LENGTH = token_length(MAX_VENUE_LENGTH)  # 154 = QR 6-M alphanumeric capacity

ALL_VENUES = "*"
"""The venue field of a pass valid at every venue of the fair (credentials without a venue:
media, guests, staff). A one-venue-day kind (:data:`SINGLE_VENUE_KINDS`) never carries it."""

_VENUE_RE = re.compile(r"[A-Z0-9]{1,%d}|\*" % MAX_VENUE_LENGTH)
_SERIAL_RE = re.compile(r"[A-Z2-7]{16}")
_KEY_ID_RE = re.compile(r"[0-9a-f]{4}")
_LAST_FIRST_DAY = DAY_EPOCH + timedelta(days=0xFFFF)


class PassKind(StrEnum):
    """Who a pass admits; each kind travels as a one-byte code."""

    visitor = "visitor"
    exhibitor = "exhibitor"
    staff = "staff"
    media = "media"
    professional = "professional"
    guest = "guest"
    contractor = "contractor"
    online = "online"
    # Upper-case spellings are aliases of the same members (iteration lists each kind once).
    VISITOR = "visitor"
    EXHIBITOR = "exhibitor"
    STAFF = "staff"
    MEDIA = "media"
    PROFESSIONAL = "professional"
    GUEST = "guest"
    CONTRACTOR = "contractor"
    ONLINE = "online"

    @property
    def code(self) -> int:
        return _KIND_CODES[self]


# A code, once given, never changes meaning: printed passes carry it.
_KIND_CODES = {PassKind.visitor: 1, PassKind.exhibitor: 2, PassKind.staff: 3, PassKind.media: 4,
               PassKind.professional: 5, PassKind.guest: 6, PassKind.contractor: 7,
               PassKind.online: 8}
_KINDS_BY_CODE = {code: kind for kind, code in _KIND_CODES.items()}

SINGLE_VENUE_KINDS = frozenset({PassKind.visitor, PassKind.professional})
"""Kinds booked for one venue-day: their passes always name the venue (never ``*``)."""


class PassTokenError(Exception):
    """A token that must not be honoured; ``reason`` is a gate reason code."""

    reason = "unreadable"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class UnreadableToken(PassTokenError):
    """Not a fairgate v1 token (prefix, encoding, lengths, version or kind)."""

    reason = "unreadable"


class UnknownKey(PassTokenError):
    """Well formed, but signed with a key id the verifier does not know."""

    reason = "unknown_key"

    def __init__(self, detail: str, key_id: str):
        super().__init__(detail)
        self.key_id = key_id


class BadSignature(PassTokenError):
    """Well formed and a known key id, but the signature does not match: forged or altered."""

    reason = "bad_signature"


@dataclass(frozen=True)
class PassClaims:
    """What a pass asserts. ``key_id`` may be left empty until :func:`sign_pass` fills it."""

    serial: str
    venue: str
    first_day: date
    day_count: int
    kind: PassKind
    fingerprint: bytes
    key_id: str = ""
    version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if not isinstance(self.serial, str) or not _SERIAL_RE.fullmatch(self.serial):
            raise ValueError("serial must be 16 upper-case base32 characters (10 bytes)")
        if not isinstance(self.venue, str) or not _VENUE_RE.fullmatch(self.venue):
            raise ValueError(f"venue code must be 1-{MAX_VENUE_LENGTH} characters A-Z, 0-9, "
                             f"or {ALL_VENUES!r} (every venue)")
        if type(self.first_day) is not date:
            raise ValueError("first_day must be a datetime.date")
        if not DAY_EPOCH <= self.first_day <= _LAST_FIRST_DAY:
            raise ValueError(f"first_day must lie between {DAY_EPOCH} and {_LAST_FIRST_DAY}")
        if type(self.day_count) is not int or not 1 <= self.day_count <= MAX_DAY_COUNT:
            raise ValueError(f"day_count must be an integer from 1 to {MAX_DAY_COUNT}")
        object.__setattr__(self, "kind", PassKind(self.kind))
        if self.venue == ALL_VENUES and self.kind in SINGLE_VENUE_KINDS:
            raise ValueError(f"a {self.kind} pass names its venue: {ALL_VENUES!r} is for "
                             "passes valid at every venue")
        if not isinstance(self.fingerprint, bytes) or len(self.fingerprint) != FINGERPRINT_BYTES:
            raise ValueError(f"fingerprint must be {FINGERPRINT_BYTES} bytes")
        if self.key_id and not _KEY_ID_RE.fullmatch(self.key_id):
            raise ValueError("key_id must be 4 lower-case hex characters")
        if self.version != FORMAT_VERSION:
            raise ValueError(f"only pass format version {FORMAT_VERSION} is supported")

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.day_count - 1)

    @property
    def valid_days(self) -> tuple[date, ...]:
        """Every day the pass is valid on, in order."""
        return tuple(self.first_day + timedelta(days=n) for n in range(self.day_count))

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    @property
    def every_venue(self) -> bool:
        """Valid at every venue of the fair (venue field ``*``)."""
        return self.venue == ALL_VENUES

    def valid_at(self, venue: str) -> bool:
        return self.every_venue or self.venue == venue

    def matches_document(self, document_key: str) -> bool:
        """Whether a presented document's key gives this pass's fingerprint (see below)."""
        return secrets.compare_digest(
            document_fingerprint(self.serial, document_key), self.fingerprint
        )


def new_serial() -> str:
    """A fresh, unguessable pass serial: 10 random bytes as 16 base32 characters."""
    return base64.b32encode(secrets.token_bytes(SERIAL_BYTES)).decode("ascii")


def document_fingerprint(serial: str, document_key: str) -> bytes:
    """Bind a pass to its holder's identity document with 3 bytes (24 bits).

    ``document_key`` is the canonical string for the document (the identity module's
    normalised type and number); server and kiosk must derive it identically.

    The fingerprint is deliberately short. A wrong card matches by chance about once in
    16.7 million checks (2**-24), which is negligible at a gate. In return the QR text
    cannot be brute-forced back to a unique number: about 10**11 plausible mainland ID
    numbers spread over 2**24 values leave ~6,000 candidates per fingerprint. Mixing in the
    serial means each pass needs its own search. It still confirms a guess: an attacker who
    already knows the holder's birth date and region can single out the number, so a pass
    image remains personal data.
    """
    material = FINGERPRINT_CONTEXT + serial.encode("utf-8") + b"\x00"
    material += document_key.encode("utf-8")
    return hashlib.sha256(material).digest()[:FINGERPRINT_BYTES]


def key_id_for(public_bytes: bytes) -> str:
    """Key id of a raw 32-byte Ed25519 public key: first 2 bytes of its SHA-256, in hex."""
    return hashlib.sha256(bytes(public_bytes)).digest()[:KEY_ID_BYTES].hex()


def encode_public_key(public_bytes: bytes) -> str:
    """The ``public_key`` field of /api/v1/keys: unpadded base64url of the raw 32 bytes."""
    return b64url_encode(public_bytes)


def decode_public_key(text: str) -> bytes:
    """Inverse of :func:`encode_public_key`; accepts padding. Raises ValueError."""
    try:
        raw = b64url_decode(text)
    except ValueError as exc:
        raise ValueError("public key is not base64url") from exc
    if len(raw) != PUBLIC_KEY_BYTES:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return raw


class SigningKey:
    """The service's Ed25519 pass-signing key. Kiosks only ever see the public half."""

    def __init__(self, private_key: Ed25519PrivateKey):
        self._key = private_key
        self._public = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = key_id_for(self._public)

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> "SigningKey":
        if len(raw) != 32:
            raise ValueError("an Ed25519 private key is 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(raw)))

    def private_bytes(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def public_bytes(self) -> bytes:
        return self._public

    def sign(self, payload: bytes) -> bytes:
        """Signature over ``payload`` with the pass domain-separation prefix."""
        return self._key.sign(SIGNING_CONTEXT + payload)

    def __repr__(self) -> str:
        return f"<SigningKey {self.key_id}>"


def new_claims(
    *,
    venue: str,
    first_day: date,
    document_key: str,
    kind: PassKind = PassKind.visitor,
    day_count: int = 1,
    serial: str | None = None,
) -> PassClaims:
    """Claims for a new pass with a fresh serial and the holder's document fingerprint."""
    serial = serial or new_serial()
    return PassClaims(
        serial=serial,
        venue=venue,
        first_day=first_day,
        day_count=day_count,
        kind=kind,
        fingerprint=document_fingerprint(serial, document_key),
    )


def encode_payload(claims: PassClaims) -> bytes:
    """The signed bytes of a token (without the domain-separation prefix)."""
    if not claims.key_id:
        raise ValueError("claims need a key_id before encoding")
    venue = claims.venue.encode("ascii")
    return b"".join((
        bytes((claims.version,)),
        bytes.fromhex(claims.key_id),
        base64.b32decode(claims.serial),
        bytes((len(venue),)),
        venue,
        struct.pack(">HBB", (claims.first_day - DAY_EPOCH).days, claims.day_count,
                    claims.kind.code),
        claims.fingerprint,
    ))


def sign_pass(claims: PassClaims, key: SigningKey) -> str:
    """Sign ``claims`` and return the QR text. An empty ``claims.key_id`` is filled in."""
    if not claims.key_id:
        claims = dataclasses.replace(claims, key_id=key.key_id)
    elif claims.key_id != key.key_id:
        raise ValueError(f"claims name key {claims.key_id} but the key is {key.key_id}")
    payload = encode_payload(claims)
    raw = payload + key.sign(payload)
    return TOKEN_PREFIX + base64.b32encode(raw).decode("ascii").rstrip("=")


def _unreadable(detail: str) -> UnreadableToken:
    return UnreadableToken(detail)


def _split(text: str) -> tuple[PassClaims, bytes, bytes]:
    """Parse a token text into (claims, signed payload, signature) or raise UnreadableToken."""
    if not isinstance(text, str):
        raise _unreadable("token is not text")
    text = text.strip()
    # upper() maps some non-ASCII letters to ASCII ones (e.g. U+FB00 -> "FF"): refuse first.
    if not text.isascii():
        raise _unreadable("token contains non-ASCII characters")
    text = text.upper()
    if not text.startswith(TOKEN_PREFIX):
        raise _unreadable("not a fairgate pass")
    body = text[len(TOKEN_PREFIX):]
    if len(text) > MAX_TOKEN_LENGTH:
        raise _unreadable("token too long")
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise _unreadable("bad base32") from None
    # b32decode ignores the unused low bits of the last character; insist on the one
    # canonical spelling so that a token has exactly one valid text.
    if base64.b32encode(raw).decode("ascii").rstrip("=") != body:
        raise _unreadable("non-canonical base32")
    if len(raw) < FIXED_PAYLOAD_BYTES + 1 + SIGNATURE_BYTES:
        raise _unreadable("token truncated")
    if raw[0] != FORMAT_VERSION:
        raise _unreadable(f"unknown pass format version {raw[0]}")
    venue_length = raw[13]
    if not 1 <= venue_length <= MAX_VENUE_LENGTH:
        raise _unreadable("bad venue length")
    payload_length = FIXED_PAYLOAD_BYTES + venue_length
    if len(raw) != payload_length + SIGNATURE_BYTES:
        raise _unreadable("token length does not match its venue length")
    payload, signature = raw[:payload_length], raw[payload_length:]
    offset = 14 + venue_length
    day_offset, day_count, kind_code = struct.unpack_from(">HBB", payload, offset)
    kind = _KINDS_BY_CODE.get(kind_code)
    if kind is None:
        raise _unreadable(f"unknown pass kind {kind_code}")
    try:
        claims = PassClaims(
            serial=base64.b32encode(payload[3:13]).decode("ascii"),
            venue=payload[14:offset].decode("ascii"),
            first_day=DAY_EPOCH + timedelta(days=day_offset),
            day_count=day_count,
            kind=kind,
            fingerprint=payload[offset + 4:],
            key_id=payload[1:3].hex(),
        )
    except (ValueError, UnicodeDecodeError):
        raise _unreadable("invalid claim values") from None
    return claims, payload, signature


def decode_unverified(text: str) -> PassClaims:
    """The claims of a token WITHOUT checking its signature: for display and debugging only."""
    return _split(text)[0]


@lru_cache(maxsize=64)
def _public_key(key_id: str, raw: bytes) -> Ed25519PublicKey:
    if len(raw) != PUBLIC_KEY_BYTES or key_id_for(raw) != key_id:
        raise ValueError(f"published key {key_id!r} is not a matching 32-byte Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_token(text: str, public_keys: Mapping[str, bytes]) -> PassClaims:
    """Verify a scanned token and return its claims.

    ``public_keys`` maps key id -> raw 32-byte Ed25519 public key (every key still
    published, active or not). Raises a :class:`PassTokenError` whose ``reason`` is
    ``unreadable``, ``unknown_key`` or ``bad_signature``; nothing else for any string.
    A malformed entry in ``public_keys`` itself is a configuration error (ValueError).

    Venue, day, kind, revocation and fingerprint checks are the gate rules' job.
    """
    claims, payload, signature = _split(text)
    raw_key = public_keys.get(claims.key_id)
    if raw_key is None:
        raise UnknownKey(f"unknown signing key {claims.key_id}", claims.key_id)
    try:
        _public_key(claims.key_id, bytes(raw_key)).verify(signature, SIGNING_CONTEXT + payload)
    except InvalidSignature:
        raise BadSignature("signature does not match") from None
    return claims

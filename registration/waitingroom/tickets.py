"""Signed places in line (tickets) and admissions: HMAC-SHA256 over a compact JSON body.

A ticket says "this document joined the line of this venue-day as member ``id``"; an
admission says "that ticket's turn has come: book within a few minutes". Both are checked
with a constant-time compare and carry their expiry; an admission is bound to its ticket,
its venue-day and its holder's document (a truncated blind index, never the number), and
is spent by the booking that uses it (registration/waitingroom/store.py remembers it).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass

TICKET_PREFIX = "t1"
ADMISSION_PREFIX = "a1"


class BadToken(ValueError):
    """A ticket or admission that is malformed, forged, for another venue-day or expired."""

    def __init__(self, reason: str):
        self.reason = reason  # "malformed", "bad_signature", "expired", "wrong_day"
        super().__init__(reason)


@dataclass(frozen=True)
class Ticket:
    room: str  # "CNCC/2026-12-03"
    id: str  # the member of the line (random, unguessable)
    holder: str  # the document's bucket (truncated blind index)
    issued_at: int  # epoch seconds
    expires_at: int


@dataclass(frozen=True)
class Admission:
    room: str
    ticket: str  # the ticket id it was granted to
    holder: str
    jti: str  # spent once (replay)
    expires_at: int


def derive_key(secret: bytes, label: str) -> bytes:
    """One key per purpose from the service's secret (domain separation)."""
    return hmac.new(secret, b"fairgate-waiting-room|" + label.encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, prefix: str, body: dict) -> str:
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, f"{prefix}.{payload}".encode(), hashlib.sha256).digest()
    return f"{prefix}.{payload}.{_b64(mac)}"


def _open(key: bytes, prefix: str, token: str | None, now: int) -> dict:
    if not isinstance(token, str) or len(token) > 1000:
        raise BadToken("malformed")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != prefix:
        raise BadToken("malformed")
    try:
        mac = _unb64(parts[2])
    except ValueError:
        raise BadToken("malformed") from None
    expected = hmac.new(key, f"{prefix}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise BadToken("bad_signature")
    try:
        body = json.loads(_unb64(parts[1]))
    except ValueError:
        raise BadToken("malformed") from None
    if not isinstance(body, dict) or not isinstance(body.get("expires_at"), int):
        raise BadToken("malformed")
    if body["expires_at"] <= now:
        raise BadToken("expired")
    return body


class TokenSigner:
    """Signs and checks tickets and admissions with keys derived from one secret."""

    def __init__(self, secret: bytes):
        self._ticket_key = derive_key(secret, "ticket")
        self._admission_key = derive_key(secret, "admission")

    def issue_ticket(self, room: str, holder: str, now: int, lifetime: int,
                     ticket_id: str | None = None) -> tuple[Ticket, str]:
        ticket = Ticket(room=room, id=ticket_id or secrets.token_hex(8), holder=holder,
                        issued_at=now, expires_at=now + lifetime)
        return ticket, _sign(self._ticket_key, TICKET_PREFIX, asdict(ticket))

    def read_ticket(self, token: str | None, room: str, now: int) -> Ticket:
        body = _open(self._ticket_key, TICKET_PREFIX, token, now)
        try:
            ticket = Ticket(**body)
        except TypeError:
            raise BadToken("malformed") from None
        if ticket.room != room:
            raise BadToken("wrong_day")
        return ticket

    def issue_admission(self, ticket: Ticket, now: int, lifetime: int) -> tuple[Admission, str]:
        admission = Admission(room=ticket.room, ticket=ticket.id, holder=ticket.holder,
                              jti=secrets.token_hex(8),
                              expires_at=min(now + lifetime, ticket.expires_at))
        return admission, _sign(self._admission_key, ADMISSION_PREFIX, asdict(admission))

    def read_admission(self, token: str | None, room: str, now: int) -> Admission:
        body = _open(self._admission_key, ADMISSION_PREFIX, token, now)
        try:
            admission = Admission(**body)
        except TypeError:
            raise BadToken("malformed") from None
        if admission.room != room:
            raise BadToken("wrong_day")
        return admission

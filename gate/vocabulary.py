"""Words and formats the service and the kiosk share, each declared once.

Schemas take their ``OneOf`` values from here, models their column types, and the kiosk
its checks, so a code added here is known everywhere at once. (Reason codes live with their
messages in gate/reasons.py, pass kinds in gate/passes.py, document types in
gate/documents.py.)
"""
from __future__ import annotations

import base64
import re
from enum import Enum, StrEnum


class GateStatus(StrEnum):
    """A booking as the gate rules read it (``AppointmentRecord.status``, the manifest
    item's ``status``): ``cancelled`` when the visitor cancelled, ``revoked`` when the pass
    was withdrawn or replaced by a newer one."""

    active = "active"
    cancelled = "cancelled"
    revoked = "revoked"


class AnomalyCode(StrEnum):
    """What the service flags on an uploaded check-in event (docs/sync-protocol.md, 4)."""

    double_admission = "double_admission"  # one pass let in twice (two offline gates)
    unknown_pass = "unknown_pass"  # no pass with this serial / look-up index here
    future_timestamp = "future_timestamp"  # scanned later than the service's clock allows
    stale_timestamp = "stale_timestamp"  # older than GATE_EVENT_MAX_AGE_HOURS
    id_reused = "id_reused"  # a known event id came back with other content
    revoked_pass_admitted = "revoked_pass_admitted"  # admitted after its revocation
    wrong_venue = "wrong_venue"  # a pass of another venue: stored, applied to no one
    # An annul of no admission of the same device, or after gate.presence.ANNUL_WINDOW:
    # stored, changes nothing.
    annul_refused = "annul_refused"


def values(kind: type[Enum]) -> tuple[str, ...]:
    """The wire values of an enum, in declaration order (for ``OneOf`` and CHECKs)."""
    return tuple(member.value for member in kind)


# Organisations and credentials (registration/models, schemas/) --------------------------------

class OrganisationKind(StrEnum):
    exhibitor = "exhibitor"
    organisation = "organisation"  # institutions sending professional visitors
    media_outlet = "media_outlet"
    # Upper-case spellings are aliases of the same members, as the service's code writes them.
    EXHIBITOR = "exhibitor"
    ORGANISATION = "organisation"
    MEDIA_OUTLET = "media_outlet"


class ReviewStatus(StrEnum):
    """Where an organisation stands in review."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CredentialStatus(StrEnum):
    pending = "pending"  # waiting for review
    approved = "approved"  # active: the pass (if the kind has one) is issued
    rejected = "rejected"
    revoked = "revoked"  # withdrawn after approval (member removed or replaced, staff)
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


# Zones, forums and seats (registration/models/zone.py, docs/forums.md) ----------------------

class ZoneKind(StrEnum):
    """What an area inside a venue is: its door kiosks check who may go in."""

    hall = "hall"  # an exhibition hall
    forum_room = "forum_room"  # a room holding forums (sessions): a seat is needed
    meeting_room = "meeting_room"  # a room holding meetings (sessions): a seat is needed
    vip_lounge = "vip_lounge"
    media_centre = "media_centre"


SEATED_ZONE_KINDS = frozenset({ZoneKind.forum_room, ZoneKind.meeting_room})
"""Zones whose doors admit seat holders of a session (forum) only."""


class SeatStatus(StrEnum):
    active = "active"  # holds one of the forum's seats
    cancelled = "cancelled"  # given back: the seat was freed at once


class ForumWaitStatus(StrEnum):
    """Where a forum waiting-list entry stands (like the day waiting list's)."""

    waiting = "waiting"
    offered = "offered"  # holds a seat until the offer expires
    seated = "seated"  # took the offer: ``seat_id`` is the seat
    expired = "expired"
    withdrawn = "withdrawn"


# Enrolment codes ---------------------------------------------------------------------------

ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed from a screen
ENROLMENT_CODE_GROUPS, ENROLMENT_CODE_GROUP_LENGTH = 4, 4  # 16 symbols of 32: 80 bits
ENROLMENT_CODE_LENGTH = ENROLMENT_CODE_GROUPS * ENROLMENT_CODE_GROUP_LENGTH


def canonical_enrolment_code(text: str | None) -> str:
    """What an operator typed or a camera read -> the canonical code (no dashes, upper)."""
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def format_enrolment_code(canonical: str) -> str:
    """The printed form, XXXX-XXXX-XXXX-XXXX."""
    size = ENROLMENT_CODE_GROUP_LENGTH
    return "-".join(canonical[i:i + size] for i in range(0, len(canonical), size))


def enrolment_code(text: str | None) -> str | None:
    """The printed form of ``text`` if it is an enrolment code, else None."""
    canonical = canonical_enrolment_code(text)
    if len(canonical) != ENROLMENT_CODE_LENGTH or not set(canonical) <= set(
            ENROLMENT_CODE_ALPHABET):
        return None
    return format_enrolment_code(canonical)


# Unpadded base64url ------------------------------------------------------------------------

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(raw: bytes) -> str:
    """Unpadded base64url (RFC 4648, section 5), as every binary value on the wire."""
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url_encode`; padding is accepted. Raises ValueError for anything
    that is not base64url."""
    if not isinstance(text, str):
        raise ValueError("not base64url text")
    body = text.rstrip("=")
    if not _BASE64URL.fullmatch(body):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))  # binascii.Error: a ValueError

"""Gate devices: one-time enrolment codes, device tokens, authentication and revocation."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from gate.i18n import Text
from gate.vocabulary import (
    ENROLMENT_CODE_ALPHABET, ENROLMENT_CODE_LENGTH, canonical_enrolment_code,
    format_enrolment_code,
)
from registration.extensions import db
from registration.models import Device, EnrollmentCode, Gate, Venue
from registration.services.calendar import utc_now
from registration.services.errors import NotFound, ServiceError, invalid_field

TOKEN_PREFIX = "fgd_"
TOKEN_RE = re.compile(r"fgd_[A-Za-z0-9_-]{43}")

MISSING_TOKEN = Text("缺少设备令牌", "A device token is required (Authorization: Bearer ...)")
INVALID_TOKEN = Text("设备令牌无效", "The device token is not valid")
DEVICE_REVOKED = Text("该设备已被停用", "This device has been revoked")
OTHER_VENUE = Text("该设备不属于此场馆", "This device is enrolled for another venue")
OTHER_GATE = Text("该闸口不属于本设备的场馆", "This gate is not one of the device's venue")
BAD_CODE = Text("注册码无效、已使用或已过期",
                "The enrolment code is unknown, already used or expired")


class Unauthorized(ServiceError):
    """No usable device credentials: missing, unknown or revoked token."""

    status = 401


class Forbidden(ServiceError):
    """A known device asking for something outside its venue."""

    status = 403


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def find_gate(venue_code: str, gate_code: str) -> Gate:
    venue = db.session.scalar(select(Venue).where(Venue.code == (venue_code or "").upper()))
    if venue is None:
        raise NotFound("venue_not_found", Text("没有这个场馆", "Unknown venue"))
    gate = next((g for g in venue.gates if g.code == (gate_code or "").upper()), None)
    if gate is None:
        raise invalid_field("gate", Text("该场馆没有这个闸口", "This venue has no such gate"),
                            "unknown_gate")
    return gate


def new_enrollment_code(venue_code: str, gate_code: str, *, ttl_hours: float | None = None,
                        now: datetime | None = None) -> tuple[str, EnrollmentCode]:
    """A fresh one-time code for a device at this gate; only its digest is stored."""
    gate = find_gate(venue_code, gate_code)
    now = now or utc_now()
    hours = current_app.config["GATE_ENROLL_CODE_TTL_HOURS"] if ttl_hours is None else ttl_hours
    canonical = "".join(secrets.choice(ENROLMENT_CODE_ALPHABET)
                        for _ in range(ENROLMENT_CODE_LENGTH))
    record = EnrollmentCode(code_hash=_digest(canonical), venue=gate.venue, gate=gate,
                            created_at=now, expires_at=now + timedelta(hours=hours))
    db.session.add(record)
    db.session.flush()
    return format_enrolment_code(canonical), record


def enroll_device(code: str, name: str, *, now: datetime | None = None) -> tuple[Device, str]:
    """Exchange a one-time code for a device and its bearer token (returned once, never
    stored). The code is claimed with one conditional UPDATE, so it works exactly once
    even when two devices present it at the same moment."""
    now = now or utc_now()
    code_hash = _digest(canonical_enrolment_code(code))
    table = EnrollmentCode.__table__
    claimed = db.session.execute(
        update(table)
        .where(table.c.code_hash == code_hash, table.c.used_at.is_(None),
               table.c.expires_at > now)
        .values(used_at=now)
    ).rowcount == 1
    if not claimed:
        raise Forbidden("invalid_enrollment_code", BAD_CODE, {"code": BAD_CODE})
    record = db.session.scalar(select(EnrollmentCode).where(EnrollmentCode.code_hash == code_hash)
                               .execution_options(populate_existing=True))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = Device(name=name, venue_id=record.venue_id, gate_id=record.gate_id,
                    token_hash=_digest(token), created_at=now, last_seen_at=now)
    db.session.add(device)
    db.session.flush()
    record.device_id = device.id
    return device, token


def _bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthorized("missing_token", MISSING_TOKEN)
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not TOKEN_RE.fullmatch(token):
        raise Unauthorized("invalid_token", INVALID_TOKEN)
    return token


def authenticate(header: str | None, *, now: datetime | None = None) -> Device:
    """The active device holding the bearer token in ``header``; records its last contact.

    The ``last_seen_at`` UPDATE is the request's first write: on SQLite it takes the write
    lock, on PostgreSQL the device's row lock, which also orders one device's requests.
    """
    token = _bearer_token(header)
    device = db.session.scalar(
        select(Device).where(Device.token_hash == _digest(token))
        .options(joinedload(Device.venue), joinedload(Device.gate))
    )
    if device is None:
        raise Unauthorized("invalid_token", INVALID_TOKEN)
    if device.revoked_at is not None:
        raise Unauthorized("device_revoked", DEVICE_REVOKED)
    now = now or utc_now()
    table = Device.__table__
    db.session.execute(update(table).where(table.c.id == device.id).values(last_seen_at=now))
    db.session.expire(device, ["last_seen_at"])
    return device


def require_venue(device: Device, venue_code: str | None) -> None:
    """403 when a request names a venue other than the device's own."""
    if venue_code and venue_code.strip().upper() != device.venue.code:
        raise Forbidden("other_venue", OTHER_VENUE, {"venue": OTHER_VENUE})


def require_gate(device: Device, gate_code: str, field: str = "gate") -> str:
    """The gate code if it is one of the device's venue; 403 otherwise."""
    code = (gate_code or "").strip().upper()
    if code not in venue_gate_codes(device):
        raise Forbidden("other_gate", OTHER_GATE, {field: OTHER_GATE})
    return code


def venue_gate_codes(device: Device) -> set[str]:
    return {gate.code for gate in device.venue.gates}


def revoke_device(device_id: int, *, venue_code: str | None = None,
                  now: datetime | None = None) -> Device:
    """Revoke a device; ``venue_code``: only a device of that venue (a console scoped to
    one venue does not find another venue's devices)."""
    device = db.session.get(Device, device_id)
    if device is None or (venue_code is not None and device.venue.code != venue_code):
        raise NotFound("device_not_found", Text("没有这个设备", "No such device"))
    if device.revoked_at is None:
        device.revoked_at = now or utc_now()
    return device


def list_devices(venue_code: str | None = None) -> list[Device]:
    query = select(Device).options(joinedload(Device.venue), joinedload(Device.gate))
    if venue_code:
        query = query.join(Venue, Venue.id == Device.venue_id).where(
            Venue.code == venue_code.upper())
    return list(db.session.scalars(query.order_by(Device.id)))

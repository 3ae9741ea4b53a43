"""Issuing, revoking and publishing passes."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from gate.documents import Document
from gate.passes import PassKind, new_claims, sign_pass
from registration.extensions import db
from registration.models import Appointment, ManifestChange, Pass, PassStatus, RevocationCause
from registration.models.base import utcnow
from registration.services import manifest, written_rows
from registration.services.calendar import utc_now


def key_ring():
    return current_app.extensions["fairgate.keys"]


def issue_pass(appointment: Appointment, document: Document,
               kind: PassKind = PassKind.visitor, day_count: int = 1,
               venue: str | None = None) -> Pass:
    """Sign a new pass for the appointment with the current key. ``venue``: the token's
    venue field when it is not the appointment's venue (``*``: a credential valid at every
    venue, services/credentials.py)."""
    issued = Pass(appointment=appointment, **_signed(
        venue or appointment.fair_day.venue.code, appointment.day, document, kind, day_count))
    db.session.add(issued)
    return issued


def new_visitor_pass_values(venue_code: str, day: date, document: Document) -> dict:
    """Every column of a booking's new visitor pass but its id and appointment_id, signed:
    the booking writes the row itself (services/booking_rows.py)."""
    return {**_signed(venue_code, day, document, PassKind.visitor, 1), "issued_at": utcnow(),
            "revoked_at": None, "revoke_cause": None, "revoke_reason": None}


def as_written_pass(appointment: Appointment, values: dict, pass_id: int) -> Pass:
    """The Pass of a row just written with ``values`` for a new ``appointment``, as if
    loaded: in the appointment's passes, so the response and the manifest entry use it
    without a flush or a reload."""
    issued = written_rows.as_loaded(
        Pass, {**values, "id": pass_id, "appointment_id": appointment.id})
    set_committed_value(issued, "appointment", appointment)
    set_committed_value(appointment, "passes", [*appointment.passes, issued])
    return issued


def _signed(venue_code: str, first_day: date, document: Document, kind: PassKind,
            day_count: int) -> dict:
    """A new pass's signed values: serial, kind, key id, token and status."""
    signing_key = key_ring().current_signing_key
    claims = new_claims(venue=venue_code, first_day=first_day, document_key=document.key,
                        kind=kind, day_count=day_count)
    return {"serial": claims.serial, "kind": PassKind(kind), "key_id": signing_key.key_id,
            "token": sign_pass(claims, signing_key), "status": PassStatus.ACTIVE}


def revoke_pass(issued: Pass, cause: RevocationCause, note: str | None = None, *,
                now: datetime | None = None) -> None:
    """Revoke the pass (no-op if it is revoked already). ``cause`` alone decides what the
    gates say (``cancelled`` or ``revoked``); ``note`` is what staff typed, kept as is."""
    if issued.status is PassStatus.REVOKED:
        return
    issued.status = PassStatus.REVOKED
    issued.revoked_at = now or utc_now()
    issued.revoke_cause = RevocationCause(cause)
    issued.revoke_reason = note
    manifest.record_change(issued.appointment, ManifestChange.REVOKED, now=now)


def get_pass(serial: str) -> Pass | None:
    return db.session.scalar(select(Pass).where(Pass.serial == (serial or "").upper()))


def published_keys() -> list[dict]:
    return [
        {"key_id": entry.key_id, "algorithm": "Ed25519",
         "public_key": entry.key.public_bytes(), "created_at": entry.created_at,
         "active": entry.active}
        for entry in key_ring().signing_keys
    ]

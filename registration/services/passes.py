"""Issuing, revoking and publishing passes."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from gate.documents import Document
from gate.passes import PassKind, new_claims, sign_pass
from registration.extensions import db
from registration.models import Appointment, ManifestChange, Pass, PassStatus, RevocationCause
from registration.services import manifest
from registration.services.calendar import utc_now


def key_ring():
    return current_app.extensions["fairgate.keys"]


def issue_pass(appointment: Appointment, document: Document,
               kind: PassKind = PassKind.visitor, day_count: int = 1,
               venue: str | None = None) -> Pass:
    """Sign a new pass for the appointment with the current key. ``venue``: the token's
    venue field when it is not the appointment's venue (``*``: a credential valid at every
    venue, services/credentials.py)."""
    signing_key = key_ring().current_signing_key
    claims = new_claims(venue=venue or appointment.fair_day.venue.code, first_day=appointment.day,
                        document_key=document.key, kind=kind, day_count=day_count)
    issued = Pass(serial=claims.serial, appointment=appointment, kind=PassKind(kind),
                  key_id=signing_key.key_id, token=sign_pass(claims, signing_key),
                  status=PassStatus.ACTIVE)
    db.session.add(issued)
    return issued


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

"""Annulling a gate's own admission ("the turnstile did not turn"), on the service.

A kiosk annuls its last admission locally and uploads an annul event (``reason:
annulled``, ``annuls``: the client id of the admission); a handheld asks online (POST
/api/v1/gate/annul). Either way :func:`annul_admission` marks the admission
``annulled_at`` (the event is kept), and the caller replays the pass's presence without
it (entries, inside, the quota count follow). Idempotent: a second annul changes nothing.
Refused: an event of another device or no admission (``not_found``), and an annul later
than ``gate.presence.ANNUL_WINDOW`` after the admission (``annul_too_late``).

Places: an admission decided online took a place from the venue's (or room's) pool with
:func:`leases.take_place`, so annulling it frees that place here. A kiosk's admission
spent one of its credits; the kiosk gets the credit back itself and reports it with its
next lease (a recycled exit), so the service must not free the place a second time.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from gate.i18n import Text
from gate.presence import IN, annullable
from gate.reasons import Reason
from registration.extensions import db
from registration.models import CheckInEvent, Device, FairDay, Zone
from registration.services import leases
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, NotFound
from registration.services.sql import dialect_insert

NOT_FOUND = Text("本设备没有这次入场", "This device made no such admission")
TOO_LATE = Text("超过30秒，不能撤销", "More than 30 s ago: it can no longer be annulled")


@dataclass(frozen=True)
class Annulled:
    """An annulled admission: ``first`` unless it was annulled before."""

    event: CheckInEvent
    first: bool

    @property
    def key(self) -> tuple[str, object, int | None]:
        return self.event.serial, self.event.day, self.event.zone_id


def annul_admission(device: Device, event_id: str, *, at: datetime) -> Annulled:
    """Mark the device's admission ``event_id`` annulled at ``at`` (checked against the
    window from its ``scanned_at``) and free its pool place if it took one online. The
    caller replays presence (:attr:`Annulled.key`) and commits."""
    event = db.session.scalar(select(CheckInEvent).where(
        CheckInEvent.device_id == device.id, CheckInEvent.event_id == event_id)
        .with_for_update())
    if event is None or not event.admit or event.direction != IN:
        raise NotFound("event_not_found", NOT_FOUND, {"event_id": NOT_FOUND})
    if event.annulled_at is not None:
        return Annulled(event, first=False)
    if not annullable(event.scanned_at, at):
        raise Conflict("annul_too_late", TOO_LATE, {"event_id": TOO_LATE})
    # Conditional: of two annuls racing, one marks it.
    marked = db.session.execute(update(CheckInEvent.__table__).where(
        CheckInEvent.__table__.c.id == event.id,
        CheckInEvent.__table__.c.annulled_at.is_(None)).values(annulled_at=at)).rowcount
    db.session.refresh(event)
    if marked and event.source == "verify":
        _free_online_place(event)
    return Annulled(event, first=bool(marked))


def _free_online_place(event: CheckInEvent) -> None:
    fair_day = db.session.scalar(select(FairDay).where(
        FairDay.venue_id == event.venue_id, FairDay.date == event.day))
    if fair_day is None:
        return
    zone = db.session.get(Zone, event.zone_id) if event.zone_id is not None else None
    if (zone.capacity if zone is not None else fair_day.occupancy_limit) is not None:
        leases.free_place(fair_day, zone)


def record_online_annul(device: Device, annulled: Annulled, *, at: datetime) -> str:
    """The annul event of a handheld's online annul (``source: verify``), as a kiosk
    uploads one: kept with the other events of the gate."""
    from registration.services.checkins import event_digest

    target = annulled.event
    event_id = "srv-annul-" + uuid.uuid4().hex
    wire = {"id": event_id, "pass_serial": target.serial, "gate": target.gate,
            "direction": IN, "admit": False, "reason": Reason.annulled.value,
            "scanned_at": at, "offline": False, "annuls": target.event_id}
    db.session.execute(dialect_insert(CheckInEvent.__table__).values(
        device_id=device.id, event_id=event_id, venue_id=target.venue_id, day=target.day,
        serial=target.serial, document_index=target.document_index,
        appointment_id=target.appointment_id, gate=target.gate, direction=IN, admit=False,
        reason=Reason.annulled.value, scanned_at=at, received_at=at, offline=False,
        source="verify", digest=event_digest(wire), zone_id=target.zone_id,
        annuls=target.event_id))
    return event_id


def annul_online(device: Device, event_id: str, *, now: datetime | None = None) -> dict:
    """POST /api/v1/gate/annul: annul the device's admission now, replay presence, tell
    the kiosks (the pass's manifest entry). The caller commits."""
    from registration.services import checkins

    now = now or utc_now()
    annulled = annul_admission(device, event_id, at=now)
    if annulled.first:
        record_online_annul(device, annulled, at=now)
        checkins.replay_annulled(device.venue, [annulled], now)
    return {"event_id": event_id, "annulled": True, "first": annulled.first,
            "status": "annulled" if annulled.first else "already"}

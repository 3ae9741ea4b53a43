"""Online verification: one scan decided on the service with the gate rules, and recorded.

The facts come from the database (the appointment behind the pass or ID card, the pass's
presence today, the quota and occupancy counters); the verdict is ``gate.rules.decide``'s,
exactly as a kiosk would reach it. An admission is written with a conditional UPDATE of the
presence row (see registration/services/presence.py), so two gates verifying one pass at
the same moment admit it once. Each verification is stored as a check-in event.
"""
from __future__ import annotations

import dataclasses
import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from gate.i18n import Text
from gate.passes import PassKind, document_fingerprint
from gate.reasons import Reason
from gate.rules import (
    AdmissionVerdict, AppointmentRecord, CapacityState, Scan, VenuePolicy, decide,
)
from registration.extensions import db
from registration.models import (
    Appointment, AppointmentStatus, CheckInEvent, Device, FairDay, Pass, TimeSlot, Venue,
)
from registration.observability import VERDICTS
from registration.services import (
    attention, booking, credential_days, door_verify, doors, gate_policy, leases, presence,
)
from registration.services.calendar import utc_now, venue_now
from registration.services.checkins import (
    PassInfo, bump_listed, event_digest, pass_info, with_credential,
)
from registration.services.errors import ServiceError
from registration.services.identity import vault
from registration.services.passes import published_keys
from registration.services.sql import dialect_insert

MAX_ATTEMPTS = 8  # conditional-update retries; each retry means another gate just moved
BUSY = Text("该通行证正在其他闸口处理，请重试", "This pass is being handled at another gate; scan again")


class Busy(ServiceError):
    """The pass's presence kept changing under us: answer 503, the gate scans again."""

    status = 503


@dataclass(frozen=True)
class VerifyResult:
    verdict: AdmissionVerdict
    event_id: str
    replayed: bool = False  # the same client id was verified before: its first answer


def verify_scan(device: Device, scan_input: str | dict, direction: str, gate: str, *,
                event_id: str | None = None, now: datetime | None = None,
                presented_document: dict | None = None) -> VerifyResult:
    """Decide one scan (QR text, ``{"document": {...}}`` for an ID card, ``{"code": ...}``
    for a typed confirmation code) at ``gate``
    (already checked to be of the device's venue). ``presented_document``: the holder's ID
    card read together with a pass, checked against the pass's fingerprint. The caller
    commits."""
    now = now or utc_now()
    if event_id is not None:
        stored = _stored(device, event_id)
        if stored is not None:
            return VerifyResult(stored, event_id, replayed=True)
    venue = device.venue
    local = venue_now(venue, now)
    day = local.date()
    fair_day = db.session.scalar(select(FairDay).where(FairDay.venue_id == venue.id,
                                                       FairDay.date == day))
    fields = {"direction": direction, "gate": gate, "scanned_at": now}
    document_index = None
    if isinstance(scan_input, dict) and "code" in scan_input:
        # A typed code stands for the booking's current pass: decided as that pass scanned.
        # Not found here today: the rules' answer for an identity with no booking.
        token = _token_for_code(scan_input["code"], fair_day)
        if token is None:
            return _no_booking(device, event_id, day, gate, direction, now)
        scan_input = token
    if isinstance(scan_input, str):
        keys = {key["key_id"]: key["public_key"] for key in published_keys()}
        scan = Scan.from_text(scan_input, keys, **fields)
        if presented_document is not None and scan.claims is not None:
            card = booking.validate_document(
                presented_document["type"], presented_document["number"],
                presented_document.get("country"), "document")
            scan = dataclasses.replace(scan, presented_fingerprint=document_fingerprint(
                scan.claims.serial, card.key))
        serial = scan.claims.serial if scan.claims is not None else None
    else:
        document = scan_input["document"]
        parsed = booking.validate_document(document["type"], document["number"],
                                           document.get("country"), "scan.document")
        # The server looks the card up by its blind index (the appointments' document_index),
        # which never leaves the service; the kiosks' Argon2id gate index is deliberately
        # expensive and has no place on this path. The event row keeps the blind index
        # (erased by the purge like any event's document index).
        document_index = vault().blind_index(parsed)
        scan = Scan(document_index=document_index, **fields)
        serial = _serial_for_document(parsed, day, fair_day, document_index)
    record, info = appointment_record(serial, venue=venue, day=day) if serial \
        else (None, None)
    if record is not None and record.venue != venue.code:
        # Another venue's booking: the device learns that much (wrong_venue) and nothing of
        # the holder, and that pass's presence is not this venue's to read or change.
        record, info = foreign_record(record), None
        serial = scan.claims.serial if scan.claims is not None else None
        present = None
    else:
        present = serial if scan.token_error is None else None
    kind = info.kind if info else (scan.claims.kind.value if scan.claims else "visitor")
    facts = presence.PassFacts(info.appointment_id if info else None, kind)
    zone = doors.zone_of_gate(gate)
    decided = decide_online if zone is None \
        else functools.partial(door_verify.decide_at_door, zone=zone)
    verdict, moved = decided(scan, venue=venue, fair_day=fair_day, day=day,
                             local_time=local.time(), record=record, serial=present,
                             facts=facts)
    verdict = with_note(verdict, info)
    event_id = event_id or "srv-" + uuid.uuid4().hex
    _record_event(device, event_id, day, gate, serial if scan.token_error is None else None,
                  document_index, info, verdict, now, zone_id=zone.id if zone else None)
    if moved and fair_day is not None and info is not None:
        bump_listed({fair_day.id: {info.pass_id}}, now)
    VERDICTS.labels(verdict.reason.value, "verify").inc()
    return VerifyResult(verdict, event_id)


def with_note(verdict: AdmissionVerdict, info: PassInfo | None) -> AdmissionVerdict:
    """The verdict with the pass's check-in text, as a kiosk shows it (kiosk/gatekeeper.py:
    a pass identified, not a token failure)."""
    if verdict.serial is None or verdict.reason.is_token_failure:
        return verdict
    note = attention.attention_for(info.appointment_id if info else None, verdict.kind)
    return verdict.with_attention(*note) if note is not None else verdict


def _token_for_code(code: str, fair_day: FairDay | None) -> str | None:
    """The signed text of the current pass of the booking with this confirmation code on the
    device's venue-day (any status: the rules say cancelled or revoked), else None. Codes of
    other venues or days are not looked at: a guessed code learns nothing of them."""
    if fair_day is None:
        return None
    appointment = db.session.scalar(select(Appointment).where(
        Appointment.fair_day_id == fair_day.id, Appointment.code == code))
    if appointment is None or not appointment.passes:
        return None
    issued = appointment.current_pass or appointment.passes[-1]
    return issued.token


def _no_booking(device: Device, event_id: str | None, day: date, gate: str, direction: str,
                now: datetime) -> VerifyResult:
    """``no_appointment`` (exit: ``not_inside``), as decide answers an unknown identity."""
    reason = Reason.no_appointment if direction == "in" else Reason.not_inside
    verdict = AdmissionVerdict.for_reason(reason, direction)
    event_id = event_id or "srv-" + uuid.uuid4().hex
    _record_event(device, event_id, day, gate, None, None, None, verdict, now)
    VERDICTS.labels(verdict.reason.value, "verify").inc()
    return VerifyResult(verdict, event_id)


def _serial_for_document(document, day: date, fair_day: FairDay | None,
                         blind_index: str) -> str | None:
    """The pass serial of the ID card's booking today: any venue (a booking elsewhere gives
    wrong_venue, without its holder), else a cancelled booking here (cancelled), else none
    (no_appointment). Looked up by the server-only blind index, never the kiosks' one."""
    appointment = booking.find_active_appointment(document, day)
    if appointment is None:
        # A credential's pass on its other days (its carrier sits at its first venue-day).
        held = credential_days.covering(blind_index, day)
        appointment = held.carrier if held is not None else None
    if appointment is None and fair_day is not None:
        appointment = db.session.scalar(
            select(Appointment).where(Appointment.fair_day_id == fair_day.id,
                                      Appointment.document_index == blind_index,
                                      Appointment.status == AppointmentStatus.CANCELLED)
            .order_by(Appointment.id.desc()).limit(1))
    if appointment is None or not appointment.passes:
        return None
    issued = appointment.current_pass or appointment.passes[-1]
    return issued.serial


def appointment_record(serial: str, *, venue: Venue | None = None, day: date | None = None
                       ) -> tuple[AppointmentRecord | None, PassInfo | None]:
    """The gate rules' view of the booking behind a pass serial. A credential's pass is
    seen, at a ``venue`` it covers on a ``day`` it covers, as booked there that day (its
    carrier appointment sits at its first venue-day only)."""
    row = db.session.execute(with_credential(
        select(Pass.serial, Pass.id, Pass.appointment_id, Pass.kind, Pass.status,
               Pass.revoke_cause, Pass.revoked_at, Appointment.status.label("a_status"),
               Appointment.fair_day_id, Appointment.day, Appointment.name_masked,
               Appointment.document_masked, FairDay.venue_id, Venue.code.label("venue"),
               TimeSlot.starts, TimeSlot.ends)
        .join(Appointment, Appointment.id == Pass.appointment_id)
        .join(FairDay, FairDay.id == Appointment.fair_day_id)
        .join(Venue, Venue.id == FairDay.venue_id)
        .outerjoin(TimeSlot, TimeSlot.id == Appointment.slot_id))
        .where(Pass.serial == serial)).one_or_none()
    if row is None:
        return None, None
    info = pass_info(row)
    venue_code, booked_day = row.venue, row.day
    if venue is not None and info.admits_at(venue.id):
        venue_code = venue.code
        if day is not None and info.covers(day):
            booked_day = day
    record = AppointmentRecord(
        serial=row.serial, status=info.status, day=booked_day, venue=venue_code,
        kind=PassKind(row.kind), slot_start=row.starts, slot_end=row.ends,
        holder_name_masked=row.name_masked, document_masked=row.document_masked)
    return record, info


def foreign_record(record: AppointmentRecord) -> AppointmentRecord:
    """Another venue's booking as a device of this venue may see it: enough for the rules to
    answer ``wrong_venue`` (or ``revoked`` / ``wrong_day``), no holder, slot or fingerprint."""
    return dataclasses.replace(record, holder_name_masked=None, document_masked=None,
                               slot_start=None, slot_end=None, fingerprint=None)


def venue_policy(venue: Venue, fair_day: FairDay | None) -> VenuePolicy:
    """The policy the manifest header gives kiosks too (services/gate_policy.py)."""
    return gate_policy.venue_policy(venue, fair_day)


def decide_online(scan: Scan, *, venue: Venue, fair_day: FairDay | None, day: date,
                  local_time: time, record: AppointmentRecord | None, serial: str | None,
                  facts: presence.PassFacts) -> tuple[AdmissionVerdict, bool]:
    """Decide; if the verdict admits, record the passage atomically (and take or free an
    occupancy place). On a lost race decide again from the fresh row. Returns the verdict
    and whether presence changed."""
    policy = venue_policy(venue, fair_day)
    limit = fair_day.occupancy_limit if fair_day is not None else None
    if serial is not None:
        presence.ensure_rows({(serial, day)}, venue.id, {serial: facts})
    pool_full = False
    for _ in range(MAX_ATTEMPTS):
        row = presence.read_row(serial, day) if serial is not None else None
        pool = leases.pool_summary(fair_day) if fair_day is not None else None
        capacity = CapacityState(
            quota=fair_day.quota if fair_day is not None else None,
            admitted_today=presence.count_admitted(venue.id, day, policy.quota_kinds),
            occupancy_limit=limit,
            inside_now=limit if pool_full else (pool["committed"] if pool else 0))
        verdict = decide(scan, venue_policy=policy, day=day, local_time=local_time,
                         record=record, revoked=False, presence=presence.state_of(row),
                         capacity=capacity)
        if not verdict.admit or row is None:
            return verdict, False
        took = verdict.occupies_place and limit is not None
        if took and not leases.take_place(fair_day):
            pool_full = True  # the last place went a moment ago: decide again (venue_full)
            continue
        if presence.advance(row, verdict.direction, scan.gate, scan.scanned_at):
            if verdict.frees_place and limit is not None:
                leases.free_place(fair_day)
            return verdict, True
        if took:
            leases.give_back_place(fair_day)
    raise Busy("gate_busy", BUSY)


def _record_event(device: Device, event_id: str, day: date, gate: str, serial: str | None,
                  document_index: str | None, info: PassInfo | None,
                  verdict: AdmissionVerdict, at: datetime, zone_id: int | None = None) -> None:
    event = {"id": event_id, "pass_serial": serial, "document_index": document_index,
             "gate": gate, **verdict.event_fields(), "scanned_at": at, "offline": False}
    db.session.execute(dialect_insert(CheckInEvent.__table__).values(
        device_id=device.id, event_id=event_id, venue_id=device.venue_id, day=day,
        serial=serial, document_index=document_index,
        appointment_id=info.appointment_id if info else None, gate=gate,
        direction=verdict.direction, admit=verdict.admit, reason=verdict.reason.value,
        scanned_at=at, received_at=at, offline=False, source="verify", zone_id=zone_id,
        digest=event_digest(event)).on_conflict_do_nothing(
            index_elements=["device_id", "event_id"]))


def _stored(device: Device, event_id: str) -> AdmissionVerdict | None:
    """The verdict given the first time this client id was verified (a retried request)."""
    table = CheckInEvent.__table__
    row = db.session.execute(select(table).where(
        table.c.device_id == device.id, table.c.event_id == event_id)).one_or_none()
    if row is None:
        return None
    appointment = db.session.get(Appointment, row.appointment_id) \
        if row.appointment_id else None
    kind = db.session.scalar(select(Pass.kind).where(Pass.serial == row.serial)) \
        if row.serial else None
    verdict = AdmissionVerdict.for_reason(
        Reason(row.reason), row.direction, serial=row.serial,
        kind=PassKind(kind) if kind else None,
        holder_name_masked=appointment.name_masked if appointment else None,
        document_masked=appointment.document_masked if appointment else None)
    # With the check-in text as it is now (the first answer's is not stored).
    note = attention.attention_for(row.appointment_id, kind) \
        if verdict.serial is not None and not verdict.reason.is_token_failure else None
    return verdict.with_attention(*note) if note is not None else verdict

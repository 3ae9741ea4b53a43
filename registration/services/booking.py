"""Booking, looking up and cancelling appointments.

The quota rule lives in one conditional UPDATE per counter row: the database checks the
remaining places and takes one in the same statement, so no interleaving of requests, on
SQLite or PostgreSQL, can take more places than the quota holds.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gate.documents import Document, DocumentError, parse_document
from gate.i18n import Text
from gate.masking import mask_document, mask_name
from gate.passes import PassKind
from registration.extensions import db
from registration.models import (
    Appointment, AppointmentStatus, Channel, Delegation, FairDay, ManifestChange, Pass,
    RevocationCause, TimeSlot,
)
from registration.services import booking_rows, credential_days, manifest, passes, places
from registration.services.calendar import utc_now
from registration.observability import BOOKINGS
from registration.services.errors import Conflict, InvalidInput, NotFound, ServiceError
from registration.services.identity import vault
from registration.services.venues import resolve_bookable_day

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a desk
CODE_LENGTH = 8

QUOTA_FULL = Text("该日预约已满", "This day is fully booked")
SLOT_FULL = Text("该时段预约已满", "This time slot is fully booked")
ALREADY_BOOKED = Text("该证件当日已有预约", "This document already has an appointment that day")
CONSENT_REQUIRED = Text("请阅读并同意个人信息处理规则", "Consent to the use of your data is required")
NOT_FOUND = Text("找不到与确认码和证件号码相符的预约",
                 "No appointment matches this confirmation code and document number")


@dataclass(frozen=True)
class Visitor:
    """Who is booking: a validated document and the personal data that goes with it (the
    name and contact details as the actions normalised them, registration/actions)."""

    document: Document
    name: str
    phone: str | None = None
    email: str | None = None
    lang: str = "zh"


@dataclass(frozen=True)
class BookingRequest:
    venue: str
    day: date
    slot: str | None
    visitor: Visitor
    consent: bool
    consent_version: str
    channel: Channel = Channel.ONLINE


def new_confirmation_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def validate_document(doc_type: str, number: str, country: str | None,
                      field_prefix: str = "document") -> Document:
    """Parse a document or raise 422 naming ``document.number`` (or type/country)."""
    try:
        return parse_document(doc_type, number, country)
    except DocumentError as err:
        raise InvalidInput(f"invalid_document_{err.code}", err.message,
                           {f"{field_prefix}.{err.field}": err.message}) from None


def _take_day_place(fair_day: FairDay, channel: Channel) -> bool:
    """Atomically take one place of the day's quota; False when none is left."""
    table = FairDay.__table__
    condition, values = places.day_place_terms(channel)
    result = db.session.execute(
        update(table).where(table.c.id == fair_day.id, condition).values(**values)
    )
    return result.rowcount == 1


def _take_slot_place(slot: TimeSlot) -> bool:
    table = TimeSlot.__table__
    result = db.session.execute(
        update(table).where(table.c.id == slot.id, table.c.booked < table.c.quota)
        .values(booked=table.c.booked + 1)
    )
    return result.rowcount == 1


def release_places(appointment: Appointment, *, day_too: bool = True,
                   slot_too: bool = True) -> None:
    """Give back the day's (and slot's) place an appointment held."""
    day_table = FairDay.__table__
    values = {"booked": day_table.c.booked - 1}
    if appointment.channel is Channel.WALK_IN:
        values["walk_in_booked"] = day_table.c.walk_in_booked - 1
    if appointment.channel is Channel.CREDENTIAL:
        # A credential's carrier: only a professional visitor's took a place (of the
        # professional share); a multi-day credential took none.
        if not any(p.kind == PassKind.professional for p in appointment.passes):
            day_too = False
        values["professional_booked"] = day_table.c.professional_booked - 1
    if day_too:
        db.session.execute(update(day_table).where(day_table.c.id == appointment.fair_day_id)
                           .values(**values))
    if slot_too and appointment.slot_id is not None:
        slot_table = TimeSlot.__table__
        db.session.execute(update(slot_table).where(slot_table.c.id == appointment.slot_id)
                           .values(booked=slot_table.c.booked - 1))


def find_active_appointment(document: Document, day: date) -> Appointment | None:
    return db.session.scalar(
        select(Appointment).where(
            Appointment.day == day,
            Appointment.document_index == vault().blind_index(document),
            Appointment.status == AppointmentStatus.ACTIVE,
        )
    )


def book_appointment(request: BookingRequest, *, delegation: Delegation | None = None,
                     now: datetime | None = None, field_prefix: str = "") -> Appointment:
    """Book one appointment and issue its pass. The caller commits."""
    try:
        appointment = _book(request, delegation, now, field_prefix)
    except ServiceError as err:
        BOOKINGS.labels(err.code).inc()
        raise
    BOOKINGS.labels("booked").inc()
    return appointment


def _book(request: BookingRequest, delegation: Delegation | None, now: datetime | None,
          field_prefix: str) -> Appointment:
    if not request.consent:
        raise InvalidInput("consent_required", CONSENT_REQUIRED,
                           {f"{field_prefix}consent": CONSENT_REQUIRED})
    fair_day, slot = resolve_bookable_day(request.venue, request.day, request.slot, now)
    now = now or utc_now()
    written = _insert_appointment(request, fair_day, slot, delegation, now)
    if written is None:
        # Nothing written: a credential admits the person that day (the INSERT tests it,
        # services/booking_rows.py), or the document already has an appointment that day.
        refuse_credential_holder(request.visitor.document, fair_day.date, field_prefix)
        raise Conflict("already_booked", ALREADY_BOOKED,
                       {f"{field_prefix}document.number": ALREADY_BOOKED})
    appointment, issued = written
    db.session.flush()  # anything else pending is written before the day row is locked
    # The places are taken last: the counter rows stay locked only from here to the
    # commit, which keeps a rush on one venue-day from queueing behind slow work. A refusal
    # raises, and the request's rollback removes the rows written above.
    if _is_postgresql():
        taken = places.take_and_number(fair_day.id, slot and slot.id, request.channel,
                                       issued.id, now)
        day_taken, slot_taken = taken.day, taken.slot
    else:  # SQLite: one writer at a time, the same steps one by one
        day_taken = _take_day_place(fair_day, request.channel)
        slot_taken = day_taken and (slot is None or _take_slot_place(slot))
        if slot_taken:
            manifest.bump_entries(fair_day.id, [issued.id], ManifestChange.BOOKED, now=now)
    if not day_taken:
        raise Conflict("quota_full", QUOTA_FULL, {f"{field_prefix}date": QUOTA_FULL})
    if not slot_taken:
        raise Conflict("quota_full", SLOT_FULL, {f"{field_prefix}slot": SLOT_FULL})
    return appointment


def refuse_credential_holder(document: Document, day: date, field_prefix: str = "") -> None:
    """409 ``holds_credential`` when the person's credential (exhibitor, media, guest,
    staff, contractor) already admits them that day (services/credentials.py)."""
    held = credential_days.held_kind(vault().blind_index(document), day)
    if held is not None:
        message = credential_days.holds_message(held)
        raise Conflict("holds_credential", message, {f"{field_prefix}date": message},
                       kind=held.value)


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _insert_appointment(request: BookingRequest, fair_day: FairDay, slot: TimeSlot | None,
                        delegation: Delegation | None, now: datetime
                        ) -> tuple[Appointment, Pass] | None:
    """INSERT the appointment and its signed pass unless the document has an active
    appointment or a credential that day (then None): decided in the same round trip
    (services/booking_rows.py)."""
    if delegation is not None and delegation.id is None:
        db.session.flush()  # the new delegation's id
    pass_values = passes.new_visitor_pass_values(fair_day.venue.code, fair_day.date,
                                                 request.visitor.document)
    try:
        return booking_rows.write(
            appointment_values(request, fair_day, slot, delegation, now), pass_values)
    except IntegrityError:
        # Only a confirmation code or pass serial drawn twice gets here (1 in 10^12): the
        # same answer as a race, the visitor retries.
        raise Conflict("already_booked", ALREADY_BOOKED) from None


def appointment_values(request: BookingRequest, fair_day: FairDay, slot: TimeSlot | None,
                       delegation: Delegation | None, now: datetime) -> dict:
    """The new appointment's column values: identity data encrypted and masked (the booking
    and the waiting list's accepted offer write appointments the same way)."""
    visitor, keys = request.visitor, vault()
    contact = {k: v for k, v in (("phone", visitor.phone), ("email", visitor.email)) if v}
    return dict(
        code=new_confirmation_code(),
        fair_day_id=fair_day.id,
        slot_id=slot.id if slot is not None else None,
        day=fair_day.date,
        status=AppointmentStatus.ACTIVE,
        channel=request.channel,
        delegation_id=delegation.id if delegation is not None else None,
        document_type=visitor.document.type.value,
        document_index=keys.blind_index(visitor.document),
        # No gate_index: it costs an Argon2id, computed off the booking path (services/
        # gate_lookup.py) by the manifest or `fairgate gate prepare`.
        document_ciphertext=keys.encrypt_document(visitor.document),
        document_masked=mask_document(visitor.document.number),
        name_ciphertext=keys.encrypt(visitor.name, purpose="name"),
        name_masked=mask_name(visitor.name),
        contact_ciphertext=keys.encrypt(contact, purpose="contact") if contact else None,
        lang=visitor.lang,
        consent_version=request.consent_version,
        consented_at=now,
    )


def get_appointment(appointment_id: int) -> Appointment | None:
    return db.session.get(Appointment, appointment_id)


def find_by_code_and_document(code: str, document_number: str) -> Appointment:
    """The appointment with this code whose document number matches, or 404.

    Both a wrong code and a wrong number give the same answer so the endpoint tells an
    attacker nothing about which codes exist.
    """
    appointment = db.session.scalar(
        select(Appointment).where(Appointment.code == (code or "").strip().upper())
    )
    if appointment is None or appointment.document_ciphertext is None:
        raise NotFound("appointment_not_found", NOT_FOUND)
    stored = vault().decrypt_document(appointment.document_ciphertext)
    if not hmac.compare_digest(canonical_number(stored, document_number),
                               stored["number"].encode()):
        raise NotFound("appointment_not_found", NOT_FOUND)
    return appointment


def canonical_number(stored: dict, typed: str) -> bytes:
    """A typed document number in the stored document's canonical form (b"" when it cannot
    be one), for a constant-time comparison with the stored number."""
    try:
        return parse_document(stored["type"], typed, stored.get("country")).number.encode()
    except DocumentError:
        return b""


def cancel_appointment(appointment: Appointment, *, now: datetime | None = None,
                       hold_place: Callable[[Appointment], bool] | None = None) -> Appointment:
    """Cancel and free the places; ``hold_place(appointment)`` returning True keeps them
    counted instead (the waiting list's offer of the place, registration/actions/waitlist.py)."""
    if appointment.status is AppointmentStatus.CANCELLED:
        raise Conflict("already_cancelled", Text("该预约已取消", "This appointment is already cancelled"))
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now or utc_now()
    if hold_place is None or not hold_place(appointment):
        release_places(appointment)
    for issued in appointment.passes:
        passes.revoke_pass(issued, RevocationCause.CANCELLED, now=now)
    manifest.record_change(appointment, ManifestChange.CANCELLED, now=now)
    return appointment


def stored_document(appointment: Appointment) -> Document:
    """The appointment's document, decrypted (only for re-issuing passes and indexes)."""
    if appointment.document_ciphertext is None:
        raise NotFound("appointment_not_found", NOT_FOUND)
    stored = vault().decrypt_document(appointment.document_ciphertext)
    return parse_document(stored["type"], stored["number"], stored.get("country"))


def stored_email(appointment: Appointment) -> str | None:
    """The email address the visitor gave, decrypted (only to send them their pass)."""
    if appointment.contact_ciphertext is None:
        return None
    return vault().decrypt(appointment.contact_ciphertext, purpose="contact").get("email")


def change_appointment(appointment: Appointment, *, venue: str, day: date, slot: str | None,
                       now: datetime | None = None) -> Appointment:
    """Move an appointment to another venue, day or slot: the new places are taken first,
    then the old ones freed, the old pass revoked and a new one issued. The caller commits."""
    if appointment.status is not AppointmentStatus.ACTIVE:
        raise Conflict("already_cancelled", Text("该预约已取消", "This appointment is already cancelled"))
    fair_day, new_slot = resolve_bookable_day(venue, day, slot, now)
    if fair_day.id == appointment.fair_day_id and (new_slot and new_slot.id) == appointment.slot_id:
        return appointment
    document = stored_document(appointment)
    if day != appointment.day:
        refuse_credential_holder(document, day, "")
        other = find_active_appointment(document, day)
        if other is not None and other.id != appointment.id:
            raise Conflict("already_booked", ALREADY_BOOKED, {"date": ALREADY_BOOKED})
    moving_day = fair_day.id != appointment.fair_day_id
    if moving_day and not _take_day_place(fair_day, appointment.channel):
        raise Conflict("quota_full", QUOTA_FULL, {"date": QUOTA_FULL})
    if new_slot is not None and new_slot.id != appointment.slot_id \
            and not _take_slot_place(new_slot):
        raise Conflict("quota_full", SLOT_FULL, {"slot": SLOT_FULL})
    release_places(appointment, day_too=fair_day.id != appointment.fair_day_id,
                   slot_too=(new_slot and new_slot.id) != appointment.slot_id)
    appointment.fair_day, appointment.day, appointment.slot = fair_day, fair_day.date, new_slot
    appointment.gate_index = None  # the new venue-day's index comes with its manifest
    for issued in appointment.passes:
        passes.revoke_pass(issued, RevocationCause.REISSUED, now=now)
    db.session.flush()
    passes.issue_pass(appointment, document)
    manifest.record_change(appointment, ManifestChange.CHANGED, now=now)
    return appointment

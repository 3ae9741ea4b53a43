"""Forum seats: reserve, cancel, a person's seats (docs/forums.md).

A seat is taken with ONE conditional UPDATE of the forum's counter (``seats_taken <
seats``), as a booking takes a day's place, so no interleaving of requests on SQLite or
PostgreSQL holds more seats than the forum has (the CHECK ``seats_taken <= seats`` backs it
up). One active seat per person and forum is the partial unique index's: a race of one
person's two requests ends in 409 ``seat_taken`` (inside a SAVEPOINT), never a 500; the
holder's appointment row is locked before the clash check, so one person's requests for two
overlapping forums take their turns and the second is ``time_conflict``. Each
change bumps the holder's pass in the venue-day's manifest feed (ManifestChange.SEAT), the
last step before the commit. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gate.i18n import Text
from gate.passes import PassKind
from gate.vocabulary import SeatStatus
from registration.extensions import db
from registration.models import (
    Appointment, AppointmentStatus, Credential, FairDay, Forum, ManifestChange, Seat,
)
from registration.services import booking, credential_days, manifest
from registration.services import credentials as credential_service
from registration.services import forums as forum_service
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, NotFound

FORUM_NOT_FOUND = Text("没有这个论坛", "No such forum")
NOT_FOUND = Text("找不到与确认码和证件号码相符的预约或证件",
                 "No appointment or credential matches this code and document number")
SEATS_FULL = Text("该论坛座位已满，可以加入候补名单",
                  "This forum is fully booked: you can join its waiting list")
SEAT_TAKEN = Text("您已预约该论坛的座位", "You already hold a seat in this forum")
NO_BOOKING = Text("您在该论坛当天没有该场馆的有效预约或证件",
                  "You have no active appointment or credential for this forum's venue and day")
NOT_FOR_KIND = Text("您的证件类型不能预约该论坛", "Your pass kind may not register for this forum")
NOT_OPEN_YET = Text("该论坛尚未开放报名", "Registration for this forum has not opened yet")
CLOSED = Text("该论坛报名已截止", "Registration for this forum is closed")
SEAT_NOT_FOUND = Text("您没有该论坛的座位", "You hold no seat in this forum")


def time_conflict_message(other: Forum) -> Text:
    return Text(f"与您已预约的论坛 {other.code} 时间重叠",
                f"It overlaps forum {other.code}, where you hold a seat")


@dataclass(frozen=True)
class Holder:
    """Who is reserving: their blind document index and the appointment (a booking or a
    credential's carrier) that gives them the forum's venue-day."""

    document_index: str
    appointment: Appointment
    kind: PassKind


def get_forum(forum_code: str) -> Forum:
    forum = forum_service.get_forum(forum_code)
    if forum is None:
        raise NotFound("forum_not_found", FORUM_NOT_FOUND)
    return forum


def identify(code: str, document_number: str) -> str:
    """The blind document index of the person whose appointment (or credential) has this
    confirmation code and document number; 404 alike for a wrong code or number."""
    try:
        return booking.find_by_code_and_document(code, document_number).document_index
    except NotFound:
        pass
    try:
        return credential_service.find_by_code_and_document(code, document_number).document_index
    except NotFound:
        raise NotFound("appointment_not_found", NOT_FOUND) from None


def holder_for(forum: Forum, document_index: str) -> Holder:
    """The person's active appointment for the forum's venue-day, or their approved
    credential's carrier covering it; 409 ``no_booking_that_day`` otherwise."""
    fair_day = forum_service.fair_day_of(forum)
    if fair_day is None:
        raise Conflict("no_booking_that_day", NO_BOOKING)
    appointment = db.session.scalar(select(Appointment).where(
        Appointment.document_index == document_index, Appointment.fair_day_id == fair_day.id,
        Appointment.status == AppointmentStatus.ACTIVE))
    if appointment is None:
        credential = credential_days.covering(document_index, fair_day.date,
                                              forum.zone.venue.code)
        if credential is not None:
            appointment = _carrier(credential)
    current = appointment.current_pass if appointment is not None else None
    if current is None:
        raise Conflict("no_booking_that_day", NO_BOOKING)
    return Holder(document_index, appointment, PassKind(current.kind))


def _carrier(credential: Credential) -> Appointment | None:
    return db.session.scalar(select(Appointment).where(
        Appointment.credential_id == credential.id,
        Appointment.status == AppointmentStatus.ACTIVE))


def check_may_register(forum: Forum, holder: Holder, now: datetime) -> None:
    """The kind and the registration window (409 ``not_for_kind`` / ``registration_closed``)."""
    allowed = forum.zone.allowed_kinds
    if not forum_service.kind_may_register(forum, holder.kind) or (
            allowed is not None and holder.kind not in allowed):
        raise Conflict("not_for_kind", NOT_FOR_KIND)
    if forum.registration_opens is not None and now < forum.registration_opens:
        raise Conflict("registration_closed", NOT_OPEN_YET)
    closes = forum.registration_closes or forum.starts
    if now >= closes:
        raise Conflict("registration_closed", CLOSED)


def registration_status(forum: Forum, now: datetime | None = None) -> str:
    """Whether the forum takes reservations now, as :func:`check_may_register` reads its
    window: ``not_yet``, ``closed``, else ``full`` (no seat left) or ``open``."""
    now = now or utc_now()
    if now >= (forum.registration_closes or forum.starts):
        return "closed"
    if forum.registration_opens is not None and now < forum.registration_opens:
        return "not_yet"
    return "full" if forum.seats_left <= 0 else "open"


def check_no_clash(forum: Forum, document_index: str) -> None:
    """409 ``seat_taken`` (a seat in this forum) or ``time_conflict`` (in an overlapping one)."""
    held = db.session.execute(
        select(Forum).join(Seat, Seat.forum_id == Forum.id).where(
            Seat.document_index == document_index, Seat.status == SeatStatus.active,
            Forum.starts < forum.ends, Forum.ends > forum.starts)
        .order_by(Forum.starts)).scalars().all()
    if any(other.id == forum.id for other in held):
        raise Conflict("seat_taken", SEAT_TAKEN)
    if held:
        raise Conflict("time_conflict", time_conflict_message(held[0]), forum=held[0].code)


def lock_holder(holder: Holder) -> None:
    """The holder's appointment row lock for the rest of the transaction (a no-op UPDATE),
    taken before the clash check: one person's reservations of that day take their turns,
    so two overlapping forums asked for at once cannot both pass the check."""
    table = Appointment.__table__
    db.session.execute(update(table).where(table.c.id == holder.appointment.id)
                       .values(id=table.c.id))


def take_seat_place(forum: Forum) -> bool:
    """Atomically take one of the forum's seats; False when none is left."""
    table = Forum.__table__
    result = db.session.execute(
        update(table).where(table.c.id == forum.id, table.c.seats_taken < table.c.seats)
        .values(seats_taken=table.c.seats_taken + 1))
    return result.rowcount == 1


def release_seat_place(forum: Forum) -> None:
    table = Forum.__table__
    db.session.execute(update(table).where(table.c.id == forum.id, table.c.seats_taken > 0)
                       .values(seats_taken=table.c.seats_taken - 1))


def lock_forum(forum: Forum) -> None:
    """The forum's counter row lock for the rest of the transaction (a no-op UPDATE), so a
    cancellation, a join, an accept and an expiry of one forum take their turns."""
    table = Forum.__table__
    db.session.execute(update(table).where(table.c.id == forum.id)
                       .values(seats_taken=table.c.seats_taken))


def write_seat(forum: Forum, holder: Holder, now: datetime) -> Seat:
    """INSERT the active seat (its place already counted) and bump the holder's pass."""
    seat = Seat(forum_id=forum.id, appointment_id=holder.appointment.id,
                document_index=holder.document_index, status=SeatStatus.active,
                created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(seat)
            db.session.flush()
    except IntegrityError:  # the partial unique index: a race of one person's requests
        raise Conflict("seat_taken", SEAT_TAKEN) from None
    bump_holder(forum, holder.appointment, now)
    return seat


def bump_holder(forum: Forum, appointment: Appointment, now: datetime) -> None:
    """The holder's current pass gets a SEAT change in the forum's venue-day feed."""
    current = appointment.current_pass
    fair_day = forum_service.fair_day_of(forum)
    if current is not None and fair_day is not None:
        manifest.bump_entries(fair_day.id, [current.id], ManifestChange.SEAT, now=now)


def reserve(forum_code: str, *, code: str, document_number: str,
            document_type: str | None = None, now: datetime | None = None) -> Seat:
    """Reserve a seat for the person whose appointment (or credential) has this code and
    document number. ``document_type`` is accepted for symmetry with the look-up: the
    stored document's type decides how the typed number is read."""
    now = now or utc_now()
    forum = get_forum(forum_code)
    document_index = identify(code, document_number)
    holder = holder_for(forum, document_index)
    check_may_register(forum, holder, now)
    lock_holder(holder)
    check_no_clash(forum, document_index)
    if not take_seat_place(forum):
        raise Conflict("seats_full", SEATS_FULL, waitlist=True)
    seat = write_seat(forum, holder, now)
    db.session.refresh(forum)
    return seat


@dataclass(frozen=True)
class Cancelled:
    seat: Seat
    offer: object | None  # forum_waitlist.Offer: the freed seat's offer, if someone waited


def cancel_seat(seat: Seat, *, now: datetime | None = None) -> Cancelled:
    """Give the seat back at once: to the first in the forum's line (held for their
    offer), else to the forum's free seats."""
    from registration.services import forum_waitlist  # it writes seats: imports this module

    now = now or utc_now()
    forum = db.session.get(Forum, seat.forum_id)
    table = Seat.__table__
    result = db.session.execute(update(table).where(table.c.id == seat.id,
                                                    table.c.status == SeatStatus.active.value)
                                .values(status=SeatStatus.cancelled.value, cancelled_at=now))
    if result.rowcount != 1:
        raise NotFound("seat_not_found", SEAT_NOT_FOUND)
    db.session.refresh(seat)
    offer = forum_waitlist.pass_on(forum, now=now)
    bump_holder(forum, seat.appointment, now)
    db.session.refresh(forum)
    return Cancelled(seat, offer)


def find_seat(forum: Forum, document_index: str) -> Seat:
    seat = db.session.scalar(select(Seat).where(
        Seat.forum_id == forum.id, Seat.document_index == document_index,
        Seat.status == SeatStatus.active))
    if seat is None:
        raise NotFound("seat_not_found", SEAT_NOT_FOUND)
    return seat


def cancel(forum_code: str, *, code: str, document_number: str,
           now: datetime | None = None) -> Seat:
    """Cancel the person's seat in the forum (404 ``seat_not_found`` when they hold none)."""
    return cancel_with_offer(forum_code, code=code, document_number=document_number,
                             now=now).seat


def cancel_with_offer(forum_code: str, *, code: str, document_number: str,
                      now: datetime | None = None) -> Cancelled:
    forum = get_forum(forum_code)
    seat = find_seat(forum, identify(code, document_number))
    return cancel_seat(seat, now=now)


def seats_of_appointment(appointment: Appointment) -> list[Seat]:
    """The active seats held through this appointment, and through any other appointment
    of the same person on the appointment's day (a credential's carrier), by start."""
    if appointment.document_index is None:
        return []
    query = (select(Seat).join(Forum, Seat.forum_id == Forum.id)
             .where(Seat.status == SeatStatus.active,
                    Seat.appointment_id == appointment.id)
             .order_by(Forum.starts, Forum.code))
    return list(db.session.scalars(query))


def seat_codes_by_pass(fair_day: FairDay, zone_id: int | None = None) -> dict[int, list[str]]:
    """``{appointment_id: [forum codes]}`` of the active seats in the venue-day's forums
    (of one zone): what a door manifest lists per pass."""
    from registration.models import Zone

    query = (select(Seat.appointment_id, Forum.code, Forum.starts)
             .join(Forum, Seat.forum_id == Forum.id).join(Zone, Forum.zone_id == Zone.id)
             .where(Seat.status == SeatStatus.active, Zone.venue_id == fair_day.venue_id))
    if zone_id is not None:
        query = query.where(Forum.zone_id == zone_id)
    venue = db.session.get(FairDay, fair_day.id).venue
    found: dict[int, list[str]] = {}
    for appointment_id, code, starts in db.session.execute(query.order_by(Forum.starts)):
        if forum_service.local_date(starts, venue) == fair_day.date:
            found.setdefault(appointment_id, []).append(code)
    return found

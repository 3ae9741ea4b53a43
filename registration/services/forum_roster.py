"""A forum's seat holders and waiting line as staff see them (masked names, documents and
contacts only; docs/forums.md), and the seat staff mean when they take one back: by its
id on the staff page, by the booking's code on the command line."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from gate.i18n import Text
from gate.vocabulary import ForumWaitStatus, SeatStatus
from registration.extensions import db
from registration.models import Appointment, Credential, Forum, ForumWaitlistEntry, Seat
from registration.services.errors import NotFound

NO_SEAT_FOR_CODE = Text("该论坛没有此预约码的有效座位",
                        "No active seat in this forum for that booking code")
NO_ACTIVE_SEAT = Text("该座位已不存在（已取消）", "This seat is no longer held (already cancelled)")


@dataclass(frozen=True)
class SeatRow:
    seat_id: int
    name_masked: str
    document_masked: str
    serial: str | None  # the holder's current pass
    booking_code: str  # the appointment's code (a credential's own code for its carrier)
    since: datetime


@dataclass(frozen=True)
class LineRow:
    code: str  # the entry's reference (as in the audit log)
    status: ForumWaitStatus
    position: int | None  # place in line while waiting; None for an open offer
    name_masked: str
    contact_masked: str
    joined_at: datetime
    offer_expires_at: datetime | None


def _booking_code(appointment: Appointment) -> str:
    if appointment.credential_id is not None:
        credential = db.session.get(Credential, appointment.credential_id)
        if credential is not None:
            return credential.code
    return appointment.code


def seat_holders(forum: Forum) -> list[SeatRow]:
    """The forum's active seats, oldest first."""
    seats = db.session.scalars(select(Seat).where(
        Seat.forum_id == forum.id, Seat.status == SeatStatus.active)
        .order_by(Seat.created_at, Seat.id))
    rows = []
    for seat in seats:
        holder = seat.appointment
        current = holder.current_pass
        rows.append(SeatRow(seat.id, holder.name_masked, holder.document_masked,
                            current.serial if current is not None else None,
                            _booking_code(holder), seat.created_at))
    return rows


def line_of(forum: Forum) -> list[LineRow]:
    """Open offers first, then those waiting in their order (positions 1, 2, ...)."""
    entries = db.session.scalars(select(ForumWaitlistEntry).where(
        ForumWaitlistEntry.forum_id == forum.id,
        ForumWaitlistEntry.status.in_([ForumWaitStatus.offered, ForumWaitStatus.waiting]))
        .order_by(ForumWaitlistEntry.joined_at, ForumWaitlistEntry.id)).all()
    offered = [entry for entry in entries if entry.status is ForumWaitStatus.offered]
    waiting = [entry for entry in entries if entry.status is ForumWaitStatus.waiting]
    rows = [_line_row(entry, None) for entry in offered]
    rows += [_line_row(entry, place) for place, entry in enumerate(waiting, start=1)]
    return rows


def _line_row(entry: ForumWaitlistEntry, position: int | None) -> LineRow:
    return LineRow(entry.code, entry.status, position, entry.appointment.name_masked,
                   entry.contact_masked, entry.joined_at, entry.offer_expires_at)


def held_seat(forum: Forum, seat_id: int) -> Seat:
    """The forum's seat of this id while it is active; 404 ``seat_not_found`` otherwise."""
    seat = db.session.get(Seat, seat_id)
    if seat is None or seat.forum_id != forum.id or seat.status is not SeatStatus.active:
        raise NotFound("seat_not_found", NO_ACTIVE_SEAT)
    return seat


def seat_by_booking_code(forum: Forum, code: str) -> Seat:
    """The active seat held through the booking (or credential) of this code; 404
    ``seat_not_found`` naming ``code`` otherwise."""
    wanted = (code or "").strip().upper()
    seat = db.session.scalar(
        select(Seat).join(Appointment, Appointment.id == Seat.appointment_id)
        .outerjoin(Credential, Credential.id == Appointment.credential_id)
        .where(Seat.forum_id == forum.id, Seat.status == SeatStatus.active,
               or_(Appointment.code == wanted, Credential.code == wanted)))
    if seat is None:
        raise NotFound("seat_not_found", NO_SEAT_FOR_CODE, {"code": NO_SEAT_FOR_CODE})
    return seat

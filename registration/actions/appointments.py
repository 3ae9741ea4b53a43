"""A visitor's own appointment: book it online, look it up, cancel it, move it (visitor
pages and JSON API).

The visitor acting on their own appointment is not audited (the audit log records staff,
devices and operators); the appointment and its manifest change are the record. The
caller's unit of work commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app

from registration.actions import waitlist
from registration.actions.actors import Actor
from registration.actions.people import normalised_visitor
from registration.models import Appointment
from registration.services import booking


@dataclass(frozen=True)
class Booked:
    """A booked (or moved) appointment, and where its pass is to be mailed (None: the
    visitor gave no email address)."""

    appointment: Appointment
    email: str | None


def book(actor: Actor, *, venue: str, day: date, slot: str | None,
         visitor: booking.Visitor, consent: bool) -> Booked:
    """Book online: ``visitor`` as given (a parsed document, the name and contact details
    as typed), normalised here for every channel."""
    visitor = normalised_visitor(visitor)
    appointment = booking.book_appointment(booking.BookingRequest(
        venue=venue, day=day, slot=slot, visitor=visitor, consent=consent,
        consent_version=current_app.config["CONSENT_VERSION"]))
    return Booked(appointment, visitor.email)


def look_up(actor: Actor, code: str, document_number: str) -> Appointment:
    """The appointment with this confirmation code and document number, or 404 (the same
    answer for a wrong code and a wrong number)."""
    return booking.find_by_code_and_document(code, document_number)


def cancel(actor: Actor, appointment: Appointment) -> Appointment:
    """Cancel: the places are freed (or, on a day with a waiting list, offered to the first
    in line) and the passes revoked; 409 when already cancelled."""
    return booking.cancel_appointment(
        appointment, hold_place=lambda cancelled: waitlist.offer_freed_place(actor, cancelled))


def change(actor: Actor, appointment: Appointment, *, venue: str, day: date,
           slot: str | None) -> Booked:
    """Move to another venue, day or slot, with a new pass (the old one revoked)."""
    booking.change_appointment(appointment, venue=venue, day=day, slot=slot)
    return Booked(appointment, booking.stored_email(appointment))

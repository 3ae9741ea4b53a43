"""The walk-in desk: the visitor whose card was read is found (booked today already) or
booked from the walk-in reserve; either is audited once, in the desk member's name."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.actions.people import person_name
from registration.models import Appointment, Venue
from registration.services import desk as desk_service


@dataclass(frozen=True)
class DeskResult:
    appointment: Appointment
    booked: bool  # False: the visitor had already booked today at this venue


def walk_in_name(typed: str | None, identified: desk_service.Identified) -> str | None:
    """The name typed at the desk, else the one the card gave, normalised; None when
    neither gives one (the desk is then asked for it)."""
    for candidate in (typed, identified.name):
        if (candidate or "").split():
            return person_name(candidate)
    return None


def find_or_book_walk_in(actor: Actor, identified: desk_service.Identified, venue: Venue, *,
                         name: str | None, consent: bool, slot_code: str | None = None,
                         now: datetime | None = None) -> DeskResult:
    """Today's booking of the identified visitor at ``venue``, or a new walk-in booking
    (422 ``details_required`` while the name or consent is missing; 409 when the visitor
    booked at another venue today, or the day or slot is full)."""
    existing = desk_service.find_existing(identified, venue, now=now)
    if existing is not None:
        result = DeskResult(existing, booked=False)
    else:
        appointment = desk_service.book_walk_in(
            identified, venue, name=walk_in_name(name, identified), consent=consent,
            slot_code=slot_code, now=now)
        result = DeskResult(appointment, booked=True)
    appointment = result.appointment
    audit(actor, "desk_booking" if result.booked else "desk_found", venue=venue.code,
          target=appointment.code,
          details={"document": appointment.document_masked, "source": identified.source,
                   "channel": appointment.channel.value})
    return result

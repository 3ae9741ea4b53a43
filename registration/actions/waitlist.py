"""The waiting list of a full day: visitors join, withdraw and accept offers (visitor pages
and JSON API); freed places are offered at cancellations; offers run out lazily on the
day's requests and with ``fairgate waitlist expire``.

Audit (docs/waiting-list.md): what moves a held place is audited, because it decides who
gets a place outside the public booking: ``waitlist_offered``, ``waitlist_accepted`` and
``waitlist_expired``, with the entry's reference and masked holder. A visitor joining or
leaving the line is not, like a visitor's own booking (docs/architecture.md): the entry
row with its times is the record. The caller's unit of work commits; offer mails leave
after that commit (registration/services/waitlist_mail.py).
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from registration.actions.actors import Actor, ActorKind
from registration.actions.base import audit
from registration.actions.people import normalised_visitor
from registration.actions.unit import unit_of_work
from registration.models import Appointment, FairDay, WaitlistEntry
from registration.services import booking, booking_day
from registration.services import waitlist as waitlist_service
from registration.services.waitlist_mail import queue_offer_mail, queue_offer_sms

# Who an expiry found on a visitor's request is recorded as: the service's own clock.
WAITLIST_CLOCK = Actor(ActorKind.OPERATOR, "system:waitlist")


def _details(entry: WaitlistEntry, **extra) -> dict:
    details = {"document": entry.document_masked, "day": entry.day.isoformat()}
    details.update(extra)
    return details


def _announce(actor: Actor, offer: waitlist_service.Offer | None, because: str) -> None:
    """Audit an offer just made and queue its mail and SMS."""
    if offer is None:
        return
    entry = offer.entry
    audit(actor, "waitlist_offered", venue=entry.fair_day.venue.code, target=entry.code,
          details=_details(entry, because=because,
                           expires_at=entry.offer_expires_at.isoformat()))
    queue_offer_mail(entry, offer.token, waitlist_service.offer_email(entry))
    queue_offer_sms(entry, offer.token, waitlist_service.offer_phone(entry))


def join(actor: Actor, *, venue: str, day: date, visitor: booking.Visitor,
         consent: bool) -> WaitlistEntry:
    """Join a full day's waiting list (the visitor as typed, normalised here)."""
    return waitlist_service.join(
        venue, day, normalised_visitor(visitor), consent=consent,
        consent_version=current_app.config["CONSENT_VERSION"])


def withdraw(actor: Actor, entry: WaitlistEntry) -> WaitlistEntry:
    """Leave the line, or decline an offer (its place passes to the next in line)."""
    _announce(actor, waitlist_service.withdraw(entry), "withdrawal")
    return entry


def offer_freed_place(actor: Actor, appointment: Appointment) -> bool:
    """The cancellation hook (``booking.cancel_appointment(hold_place=...)``): True when
    the freed place is kept for the first in line, who is offered it."""
    offer = waitlist_service.hold_freed_place(appointment)
    _announce(actor, offer, "cancellation")
    return offer is not None


def accept(actor: Actor, entry: WaitlistEntry) -> tuple[Appointment, str | None]:
    """Book the held place; returns the appointment and where its pass is to be mailed."""
    appointment = waitlist_service.accept(entry)
    audit(actor, "waitlist_accepted", venue=entry.fair_day.venue.code, target=entry.code,
          details=_details(entry, appointment=appointment.code))
    return appointment, waitlist_service.offer_email(entry)


def expire_due(actor: Actor, *, fair_day: FairDay | None = None,
               now: datetime | None = None) -> list[waitlist_service.Expiry]:
    """Close every offer past its time (of one day, or all) and pass its place on."""
    expired = waitlist_service.expire_due(
        fair_day_id=fair_day.id if fair_day is not None else None, now=now)
    for item in expired:
        entry = item.entry
        passed_to = item.passed_to.entry.code if item.passed_to else None
        audit(actor, "waitlist_expired", venue=entry.fair_day.venue.code, target=entry.code,
              details=_details(entry, passed_to=passed_to, released=passed_to is None))
        _announce(actor, item.passed_to, "expiry")
    return expired


def expire_lazily(fair_day: FairDay) -> None:
    """Before a request about ``fair_day``: its offers past their time run out now, in a
    transaction of their own (one cheap read when none is due)."""
    if not waitlist_service.has_due_offers(fair_day.id):
        return
    with unit_of_work():
        expire_due(WAITLIST_CLOCK, fair_day=fair_day)


def expire_lazily_at(venue_code: str, day: date) -> None:
    """:func:`expire_lazily` for a request naming its day by venue and date (a booking):
    whether an offer is due comes with the request's one read of the day
    (services/booking_day.py), no read of its own."""
    found = booking_day.find(venue_code, day)
    if found is not None and found.offers_due:
        with unit_of_work():
            expire_due(WAITLIST_CLOCK, fair_day=found.fair_day)

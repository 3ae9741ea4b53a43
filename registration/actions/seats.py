"""Forum seats: a person reserves or gives back their own seat (visitor pages and JSON
API), staff cancel one (docs/forums.md).

Audit: as for a visitor's own booking (actions/appointments.py), a visitor reserving or
giving back their own seat is not audited: the seat row with its times is the record, on
every channel alike. What moves a seat beyond the visitor's own request is audited: a
staff cancellation (``seat_cancelled_by_staff``) and the offer of a freed seat to the
first in the forum's waiting list (``forum_waitlist_offered``, written with its mail or SMS
by actions/forum_waitlist.py ``announce``). Codes and masked names only. The caller's unit
of work commits.
"""
from __future__ import annotations

from registration.actions import forum_waitlist
from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.models import Seat
from registration.services import seats as seat_service


def normal_code(code: str | None) -> str:
    """A forum or confirmation code as the look-ups store it: trimmed, upper-case."""
    return (code or "").strip().upper()


def normal_number(number: str | None) -> str:
    """A typed document number trimmed and upper-case (the look-up's parse does the rest:
    full-width digits, spaces and dashes)."""
    return (number or "").strip().upper()


def reserve(actor: Actor, forum_code: str, *, code: str, document_number: str) -> Seat:
    """Reserve a seat for the holder of this confirmation (or credential) code and document
    number: 404 no such forum or no match; 409 ``seats_full``, ``seat_taken``,
    ``time_conflict``, ``not_for_kind``, ``registration_closed``, ``no_booking_that_day``."""
    return seat_service.reserve(normal_code(forum_code), code=normal_code(code),
                                document_number=normal_number(document_number))


def cancel(actor: Actor, forum_code: str, *, code: str, document_number: str) -> Seat:
    """Give the holder's seat back (404 ``seat_not_found`` when they hold none): it is
    free at once, or offered to the first in the forum's waiting list."""
    cancelled = seat_service.cancel_with_offer(
        normal_code(forum_code), code=normal_code(code),
        document_number=normal_number(document_number))
    announce_offer(actor, cancelled, because="cancellation")
    return cancelled.seat


def cancel_by_staff(actor: Actor, seat: Seat) -> seat_service.Cancelled:
    """Staff take a seat back (404 when it is no longer active); audited with the forum's
    code and the holder's masked name."""
    cancelled = seat_service.cancel_seat(seat)
    forum = seat.forum
    audit(actor, "seat_cancelled_by_staff", venue=forum.zone.venue.code, target=forum.code,
          details={"name": seat.appointment.name_masked, "appointment": seat.appointment.code})
    announce_offer(actor, cancelled, because="staff_cancellation")
    return cancelled


def announce_offer(actor: Actor, cancelled: seat_service.Cancelled, *, because: str) -> None:
    """The offer a freed seat became, if someone waited: audited and sent by the forum
    waiting list's actions (one shape of entry for every offer)."""
    forum_waitlist.announce(actor, cancelled.offer, because)

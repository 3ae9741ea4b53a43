"""The waiting list of a full forum: visitors join and accept offers (pages and JSON API);
a seat given back while people wait is offered to the first in line; offers run out lazily
on the forum's requests and with ``fairgate waitlist expire`` (docs/forums.md).

Audit: every offer that goes out is ``forum_waitlist_offered`` (the forum's code, the
entry's reference, the holder's masked name, why, until when): it decides who gets a seat outside
the open reservation. Never a contact address or a document number. Joining and accepting
are the visitor's own, like reserving a seat (docs/architecture.md): the entry row with its
times is their record. The caller's unit of work commits; offer messages leave after it.
"""
from __future__ import annotations

from datetime import datetime

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.actions.unit import unit_of_work
from registration.actions.waitlist import WAITLIST_CLOCK
from registration.models import Forum, ForumWaitlistEntry, Seat
from registration.services import forum_waitlist as line_service
from registration.services import forum_waitlist_mail


def announce(actor: Actor, offer: line_service.Offer | None, because: str,
             **details) -> None:
    """Audit an offer just made and queue its email / SMS (nothing when ``offer`` is None).
    A seat given back (actions/seats.py) calls this with ``because="cancellation"``."""
    if offer is None:
        return
    entry = offer.entry
    forum = entry.forum
    # The shape of actions/seats.py's entry for an offer at a cancellation.
    audit(actor, "forum_waitlist_offered", venue=forum.zone.venue.code, target=forum.code,
          details={"entry": entry.code, "name": entry.appointment.name_masked,
                   "because": because, "expires_at": entry.offer_expires_at.isoformat(),
                   **details})
    forum_waitlist_mail.notify(offer)


def join(actor: Actor, forum_code: str, *, code: str, document_number: str,
         email: str | None = None, phone: str | None = None,
         lang: str = "zh") -> ForumWaitlistEntry:
    """Join a full forum's line with the booking's code and document (as for a seat)."""
    return line_service.join(forum_code, code=(code or "").strip(),
                             document_number=document_number or "", email=email,
                             phone=phone, lang=lang)


def accept(actor: Actor, token: str) -> Seat:
    """Take the seat an offer holds (409 ``offer_gone`` once it expired or was used)."""
    return line_service.accept(token)


def decline(actor: Actor, token: str) -> line_service.Expiry:
    """Say "no thanks" to an offer: its seat goes to the next in line (offered and audited
    as at expiry, ``because="decline"``) or back to the forum."""
    declined = line_service.decline(token)
    announce(actor, declined.passed_to, "decline", after=declined.entry.code)
    return declined


def expire_due(actor: Actor, *, forum: Forum | None = None,
               now: datetime | None = None) -> list[line_service.Expiry]:
    """Close every offer past its time (of one forum, or all); each seat goes to the next
    in line, who is offered it, or is freed."""
    expired = line_service.expire_due(forum_id=forum.id if forum is not None else None,
                                      now=now)
    for item in expired:
        announce(actor, item.passed_to, "expiry", after=item.entry.code)
    return expired


def expire_lazily(forum: Forum | None = None) -> None:
    """Before a request about ``forum`` (None: the forum list): its offers past their time
    run out now, in a transaction of their own (one cheap read when none is due)."""
    if not line_service.has_due_offers(forum.id if forum is not None else None):
        return
    with unit_of_work():
        expire_due(WAITLIST_CLOCK, forum=forum)

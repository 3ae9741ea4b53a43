"""The checks in front of booking: an admission while the day's waiting room is on, and
the proof of work when staff ask it for every booking and look-up."""
from __future__ import annotations

import time
from datetime import date

from flask import request

from registration.models import FairDay
from registration.ratelimits import document_bucket
from registration.services import booking_day
from registration.waitingroom.room import waiting_room
from registration.waitingroom.tickets import Admission, BadToken

ADMISSION_HEADER = "X-Admission-Token"
TICKET_HEADER = "X-Queue-Ticket"
POW_HEADER = "X-Altcha"


def cookie_name(kind: str, fair_day: FairDay) -> str:
    """``fg_queue_CNCC_20261203`` / ``fg_admit_CNCC_20261203``: one per venue-day."""
    return f"fg_{kind}_{fair_day.venue.code}_{fair_day.date:%Y%m%d}"


def admission_token(fair_day: FairDay) -> str | None:
    return request.headers.get(ADMISSION_HEADER) or request.cookies.get(
        cookie_name("admit", fair_day))


def holder_of(number, doc_type=None, country=None) -> str:
    return document_bucket(str(number or "")[:100], doc_type or None, country or None)


def admission_for(venue_code: str, day: date, documents: list[tuple]) -> Admission | None:
    """The admission this booking spends (None: the day books without the room). Raises
    AdmissionRequired, or the 503 when the room's store is down."""
    # The request's one read of the day, shared with the booking (services/booking_day.py).
    found = booking_day.find(venue_code, day)
    if found is None:
        return None  # the action answers 404
    return admission_for_day(found.fair_day, documents)


def admission_for_day(fair_day: FairDay, documents: list[tuple]) -> Admission | None:
    holders = {holder_of(*document) for document in documents}
    return waiting_room().check_admission(fair_day, admission_token(fair_day), holders,
                                          time.time())


def may_see_booking_form(fair_day: FairDay) -> bool:
    """False while the day's waiting room is on and this browser holds no admission (the
    booking page then sends it to the queue)."""
    room, now = waiting_room(), time.time()
    plan = room.plan_for(fair_day, now)
    if plan is None:
        return True
    try:
        room.signer.read_admission(admission_token(fair_day), plan.room, int(now))
    except BadToken:  # none, expired, forged or for another day
        return False
    return True


def proof_of_work_if_asked(field: str = "altcha") -> None:
    """While staff ask it (an attack), booking and look-up need a solved challenge: the
    ``X-Altcha`` header (API) or the widget's ``altcha`` form field (pages)."""
    room = waiting_room()
    if room.pow_on_booking():
        room.verify_pow(request.headers.get(POW_HEADER) or request.form.get("altcha"), field)

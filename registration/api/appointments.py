"""Booking, look-up, cancel and delegation endpoints: parse the body, call the action in
one unit of work, answer with the schema."""
from __future__ import annotations

from flask import current_app, request

from registration.actions import appointments as appointment_actions
from registration.actions import groups as group_actions
from registration.actions import waitlist as waitlist_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.api import blueprint
from registration.api.helpers import load_body
from registration.api.presenters import booking_data
from registration.extensions import limiter
from registration.i18n import request_language
from registration.ratelimits import per_document
from registration.services import booking, groups
from registration.waitingroom import guard, waiting_room
from schemas.appointments import (
    BookingRequestSchema, BookingResponseSchema, CancelRequestSchema, GroupRequestSchema,
    GroupResponseSchema, LookupRequestSchema,
)

# Built once: marshmallow schemas keep no state between load/dump calls, and building one
# per request was a measurable share of a booking's CPU (docs/booking-rush.md).
BOOKING_REQUEST = BookingRequestSchema()
BOOKING_RESPONSE = BookingResponseSchema()


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name])


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


def visitor_from(data: dict, lang: str) -> booking.Visitor:
    """The visitor of a booking body: its document parsed (422 naming ``document.*``)."""
    document = booking.validate_document(
        data["document"]["type"], data["document"]["number"], data["document"]["country"])
    return booking.Visitor(document=document, name=data["name"], phone=data["phone"],
                           email=data["email"], lang=lang)


@blueprint.post("/v1/appointments")
@_limit("RATELIMIT_BOOKING")
@per_document("RATELIMIT_BOOKING_PER_DOCUMENT", "document-booking")
def create_appointment():
    data = load_body(BOOKING_REQUEST)
    visitor = visitor_from(data, request_language(data["lang"]))
    guard.proof_of_work_if_asked()
    document = data["document"]
    admission = guard.admission_for(data["venue"], data["date"], [
        (document["number"], document["type"], document["country"])])
    waitlist_actions.expire_lazily_at(data["venue"], data["date"])  # held places run out
    # Spent before the booking, not while its day row is locked: a refused booking
    # (day full, already booked, unknown slot) uses the admission up too (docs/waiting-room.md).
    waiting_room().spend_admission(admission)
    with unit_of_work():
        booked = appointment_actions.book(
            _visitor(), venue=data["venue"], day=data["date"], slot=data["slot"],
            visitor=visitor, consent=data["consent"])
        # Dumped before the commit: the objects are still loaded, no reload after it.
        body = BOOKING_RESPONSE.dump(booking_data(booked.appointment))
    return body, 201


@blueprint.post("/v1/appointments/lookup")
@_limit("RATELIMIT_LOOKUP")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup")
def lookup_appointment():
    data = load_body(LookupRequestSchema())
    guard.proof_of_work_if_asked()
    appointment = appointment_actions.look_up(_visitor(), data["code"], data["document_number"])
    return BookingResponseSchema().dump(booking_data(appointment))


@blueprint.post("/v1/appointments/<code>/cancel")
@_limit("RATELIMIT_CANCEL")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup")
def cancel_appointment(code: str):
    data = load_body(CancelRequestSchema())
    actor = _visitor()
    with unit_of_work():
        appointment = appointment_actions.cancel(
            actor, appointment_actions.look_up(actor, code, data["document_number"]))
    return BookingResponseSchema().dump(booking_data(appointment))


@blueprint.post("/v1/groups")
@_limit("RATELIMIT_BOOKING")
def create_group():
    data = load_body(GroupRequestSchema())
    members = [
        groups.MemberInput(m["document"]["type"], m["document"]["number"],
                           m["document"]["country"], m["name"], m["phone"], m["email"])
        for m in data["members"]
    ]
    guard.proof_of_work_if_asked()
    admission = guard.admission_for(data["venue"], data["date"], [
        (m.document_number, m.document_type, m.document_country) for m in members])
    waiting_room().spend_admission(admission)  # before the booking, as for one visitor
    with unit_of_work():
        booked = group_actions.book_group(
            _visitor(), organisation=data["organisation"], venue=data["venue"],
            day=data["date"], slot=data["slot"], members=members, consent=data["consent"],
            lang=request_language(data["lang"]))
        body = GroupResponseSchema().dump({
            "delegation": booked.delegation.code, "organisation": booked.delegation.organisation,
            "bookings": [booking_data(b.appointment) for b in booked.bookings],
        })
    return body, 201

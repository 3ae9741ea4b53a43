"""Booking, look-up, cancel and delegation endpoints."""
from __future__ import annotations

from flask import current_app

from registration.api import blueprint
from registration.api.helpers import commit, load_body
from registration.api.presenters import booking_data
from registration.extensions import limiter
from registration.i18n import request_language
from registration.services import booking, groups
from schemas.appointments import (
    BookingRequestSchema, BookingResponseSchema, CancelRequestSchema, GroupRequestSchema,
    GroupResponseSchema, LookupRequestSchema,
)


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name])


def visitor_from(data: dict, lang: str, field_prefix: str = "") -> booking.Visitor:
    document = booking.validate_document(
        data["document"]["type"], data["document"]["number"], data["document"]["country"],
        field_prefix=f"{field_prefix}document",
    )
    return booking.Visitor(document=document, name=data["name"], phone=data["phone"],
                           email=data["email"], lang=lang)


@blueprint.post("/v1/appointments")
@_limit("RATELIMIT_BOOKING")
def create_appointment():
    data = load_body(BookingRequestSchema())
    lang = request_language(data["lang"])
    request = booking.BookingRequest(
        venue=data["venue"], day=data["date"], slot=data["slot"],
        visitor=visitor_from(data, lang), consent=data["consent"],
        consent_version=current_app.config["CONSENT_VERSION"],
    )
    appointment = booking.book_appointment(request)
    commit()
    return BookingResponseSchema().dump(booking_data(appointment)), 201


@blueprint.post("/v1/appointments/lookup")
@_limit("RATELIMIT_LOOKUP")
def lookup_appointment():
    data = load_body(LookupRequestSchema())
    appointment = booking.find_by_code_and_document(data["code"], data["document_number"])
    return BookingResponseSchema().dump(booking_data(appointment))


@blueprint.post("/v1/appointments/<code>/cancel")
@_limit("RATELIMIT_CANCEL")
def cancel_appointment(code: str):
    data = load_body(CancelRequestSchema())
    appointment = booking.find_by_code_and_document(code, data["document_number"])
    booking.cancel_appointment(appointment)
    commit()
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
    delegation = groups.book_group(
        organisation=data["organisation"], venue=data["venue"], day=data["date"],
        slot=data["slot"], members=members, consent=data["consent"],
        lang=request_language(data["lang"]),
    )
    commit()
    return GroupResponseSchema().dump({
        "delegation": delegation.code, "organisation": delegation.organisation,
        "bookings": [booking_data(a) for a in delegation.appointments],
    }), 201

"""The waiting list of a full day: join, withdraw, accept an offer (docs/waiting-list.md)."""
from __future__ import annotations

from datetime import date

from flask import current_app, request

from gate.i18n import Text
from registration.actions import waitlist as waitlist_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.api import blueprint
from registration.api.appointments import visitor_from
from registration.api.helpers import load_body
from registration.api.presenters import booking_data
from registration.extensions import limiter
from registration.i18n import request_language
from registration.models import WaitlistEntry
from registration.ratelimits import per_document
from registration.services import waitlist as waitlist_service
from registration.services.errors import NotFound
from registration.services.venues import get_fair_day
from schemas.appointments import BookingResponseSchema
from schemas.waitlist import (
    WaitlistJoinRequestSchema, WaitlistResponseSchema, WaitlistWithdrawRequestSchema,
)

BAD_DATE = Text("日期格式应为 YYYY-MM-DD", "Dates look like YYYY-MM-DD")


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name])


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


def entry_data(entry: WaitlistEntry) -> dict:
    return {"code": entry.code, "venue": entry.fair_day.venue.code, "date": entry.day,
            "status": entry.status.value, "ahead": waitlist_service.people_ahead(entry),
            "joined_at": entry.joined_at, "offer_expires_at": entry.offer_expires_at,
            "holder": {"name": entry.name_masked, "document": entry.document_masked}}


@blueprint.post("/v1/venues/<venue>/days/<date_text>/waitlist")
@_limit("RATELIMIT_WAITLIST")
@per_document("RATELIMIT_BOOKING_PER_DOCUMENT", "document-booking")
def join_waitlist(venue: str, date_text: str):
    try:
        day = date.fromisoformat(date_text)
    except ValueError:
        raise NotFound("day_not_found", BAD_DATE) from None
    data = load_body(WaitlistJoinRequestSchema())
    visitor = visitor_from(data, request_language(data["lang"]))
    waitlist_actions.expire_lazily(get_fair_day(venue, day))
    with unit_of_work():
        entry = waitlist_actions.join(_visitor(), venue=venue, day=day, visitor=visitor,
                                      consent=data["consent"])
    return WaitlistResponseSchema().dump({"entry": entry_data(entry)}), 201


@blueprint.post("/v1/waitlist/<code>/withdraw")
@_limit("RATELIMIT_WAITLIST")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup")
def withdraw_waitlist(code: str):
    data = load_body(WaitlistWithdrawRequestSchema())
    with unit_of_work():
        entry = waitlist_actions.withdraw(
            _visitor(), waitlist_service.find_by_code_and_document(code, data["document_number"]))
    return WaitlistResponseSchema().dump({"entry": entry_data(entry)})


@blueprint.post("/v1/waitlist/offers/<token>/accept")
@_limit("RATELIMIT_BOOKING")
def accept_waitlist_offer(token: str):
    entry = waitlist_service.find_offer(token)
    waitlist_actions.expire_lazily(entry.fair_day)
    with unit_of_work():
        appointment, _ = waitlist_actions.accept(_visitor(), entry)
    return BookingResponseSchema().dump(booking_data(appointment)), 201

"""Forums and their seats: the list with seats left, reserving and giving back a seat with
the booking's confirmation code and document number (docs/forums.md).

The seat operations are look-ups of a booking: they share the look-up's rate limits (per
client address and per document) and its proof of work, like the seat pages. Offers of the
forum's waiting list that ran out are closed first (their seats pass on or are freed).
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, request

from registration.actions import seats as seat_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.api import blueprint
from registration.api.helpers import load_body
from registration.extensions import limiter
from registration.models import Forum, Seat
from registration.ratelimits import per_document
from registration.services import forums as forum_service
from registration.services import seats as seat_service
from registration.services.calendar import utc_now
from registration.waitingroom import guard
from schemas.forums import (
    ForumListSchema, ForumQuerySchema, SeatRequestSchema, SeatResponseSchema,
)

FORUM_LIST = ForumListSchema()
SEAT_REQUEST = SeatRequestSchema()
SEAT_RESPONSE = SeatResponseSchema()


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name])


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


def registering_kinds(forum: Forum) -> list[str]:
    """The kinds that may register: the forum's, within its room's (empty: every kind)."""
    own, room = set(forum.kind_list), set(forum.zone.kind_list)
    return sorted(own & room if own and room else own or room)


def forum_data(forum: Forum, now) -> dict:
    zone = forum.zone
    local = ZoneInfo(zone.venue.timezone)
    status = seat_service.registration_status(forum, now)
    opens = forum.registration_opens
    return {
        "code": forum.code, "title": forum.title.as_dict(),
        "zone": {"code": zone.code, "kind": zone.kind.value, "name": zone.name.as_dict()},
        "venue": zone.venue.code, "starts": forum.starts.astimezone(local),
        "ends": forum.ends.astimezone(local), "seats": forum.seats,
        "seats_left": forum.seats_left, "kinds": registering_kinds(forum),
        "registration_open": status in ("open", "full"), "status": status,
        "registration_opens": opens.astimezone(local) if opens is not None else None,
        "registration_closes": (forum.registration_closes or forum.starts).astimezone(local),
    }


def seat_data(seat: Seat) -> dict:
    return {"seat": {"forum": seat.forum.code, "status": seat.status.value}}


@blueprint.get("/v1/forums")
def list_forums():
    query = ForumQuerySchema().load(request.args.to_dict())
    now = utc_now()
    forums = forum_service.listing(day=query["day"], venue=query["venue"], kind=query["kind"])
    return FORUM_LIST.dump({"forums": [forum_data(forum, now) for forum in forums]})


@blueprint.post("/v1/forums/<code>/seats")
@_limit("RATELIMIT_LOOKUP")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup")
def reserve_seat(code: str):
    data = load_body(SEAT_REQUEST)
    guard.proof_of_work_if_asked()  # while staff ask it on every look-up
    with unit_of_work():
        seat = seat_actions.reserve(_visitor(), code, code=data["code"],
                                    document_number=data["document_number"])
        body = SEAT_RESPONSE.dump(seat_data(seat))
    return body, 201


@blueprint.post("/v1/forums/<code>/seats/cancel")
@_limit("RATELIMIT_LOOKUP")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup")
def cancel_seat(code: str):
    data = load_body(SEAT_REQUEST)
    guard.proof_of_work_if_asked()
    with unit_of_work():
        seat = seat_actions.cancel(_visitor(), code, code=data["code"],
                                   document_number=data["document_number"])
        body = SEAT_RESPONSE.dump(seat_data(seat))
    return body

"""The forum waiting-list operation and schemas in the OpenAPI document
(registration/api/openapi.py builds it; this module adds its part through EXTRA_PATHS /
EXTRA_SCHEMAS / EXTRA_SCHEMA_RULES)."""
from __future__ import annotations

from registration.api.openapi import (
    COMMON, EXTRA_PATHS, EXTRA_SCHEMA_RULES, EXTRA_SCHEMAS, _body, _error, _ok, _path,
)
from schemas import forums_waitlist

JOIN_EXAMPLE = {"code": "K7P2QX9M", "document_number": "11010119900307803X",
                "email": "li.si@example.com", "phone": None, "lang": "en"}

EXTRA_PATHS.update({
    "/api/v1/forums/{code}/waitlist": {"post": {
        "operationId": "joinForumWaitlist",
        "summary": "Join a full forum's waiting list: a seat given back is offered by email "
                   "or SMS, with a time-limited link",
        "description": "The same checks as a seat (an active appointment or credential for "
                       "the forum's venue-day, the kind, the registration window, no seat "
                       "in an overlapping forum); only while the forum is full.",
        "parameters": [_path("code", example="CNCC-F01")],
        "requestBody": _body("ForumWaitlistJoinRequest", JOIN_EXAMPLE),
        "responses": {"201": _ok("ForumWaitlistResponse", "On the list"),
                      "404": _error("forum_not_found, or no appointment or credential "
                                    "matches the code and document number"),
                      "409": _error("not_full, already_waiting, seat_taken, time_conflict, "
                                    "not_for_kind, registration_closed or "
                                    "no_booking_that_day"),
                      **COMMON}}},
})

EXTRA_SCHEMAS.update({
    "ForumWaitlistJoinRequest": forums_waitlist.ForumWaitlistJoinRequestSchema,
    "ForumWaitlistResponse": forums_waitlist.ForumWaitlistResponseSchema,
})


def _contact_required(definition: dict) -> None:
    """An email address or a phone number, not null (schemas.forums_waitlist)."""
    definition["anyOf"] = [
        {"title": "by email", "properties": {"email": {"not": {"type": "null"}}},
         "required": ["email"]},
        {"title": "by SMS", "properties": {"phone": {"not": {"type": "null"}}},
         "required": ["phone"]}]


EXTRA_SCHEMA_RULES[forums_waitlist.ForumWaitlistJoinRequestSchema] = _contact_required

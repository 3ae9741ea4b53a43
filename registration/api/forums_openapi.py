"""The forum operations and schemas in the OpenAPI document (registration/api/openapi.py
builds it; this module adds its part through EXTRA_PATHS / EXTRA_SCHEMAS)."""
from __future__ import annotations

from registration.api.openapi import COMMON, EXTRA_PATHS, EXTRA_SCHEMAS, _body, _error, _ok, _path
from schemas import forums

SEAT_EXAMPLE = {"code": "K7P2QX9M", "document_number": "11010119900307803X", "lang": "en"}

# The seat just reserved can be given back with the same code and document number.
RESERVE_LINKS = {"CancelSeat": {
    "operationId": "cancelSeat",
    "parameters": {"path.code": "$request.path.code"},
    "requestBody": {"code": "$request.body#/code",
                    "document_number": "$request.body#/document_number"}}}
LIST_LINKS = {"ReserveSeat": {
    "operationId": "reserveSeat",
    "parameters": {"path.code": "$response.body#/forums/0/code"}}}

EXTRA_PATHS.update({
    "/api/v1/forums": {"get": {
        "operationId": "listForums",
        "summary": "Forums by start, with seats left and whether they take reservations",
        "parameters": [{"in": "query", "schema": forums.ForumQuerySchema}],
        "responses": {"200": _ok("ForumList", links=LIST_LINKS),
                      "422": COMMON["422"]}}},
    "/api/v1/forums/{code}/seats": {"post": {
        "operationId": "reserveSeat",
        "summary": "Reserve a seat with a booking's (or credential's) confirmation code "
                   "and document number",
        "description": "A seat needs an active appointment or credential for the forum's "
                       "venue-day; one seat per person and forum, none in two forums that "
                       "overlap.",
        "parameters": [_path("code", example="CNCC-F01")],
        "requestBody": _body("SeatRequest", SEAT_EXAMPLE),
        "responses": {"201": _ok("SeatResponse", "Reserved", RESERVE_LINKS),
                      "404": _error("forum_not_found, or no appointment or credential "
                                    "matches the code and document number"),
                      "409": _error("seats_full, seat_taken, time_conflict, not_for_kind, "
                                    "registration_closed or no_booking_that_day"),
                      **COMMON}}},
    "/api/v1/forums/{code}/seats/cancel": {"post": {
        "operationId": "cancelSeat",
        "summary": "Give a seat back: it is free at once (or offered to the waiting list)",
        "parameters": [_path("code", example="CNCC-F01")],
        "requestBody": _body("SeatRequest", SEAT_EXAMPLE),
        "responses": {"200": _ok("SeatResponse", "Given back"),
                      "404": _error("forum_not_found, no match, or seat_not_found"),
                      **COMMON}}},
})

EXTRA_SCHEMAS.update({
    "ForumList": forums.ForumListSchema,
    "SeatRequest": forums.SeatRequestSchema,
    "SeatResponse": forums.SeatResponseSchema,
})

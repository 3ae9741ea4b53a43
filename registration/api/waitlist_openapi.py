"""The waiting-list operations and schemas in the OpenAPI document (registration/api/openapi.py
builds it; this module adds its part through EXTRA_PATHS / EXTRA_SCHEMAS)."""
from __future__ import annotations

from registration.api.openapi import (
    COMMON, EXAMPLE_DAY, EXTRA_PATHS, EXTRA_SCHEMAS, _body, _error, _ok, _path,
)
from schemas import waitlist

JOIN_EXAMPLE = {
    "document": {"type": "cn_resident_id", "number": "320102198001010016"},
    "name": "王五", "phone": None, "email": "wang.wu@example.com", "consent": True, "lang": "zh",
}
WITHDRAW_EXAMPLE = {"document_number": "320102198001010016", "lang": "en"}

JOIN_LINKS = {"WithdrawFromWaitlist": {
    "operationId": "withdrawFromWaitlist",
    "parameters": {"path.code": "$response.body#/entry/code"},
    "requestBody": {"document_number": "$request.body#/document/number"}}}

EXTRA_PATHS.update({
    "/api/v1/venues/{venue}/days/{date}/waitlist": {"post": {
        "operationId": "joinWaitlist",
        "summary": "Join a full day's waiting list: a freed place is offered by email",
        "parameters": [_path("venue", example="CNCC"),
                       _path("date", {"type": "string", "format": "date"}, EXAMPLE_DAY)],
        "requestBody": _body("WaitlistJoinRequest", JOIN_EXAMPLE),
        "responses": {"201": _ok("WaitlistResponse", "On the list", JOIN_LINKS),
                      "404": _error("No such venue-day"),
                      "409": _error("places_available, already_booked or already_waiting"),
                      **COMMON}}},
    "/api/v1/waitlist/{code}/withdraw": {"post": {
        "operationId": "withdrawFromWaitlist",
        "summary": "Leave the waiting list (an offered place passes to the next in line)",
        "parameters": [_path("code", example="K7P2QX9M")],
        "requestBody": _body("WaitlistWithdrawRequest", WITHDRAW_EXAMPLE),
        "responses": {"200": _ok("WaitlistResponse"), "404": _error("No match"),
                      "409": _error("waitlist_closed"), **COMMON}}},
    "/api/v1/waitlist/offers/{token}/accept": {"post": {
        "operationId": "acceptWaitlistOffer",
        "summary": "Book the place an offer holds (the token is the offer mail's link)",
        "parameters": [_path("token", example="kq3V2o0m7cV8TjQ1bqgk1G6Yp8G3T0sB4x3o2nK9l2c")],
        "responses": {"201": _ok("BookingResponse", "Booked"),
                      "404": _error("No such offer"),
                      "409": _error("offer_gone or already_booked"), "429": COMMON["429"]}}},
})

EXTRA_SCHEMAS.update({
    "WaitlistJoinRequest": waitlist.WaitlistJoinRequestSchema,
    "WaitlistWithdrawRequest": waitlist.WaitlistWithdrawRequestSchema,
    "WaitlistResponse": waitlist.WaitlistResponseSchema,
})

"""The waiting room's operations, schemas and the ``admissionToken`` security scheme in the
OpenAPI document (registration/api/openapi.py builds it; this adds its part)."""
from __future__ import annotations

from registration.api.openapi import (
    COMMON, EXAMPLE_DAY, EXTRA_PATHS, EXTRA_SCHEMAS, PATHS, _body, _error, _ok, _path,
    security_scheme,
)
from schemas import waitingroom

ADMISSION = security_scheme("admissionToken", {
    "type": "apiKey", "in": "header", "name": "X-Admission-Token",
    "description": "While a venue-day books through the waiting room: the admission_token "
                   "of GET /api/v1/queue/{venue}/{date} once it is the ticket's turn. Spent "
                   "by the booking it is used for; bound to the document that queued."})
ALTCHA_HEADER = {"name": "X-Altcha", "in": "header", "required": False,
                 "schema": {"type": "string"},
                 "description": "A solved proof-of-work challenge (GET /api/v1/pow/challenge), "
                                "read when staff ask one for every booking and look-up (else "
                                "ignored)."}
TICKET_HEADER = {"name": "X-Queue-Ticket", "in": "header", "required": False,
                 "schema": {"type": "string"},
                 "description": "The ticket POST /api/v1/queue/{venue}/{date} gave (an "
                                "unknown one reads as not in line)."}
ROOM_ERRORS = {"403": _error("admission_required, admission_wrong_document, admission_spent, "
                             "pow_required, pow_invalid or pow_replayed"),
               "503": _error("waiting_room_unavailable: the room's store is down (fails "
                             "closed)")}
JOIN_EXAMPLE = {"document": {"type": "cn_resident_id", "number": "11010119900307803X"},
                "altcha": None, "lang": "en"}
# The ticket of a join goes back as the status request's header (same venue-day).
JOIN_LINKS = {"GetQueueStatus": {
    "operationId": "getQueueStatus",
    "parameters": {"path.venue": "$request.path.venue", "path.date": "$request.path.date",
                   "header.X-Queue-Ticket": "$response.body#/ticket"}}}
DAY_PARAMETERS = [_path("venue", example="CNCC"),
                  _path("date", {"type": "string", "format": "date"}, EXAMPLE_DAY)]

EXTRA_PATHS.update({
    "/api/v1/pow/challenge": {"get": {
        "operationId": "getProofOfWorkChallenge",
        "summary": "An ALTCHA proof-of-work challenge (SHA-256) to solve before joining the "
                   "queue (and booking or looking up while staff ask it)",
        "responses": {"200": _ok("PowChallenge")}}},
    "/api/v1/queue/{venue}/{date}": {
        "post": {
            "operationId": "joinQueue",
            "summary": "Join a venue-day's waiting room: one place per document",
            "parameters": [*DAY_PARAMETERS, ALTCHA_HEADER],
            "requestBody": _body("QueueJoinRequest", JOIN_EXAMPLE),
            "responses": {"201": _ok("QueueStatus", "In line", JOIN_LINKS),
                          "404": _error("No such venue-day"),
                          "409": _error("no_waiting_room or queue_not_open"),
                          **ROOM_ERRORS, **COMMON}},
        "get": {
            "operationId": "getQueueStatus",
            "summary": "Place in line, estimated wait and, once admitted, the admission token",
            "parameters": [*DAY_PARAMETERS, TICKET_HEADER],
            "responses": {"200": _ok("QueueStatus"), "404": _error("No such venue-day"),
                          "409": _error("no_waiting_room"), "503": ROOM_ERRORS["503"]}}},
})

EXTRA_SCHEMAS.update({
    "QueueJoinRequest": waitingroom.QueueJoinRequestSchema,
    "QueueStatus": waitingroom.QueueStatusSchema,
    "PowChallenge": waitingroom.PowChallengeSchema,
})

# Booking operations: the admission while the day's room is on (no security otherwise).
for path in ("/api/v1/appointments", "/api/v1/groups", "/api/v1/appointments/lookup"):
    operation = PATHS[path]["post"]
    if path != "/api/v1/appointments/lookup":
        operation.setdefault("security", [{}, *ADMISSION])
        operation["responses"].setdefault("503", ROOM_ERRORS["503"])
    operation.setdefault("parameters", []).append(ALTCHA_HEADER)
    operation["responses"].setdefault("403", ROOM_ERRORS["403"])

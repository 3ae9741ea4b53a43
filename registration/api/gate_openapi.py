"""OpenAPI description of the device and gate endpoints (merged into /api/openapi.json)."""
from __future__ import annotations

from registration.api.openapi import (
    EXTRA_PATHS, EXTRA_SCHEMAS, EXTRA_SECURITY_SCHEMES, _body, _error, _ok,
)
from schemas import gate

DEVICE_AUTH = [{"deviceToken": []}]
AUTH_ERRORS = {
    "401": _error("Missing, unknown or revoked device token"),
    "403": _error("Another venue, or a gate not of the device's venue"),
    "422": _error("Invalid input; `fields` names each bad field"),
}

EXTRA_SECURITY_SCHEMES["deviceToken"] = {
    "type": "http", "scheme": "bearer",
    "description": "Device token from POST /api/v1/devices/enroll, scoped to one venue.",
}

EXTRA_PATHS.update({
    "/api/v1/devices/enroll": {"post": {
        "summary": "Exchange a one-time enrolment code for a device token",
        "requestBody": _body("EnrollRequest"),
        "responses": {"201": _ok("EnrollResponse", "Enrolled"),
                      "403": _error("Code unknown, already used or expired"),
                      "422": _error("Invalid input; `fields` names each bad field"),
                      "429": _error("Rate limited")}}},
    "/api/v1/gate/manifest": {"get": {
        "summary": "The device's venue-day manifest: full, then incremental by cursor",
        "security": DEVICE_AUTH,
        "parameters": [
            {"name": "date", "in": "query", "required": False,
             "schema": {"type": "string", "format": "date"},
             "description": "Venue-local day (today or tomorrow); default today."},
            {"name": "cursor", "in": "query", "required": False,
             "schema": {"type": "string", "maxLength": 80},
             "description": "From the previous page; none for a full pull."},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 20000}},
            {"name": "venue", "in": "query", "required": False,
             "schema": {"type": "string", "maxLength": 12},
             "description": "Optional; must be the device's own venue."}],
        "responses": {"200": _ok("ManifestPage"), "404": _error("No fair day that day"),
                      **AUTH_ERRORS}}},
    "/api/v1/gate/events": {"post": {
        "summary": "Upload check-in events, idempotent by event id",
        "security": DEVICE_AUTH,
        "requestBody": _body("EventBatch"),
        "responses": {"200": _ok("EventBatchResult"),
                      "413": _error("More events than one batch may hold"),
                      **AUTH_ERRORS}}},
    "/api/v1/gate/verify": {"post": {
        "summary": "Decide one scan online with the gate rules, and record it",
        "security": DEVICE_AUTH,
        "requestBody": _body("VerifyRequest"),
        "responses": {"200": _ok("VerifyResponse"),
                      "503": _error("gate_busy: the pass kept changing; scan again"),
                      **AUTH_ERRORS}}},
    "/api/v1/gate/leases": {"post": {
        "summary": "Report credit use and lease entry credits of the occupancy limit",
        "security": DEVICE_AUTH,
        "requestBody": _body("LeaseRequest"),
        "responses": {"200": _ok("LeaseResponse"), "404": _error("No fair day that day"),
                      "409": _error("lease_rejected or lease_id_reused"), **AUTH_ERRORS}}},
})

EXTRA_SCHEMAS.update({
    "EnrollRequest": gate.EnrollRequestSchema, "EnrollResponse": gate.EnrollResponseSchema,
    "ManifestPage": gate.ManifestPageSchema, "EventBatch": gate.EventBatchSchema,
    "EventBatchResult": gate.EventBatchResultSchema, "ScanDocument": gate.ScanDocumentSchema,
    "VerifyRequest": gate.VerifyRequestSchema, "VerifyResponse": gate.VerifyResponseSchema,
    "LeaseRequest": gate.LeaseRequestSchema, "LeaseResponse": gate.LeaseResponseSchema,
})

"""OpenAPI description of the device and gate endpoints (merged into /api/openapi.json)."""
from __future__ import annotations

from registration.api.openapi import (
    EXTRA_PATHS, EXTRA_SCHEMAS, _body, _error, _ok, security_scheme,
)
from registration.services.manifest import CURSOR_RE
from schemas import gate

DEVICE_AUTH = security_scheme("bearerAuth", {
    "type": "http", "scheme": "bearer",
    "description": "Device token from POST /api/v1/devices/enroll, scoped to one venue.",
})
AUTH_ERRORS = {
    "401": _error("Missing, unknown or revoked device token"),
    "403": _error("Another venue, or a gate not of the device's venue"),
    "422": _error("Invalid input; `fields` names each bad field"),
}

# Examples: valid requests of a CNCC kiosk at gate CNCC-E1.
ENROLL_EXAMPLE = {"code": "K7P2-QX9M-D4HB-5TWR", "name": "CNCC east hall, kiosk 1"}
EVENTS_EXAMPLE = {"events": [{
    "id": "E1-K1:000001", "pass_serial": "7GQ4XW2M9KD3HB5T", "document_index": None,
    "gate": "CNCC-E1", "direction": "in", "admit": True, "reason": "ok",
    "scanned_at": "2026-09-10T09:00:05+08:00", "offline": True}]}
VERIFY_EXAMPLE = {
    "scan": {"document": {"type": "cn_resident_id", "number": "11010119900307803X"}},
    "direction": "in", "gate": "CNCC-E1", "id": "E1-K1:000002"}
ANNUL_EXAMPLE = {"event_id": "E1-K1:000002"}
LEASE_EXAMPLE = {"lease_id": "E1-K1:lease-000001", "request": 20,
                 "report": {"entries": 0, "exits": 0, "recycled_exits": 0, "returned": 0}}

# The token an enrolment returns authenticates the device's calls.
WITH_TOKEN = {"header.Authorization": "Bearer {$response.body#/token}"}
ENROLL_LINKS = {
    "GetManifest": {"operationId": "getManifest", "parameters": WITH_TOKEN},
    "UploadEvents": {"operationId": "uploadEvents", "parameters": WITH_TOKEN},
    "VerifyScan": {"operationId": "verifyScan", "parameters": WITH_TOKEN},
    "LeaseCredits": {"operationId": "leaseCredits", "parameters": WITH_TOKEN},
    "AnnulAdmission": {"operationId": "annulAdmission", "parameters": WITH_TOKEN},
}
NEXT_PAGE_LINK = {"GetNextPage": {"operationId": "getManifest", "parameters": {
    "query.cursor": "$response.body#/cursor", "query.date": "$response.body#/date"}}}


def manifest_query(config) -> gate.ManifestQuerySchema:
    """The manifest's query; the cursor as the manifest service reads it (none or empty:
    a full pull)."""
    query = gate.ManifestQuerySchema(max_limit=config["GATE_MANIFEST_PAGE_MAX"])
    query.fields["cursor"].metadata.update(
        pattern=f"^(?:{CURSOR_RE.pattern})?$",
        description="From the previous page; none for a full pull.")
    query.fields["limit"].metadata.update(
        description="Items per page; default GATE_MANIFEST_PAGE_SIZE.")
    return query


EXTRA_PATHS.update({
    "/api/v1/devices/enroll": {"post": {
        "operationId": "enrollDevice",
        "summary": "Exchange a one-time enrolment code for a device token",
        "requestBody": _body("EnrollRequest", ENROLL_EXAMPLE),
        "responses": {"201": _ok("EnrollResponse", "Enrolled", ENROLL_LINKS),
                      "403": _error("Code unknown, already used or expired"),
                      "422": _error("Invalid input; `fields` names each bad field"),
                      "429": _error("Rate limited")}}},
    "/api/v1/gate/manifest": lambda config: {"get": {
        "operationId": "getManifest",
        "summary": "The device's venue-day manifest: full, then incremental by cursor",
        "security": DEVICE_AUTH,
        "parameters": [{"in": "query", "schema": manifest_query(config)}],
        "responses": {"200": _ok("ManifestPage", links=NEXT_PAGE_LINK),
                      "404": _error("No fair day that day"), **AUTH_ERRORS}}},
    "/api/v1/gate/events": {"post": {
        "operationId": "uploadEvents",
        "summary": "Upload check-in events, idempotent by event id",
        "security": DEVICE_AUTH,
        "requestBody": _body("EventBatch", EVENTS_EXAMPLE),
        "responses": {"200": _ok("EventBatchResult"),
                      "413": _error("More events than one batch may hold"),
                      **AUTH_ERRORS}}},
    "/api/v1/gate/verify": {"post": {
        "operationId": "verifyScan",
        "summary": "Decide one scan online with the gate rules, and record it",
        "security": DEVICE_AUTH,
        "requestBody": _body("VerifyRequest", VERIFY_EXAMPLE),
        "responses": {"200": _ok("VerifyResponse"),
                      "429": _error("ID-card and confirmation-code look-ups beyond "
                                    "RATELIMIT_GATE_VERIFY_DOCUMENT per device"),
                      "503": _error("gate_busy: the pass kept changing; scan again"),
                      **AUTH_ERRORS}}},
    "/api/v1/gate/annul": {"post": {
        "operationId": "annulAdmission",
        "summary": "Annul this device's own admission within 30 s (kept, marked annulled; "
                   "presence and counts undone); idempotent",
        "security": DEVICE_AUTH,
        "requestBody": _body("AnnulRequest", ANNUL_EXAMPLE),
        "responses": {"200": _ok("AnnulResponse"),
                      "404": _error("event_not_found: no admission of this device"),
                      "409": _error("annul_too_late: more than 30 s after the admission"),
                      **AUTH_ERRORS}}},
    "/api/v1/gate/leases": {"post": {
        "operationId": "leaseCredits",
        "summary": "Report credit use and lease entry credits of the occupancy limit",
        "security": DEVICE_AUTH,
        "requestBody": _body("LeaseRequest", LEASE_EXAMPLE),
        "responses": {"200": _ok("LeaseResponse"), "404": _error("No fair day that day"),
                      "409": _error("lease_rejected or lease_id_reused"), **AUTH_ERRORS}}},
})

EXTRA_SCHEMAS.update({
    "EnrollRequest": gate.EnrollRequestSchema, "EnrollResponse": gate.EnrollResponseSchema,
    "ManifestPage": gate.ManifestPageSchema,
    "EventBatch": lambda config: gate.EventBatchSchema(
        max_events=config["GATE_EVENT_BATCH_MAX"]),
    "EventBatchResult": gate.EventBatchResultSchema, "ScanDocument": gate.ScanDocumentSchema,
    "ScanCode": gate.ScanCodeSchema,
    "VerifyRequest": gate.VerifyRequestSchema, "VerifyResponse": gate.VerifyResponseSchema,
    "LeaseRequest": lambda config: gate.LeaseRequestSchema(
        max_request=config["GATE_LEASE_MAX_REQUEST"]),
    "LeaseResponse": gate.LeaseResponseSchema,
    "AnnulRequest": gate.AnnulRequestSchema, "AnnulResponse": gate.AnnulResponseSchema,
})

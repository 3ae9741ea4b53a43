"""The OpenAPI document at /api/openapi.json, generated from the marshmallow schemas."""
from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from registration.api import blueprint
from schemas import appointments as appt
from schemas import errors, venues

JSON = "application/json"


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": "Error"}}}


def _ok(schema: str, description: str = "OK") -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _body(schema: str) -> dict:
    return {"required": True, "content": {JSON: {"schema": schema}}}


COMMON = {"422": _error("Invalid input; `fields` names each bad field"),
          "429": _error("Rate limited")}

PATHS = {
    "/api/v1/venues": {"get": {
        "summary": "Venues with their fair days and availability",
        "responses": {"200": _ok("VenueList")}}},
    "/api/v1/venues/{venue}/days/{date}": {"get": {
        "summary": "One venue-day's availability",
        "parameters": [
            {"name": "venue", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "date", "in": "path", "required": True,
             "schema": {"type": "string", "format": "date"}}],
        "responses": {"200": _ok("VenueDay"), "404": _error("No such venue-day")}}},
    "/api/v1/appointments": {"post": {
        "summary": "Book an appointment and receive its pass",
        "requestBody": _body("BookingRequest"),
        "responses": {"201": _ok("BookingResponse", "Booked"),
                      "409": _error("quota_full or already_booked"), **COMMON}}},
    "/api/v1/appointments/lookup": {"post": {
        "summary": "Find an appointment by confirmation code and document number",
        "requestBody": _body("LookupRequest"),
        "responses": {"200": _ok("BookingResponse"), "404": _error("No match"), **COMMON}}},
    "/api/v1/appointments/{code}/cancel": {"post": {
        "summary": "Cancel an appointment; its place is freed at once",
        "parameters": [
            {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": _body("CancelRequest"),
        "responses": {"200": _ok("BookingResponse"), "404": _error("No match"),
                      "409": _error("already_cancelled"), **COMMON}}},
    "/api/v1/groups": {"post": {
        "summary": "Book a delegation: every member or none",
        "requestBody": _body("GroupRequest"),
        "responses": {"201": _ok("GroupResponse", "Booked"),
                      "409": _error("quota_full or already_booked"), **COMMON}}},
    "/api/v1/passes/{serial}.{fmt}": {"get": {
        "summary": "The pass as PNG (QR), SVG (QR) or printable PDF",
        "parameters": [
            {"name": "serial", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "fmt", "in": "path", "required": True,
             "schema": {"type": "string", "enum": ["png", "svg", "pdf"]}}],
        "responses": {
            "200": {"description": "The file", "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/svg+xml": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
            "404": _error("No such pass"), "410": _error("Pass revoked")}}},
    "/api/v1/keys": {"get": {
        "summary": "Public Ed25519 pass verification keys by key id",
        "responses": {"200": _ok("KeyList")}}},
}

SCHEMAS = {
    "Error": errors.ErrorSchema, "VenueList": venues.VenueListSchema,
    "VenueDay": venues.VenueDaySchema, "BookingRequest": appt.BookingRequestSchema,
    "BookingResponse": appt.BookingResponseSchema, "LookupRequest": appt.LookupRequestSchema,
    "CancelRequest": appt.CancelRequestSchema, "GroupRequest": appt.GroupRequestSchema,
    "GroupResponse": appt.GroupResponseSchema, "KeyList": appt.KeyListSchema,
}

EXTRA_PATHS: dict[str, dict] = {}  # other API modules (gate endpoints) add theirs here
EXTRA_SCHEMAS: dict[str, type] = {}
EXTRA_SECURITY_SCHEMES: dict[str, dict] = {}


def build_spec() -> dict:
    spec = APISpec(title="fairgate API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Visitor registration and gate check-in for CIFTIS."})
    for name, schema in {**SCHEMAS, **EXTRA_SCHEMAS}.items():
        spec.components.schema(name, schema=schema)
    for name, scheme in EXTRA_SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for path, operations in {**PATHS, **EXTRA_PATHS}.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@blueprint.get("/openapi.json")
def openapi_document():
    spec = current_app.extensions.get("fairgate.openapi")
    if spec is None:
        spec = current_app.extensions["fairgate.openapi"] = build_spec()
    return spec

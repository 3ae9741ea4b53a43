"""The OpenAPI document at /api/openapi.json, generated from the marshmallow schemas.

What a request may hold is said once, by the schemas' fields and validators; apispec turns
them into the document. :class:`FieldRulesPlugin` adds what its converter does not know:
the text rules of CleanString and PersonName (schemas/fields.py), the number format of each
document type (gate/documents.py) and fields of which a schema takes one at most.
Operations carry an example body, which a fuzzer sends first, and links saying where the
identifiers of an answer go next, so a stateful run chains real calls
(tests/attack/test_api_fuzz.py).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_instance
from marshmallow.validate import Range
from flask import current_app

from gate.documents import KNOWN_STATE_CODES, STATE_CODE_ALIASES, DocumentType
from registration.api import blueprint
from registration.services import venues as venue_service
from schemas import appointments as appt
from schemas import errors, venues
from schemas.fields import CleanString, PersonName

JSON = "application/json"


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": "Error"}}}


def _ok(schema: str, description: str = "OK", links: dict | None = None) -> dict:
    response = {"description": description, "content": {JSON: {"schema": schema}}}
    if links:
        response["links"] = links
    return response


def _body(schema: str, example: dict) -> dict:
    return {"required": True, "content": {JSON: {"schema": schema, "example": example}}}


def _path(name: str, schema: dict | None = None, example: str | None = None) -> dict:
    parameter = {"name": name, "in": "path", "required": True,
                 "schema": schema or {"type": "string"}}
    if example is not None:
        parameter["example"] = example
    return parameter


def document_number_format(doc_type: DocumentType) -> str:
    """The OpenAPI ``format`` of a document type's number, e.g. ``cn-resident-id``."""
    return doc_type.value.replace("_", "-")


# Examples: valid requests. The venue-day of a booking is one the service would take: the
# document served names the first open one (ExampleVenueDay); these are the fallback.
EXAMPLE_DAY = "2026-09-10"
EXAMPLE_VISITOR = {
    "document": {"type": "cn_resident_id", "number": "11010119900307803X"},
    "name": "张三", "phone": "+86 138 0013 8000", "email": "zhang.san@example.com",
}
# A delegation's members are other people than the single booking's, so that both examples
# are accepted one after the other.
GROUP_MEMBERS = [
    {"document": {"type": "cn_resident_id", "number": "440305198512310026"},
     "name": "李四", "phone": "+86 139 0000 0001", "email": "li.si@example.com"},
    {"document": {"type": "passport", "number": "E12345678", "country": "GBR"},
     "name": "ERIKSSON ANNA", "phone": None, "email": None},
]
BOOKING_EXAMPLE = {"venue": "CNCC", "date": EXAMPLE_DAY, "slot": None, **EXAMPLE_VISITOR,
                   "consent": True, "lang": "zh"}
GROUP_EXAMPLE = {"organisation": "北京市对外经济贸易促进会", "venue": "CNCC",
                 "date": EXAMPLE_DAY, "slot": None,
                 "members": GROUP_MEMBERS, "consent": True, "lang": "zh"}
LOOKUP_EXAMPLE = {"code": "K7P2QX9M", "document_number": "11010119900307803X", "lang": "en"}
CANCEL_EXAMPLE = {"document_number": "11010119900307803X", "lang": "en"}

# Links: where the identifiers of an answer are used next.
PASS_FILE_LINK = {"operationId": "getPassFile",
                  "parameters": {"path.serial": "$response.body#/pass/serial"}}
APPOINTMENT_LINKS = {
    "GetPassFile": PASS_FILE_LINK,
    "LookUpAppointment": {"operationId": "lookUpAppointment", "requestBody": {
        "code": "$response.body#/appointment/code",
        "document_number": "$request.body#/document/number"}},
    "CancelAppointment": {"operationId": "cancelAppointment",
                          "parameters": {"path.code": "$response.body#/appointment/code"},
                          "requestBody": {"document_number": "$request.body#/document/number"}},
}
GROUP_LINKS = {
    "GetPassFile": {"operationId": "getPassFile",
                    "parameters": {"path.serial": "$response.body#/bookings/0/pass/serial"}},
    "LookUpAppointment": {"operationId": "lookUpAppointment", "requestBody": {
        "code": "$response.body#/bookings/0/appointment/code",
        "document_number": "$request.body#/members/0/document/number"}},
    "CancelAppointment": {"operationId": "cancelAppointment", "parameters": {
        "path.code": "$response.body#/bookings/0/appointment/code"}, "requestBody": {
        "document_number": "$request.body#/members/0/document/number"}},
}

COMMON = {"422": _error("Invalid input; `fields` names each bad field"),
          "429": _error("Rate limited")}

PATHS = {
    "/api/v1/venues": {"get": {
        "operationId": "listVenues",
        "summary": "Venues with their fair days and availability",
        "responses": {"200": _ok("VenueList", links={"GetVenueDay": {
            "operationId": "getVenueDay",
            "parameters": {"path.venue": "$response.body#/venues/0/code",
                           "path.date": "$response.body#/venues/0/days/0/date"}}})}}},
    "/api/v1/venues/{venue}/days/{date}": {"get": {
        "operationId": "getVenueDay",
        "summary": "One venue-day's availability",
        "parameters": [_path("venue", example="CNCC"),
                       _path("date", {"type": "string", "format": "date"}, EXAMPLE_DAY)],
        "responses": {"200": _ok("VenueDay"), "404": _error("No such venue-day")}}},
    "/api/v1/appointments": {"post": {
        "operationId": "bookAppointment",
        "summary": "Book an appointment and receive its pass",
        "requestBody": _body("BookingRequest", BOOKING_EXAMPLE),
        "responses": {"201": _ok("BookingResponse", "Booked", APPOINTMENT_LINKS),
                      "409": _error("quota_full or already_booked"), **COMMON}}},
    "/api/v1/appointments/lookup": {"post": {
        "operationId": "lookUpAppointment",
        "summary": "Find an appointment by confirmation code and document number",
        "requestBody": _body("LookupRequest", LOOKUP_EXAMPLE),
        "responses": {"200": _ok("BookingResponse", links={"GetPassFile": PASS_FILE_LINK}),
                      "404": _error("No match"), **COMMON}}},
    "/api/v1/appointments/{code}/cancel": {"post": {
        "operationId": "cancelAppointment",
        "summary": "Cancel an appointment; its place is freed at once",
        "parameters": [_path("code", example="K7P2QX9M")],
        "requestBody": _body("CancelRequest", CANCEL_EXAMPLE),
        "responses": {"200": _ok("BookingResponse"), "404": _error("No match"),
                      "409": _error("already_cancelled"), **COMMON}}},
    "/api/v1/groups": {"post": {
        "operationId": "bookGroup",
        "summary": "Book a delegation: every member or none",
        "requestBody": _body("GroupRequest", GROUP_EXAMPLE),
        "responses": {"201": _ok("GroupResponse", "Booked", GROUP_LINKS),
                      "409": _error("quota_full or already_booked"), **COMMON}}},
    "/api/v1/passes/{serial}.{fmt}": {"get": {
        "operationId": "getPassFile",
        "summary": "The pass as PNG (QR), SVG (QR) or printable PDF",
        "parameters": [
            _path("serial", example="7GQ4XW2M9KD3HB5T"),
            _path("fmt", {"type": "string", "enum": ["png", "svg", "pdf"]}, "pdf")],
        "responses": {
            "200": {"description": "The file", "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/svg+xml": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
            "404": _error("No such pass"), "410": _error("Pass revoked")}}},
    "/api/v1/keys": {"get": {
        "operationId": "listKeys",
        "summary": "Public Ed25519 pass verification keys by key id",
        "responses": {"200": _ok("KeyList")}}},
}

SCHEMAS = {
    "Error": errors.ErrorSchema, "VenueList": venues.VenueListSchema,
    "VenueDay": venues.VenueDaySchema, "DocumentInput": appt.DocumentInputSchema,
    "BookingRequest": appt.BookingRequestSchema,
    "BookingResponse": appt.BookingResponseSchema, "LookupRequest": appt.LookupRequestSchema,
    "CancelRequest": appt.CancelRequestSchema,
    "GroupRequest": lambda config: appt.GroupRequestSchema(
        max_members=config["GROUP_MAX_MEMBERS"]),
    "GroupResponse": appt.GroupResponseSchema, "KeyList": appt.KeyListSchema,
}

# Other API modules (gate endpoints) add theirs here; values as in PATHS and SCHEMAS, or
# functions of the config for those stating a setting.
EXTRA_PATHS: dict = {}
EXTRA_SCHEMAS: dict = {}
EXTRA_SECURITY_SCHEMES: dict[str, dict] = {}
# Schema-level rules of other modules' schemas: {schema class: function(definition)}, called
# with the component apispec made, to add what its converter does not express.
EXTRA_SCHEMA_RULES: dict[type, object] = {}


def security_scheme(name: str, scheme: dict) -> list[dict]:
    """Declare a security scheme of the document (``scheme``: an OpenAPI Security Scheme
    Object); returns the requirement to put in the ``security`` of each operation needing
    it, e.g. ``DEVICE_AUTH = security_scheme("bearerAuth", {"type": "http", ...})``."""
    EXTRA_SECURITY_SCHEMES[name] = scheme
    return [{name: []}]


def build_spec(config) -> dict:
    """The document for an app's ``config``: the limits it states are the settings'."""
    marshmallow = MarshmallowPlugin()
    spec = APISpec(title="fairgate API", version="1.0.0", openapi_version="3.1.0",
                   plugins=[marshmallow, FieldRulesPlugin()],
                   info={"description": "Visitor registration and gate check-in for CIFTIS."})
    marshmallow.converter.add_attribute_function(typed_text_properties)
    marshmallow.converter.add_attribute_function(exclusive_range_properties)
    for name, schema in {**SCHEMAS, **EXTRA_SCHEMAS}.items():
        spec.components.schema(name, schema=_for_config(schema, config))
    for name, scheme in EXTRA_SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for path, operations in {**PATHS, **EXTRA_PATHS}.items():
        spec.path(path=path, operations=_for_config(operations, config))
    document = spec.to_dict()
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _not_null(parameter["schema"])
    return document


def _not_null(schema: dict) -> None:
    """A parameter is a string or absent: null, which its schema field allows for absent,
    cannot be sent."""
    if isinstance(schema.get("type"), list):
        types = [name for name in schema["type"] if name != "null"]
        schema["type"] = types[0] if len(types) == 1 else types
    if schema.get("default", 0) is None:
        del schema["default"]


def _for_config(entry, config):
    """A schema class or operations dict as it is; an entry holding a limit of the settings
    is a function of the config."""
    return entry if isinstance(entry, (type, dict)) else entry(config)


def exclusive_range_properties(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: a Range validator's open ends (``min_inclusive=False``:
    ``exclusiveMinimum``), which apispec writes as closed ones."""
    properties = {}
    for validator in field.validators:
        if not isinstance(validator, Range):
            continue
        if validator.min is not None and not validator.min_inclusive:
            ret.pop("minimum", None)
            properties["exclusiveMinimum"] = validator.min
        if validator.max is not None and not validator.max_inclusive:
            ret.pop("maximum", None)
            properties["exclusiveMaximum"] = validator.max
    return properties


def typed_text_properties(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: the pattern (and minimum length) of typed text, from the
    field's own rules (schemas/fields.py), wrapping the pattern of its Regexp validator."""
    if not isinstance(field, (CleanString, PersonName)):
        return {}
    properties = field.openapi_properties(ret.get("pattern"))
    if not getattr(field, "allow_blank", False):
        properties["minLength"] = max(ret.get("minLength", 0), 1)
    return properties


class FieldRulesPlugin(BasePlugin):
    """The schema-level rules apispec's marshmallow plugin does not express."""

    def schema_helper(self, name, definition, schema=None, **kwargs):
        if schema is None:
            return None
        instance = resolve_schema_instance(schema)
        exclusive = getattr(instance, "exclusive_fields", ())
        if exclusive:  # not all of them at once, other than null
            definition["not"] = {"required": list(exclusive), "properties": {
                name: {"not": {"type": "null"}} for name in exclusive}}
        if type(instance) is appt.DocumentInputSchema:
            _document_variants(definition)
        rule = EXTRA_SCHEMA_RULES.get(type(instance))
        if rule is not None:
            rule(definition)
        return None


def _document_variants(definition: dict) -> None:
    """A document, one variant per type: the number in the format of its type (the checks
    of gate.documents.parse_document: length, layout, region, birth date, check character),
    and a passport's issuing state, required and one of the known codes."""
    properties = definition.pop("properties")
    required = definition.pop("required")
    closed = definition.pop("additionalProperties", False)
    definition.pop("type", None)
    variants = []
    for doc_type in DocumentType:
        variant = {
            **properties,
            "type": {"type": "string", "enum": [doc_type.value]},
            "number": {**properties["number"], "format": document_number_format(doc_type),
                       "description": f"A {doc_type.label.en} number"},
        }
        variant_required = list(required)
        if doc_type is DocumentType.PASSPORT:
            variant["country"] = {
                "type": "string",
                "enum": sorted(KNOWN_STATE_CODES | set(STATE_CODE_ALIASES)),
                "description": "Issuing state, ISO 3166-1 alpha-3 (or an ICAO code)"}
            variant_required.append("country")
        variants.append({"title": doc_type.value, "type": "object", "properties": variant,
                         "required": sorted(variant_required),
                         "additionalProperties": closed})
    definition["oneOf"] = variants


@dataclass(frozen=True)
class ExampleVenueDay:
    """The venue-day (and slot) the served document's example bookings name."""

    venue: str
    date: str
    slot: str | None = None


def first_open_venue_day() -> ExampleVenueDay | None:
    """The first venue-day visitors can book now (with its first slot with places), if any."""
    for venue, days in venue_service.list_venues_with_days():
        for fair_day in days:
            if venue_service.day_status(fair_day) == "open":
                slot = next((s.code for s in fair_day.slots if s.remaining > 0), None)
                return ExampleVenueDay(venue.code, fair_day.date.isoformat(), slot)
    return None


def with_example_venue_day(document: dict, venue_day: ExampleVenueDay | None) -> dict:
    """``document`` whose example request bodies and path parameters naming a venue-day
    name ``venue_day`` (a copy; ``document`` itself when there is none)."""
    if venue_day is None:
        return document
    document = copy.deepcopy(document)
    values = {"venue": venue_day.venue, "date": venue_day.date, "slot": venue_day.slot}
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in ("venue", "date") \
                        and "example" in parameter:
                    parameter["example"] = values[parameter["name"]]
            for content in operation.get("requestBody", {}).get("content", {}).values():
                example = content.get("example")
                if isinstance(example, dict) and {"venue", "date"} <= example.keys():
                    example.update((key, values[key]) for key in values if key in example)
    return document


@blueprint.get("/openapi.json")
def openapi_document():
    """The document, its examples naming a venue-day open now: built once per app, the
    examples' venue-day filled in again when it changes (a day passes, a day fills up)."""
    extensions = current_app.extensions
    base = extensions.get("fairgate.openapi")
    if base is None:
        base = extensions["fairgate.openapi"] = build_spec(current_app.config)
    venue_day = first_open_venue_day()
    cached = extensions.get("fairgate.openapi.served")
    if cached is None or cached[0] != venue_day:
        cached = extensions["fairgate.openapi.served"] = (
            venue_day, with_example_venue_day(base, venue_day))
    return cached[1]

"""Schemathesis hooks for fairgate: values for the string formats the OpenAPI document
names beyond JSON Schema's own, i.e. one document-number format per document type
(registration/api/openapi.py). A number of such a format is what gate.documents accepts
for that type: a layout, a region, a birth date and a check character no pattern can say.
And the one thing about a booking that only the database knows: whether its venue-day has
time slots. The fuzzed bookings name a day that has (FAIRGATE_FUZZ_DAY), so they name a slot.
And one rule JSON Schema cannot state: a delegation holds each document once, compared as
the service compares them (normalised number, type and issuing state). And a queue join's
proof of work, solved for each request as a client solves it.

Loaded by tests/attack/schemathesis.toml (``hooks``), so ``schemathesis run`` with that
config file generates valid documents as the test does.
"""
from __future__ import annotations

import json
import os
import secrets
import urllib.request
from datetime import date

import schemathesis
from hypothesis import strategies as st

from gate.checksums import icao_check_digit, mod11_2_check_char
from marshmallow import ValidationError

from gate.documents import ISO_ALPHA3, DocumentType, parse_document
from gate.uscc import check_character, is_valid_uscc, organisation_check_character
from registration.api.openapi import document_number_format
from registration.waitingroom import pow as proof_of_work
from schemas.appointments import BookingRequestSchema
from schemas.organisations import USCC_FORMAT, OrganisationRequestSchema, StandInputSchema
from schemas.waitingroom import QueueJoinRequestSchema


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=count, max_size=count)


def _gb11643(region: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Six region digits, a birth date, three sequence digits and the check character."""
    birth = st.dates(date(1900, 1, 1), date.today()).map(lambda day: day.strftime("%Y%m%d"))
    body = st.tuples(region, birth, _digits(3)).map("".join)
    return body.map(lambda digits: digits + mod11_2_check_char(digits))


def _fpr_2017() -> st.SearchStrategy[str]:
    """The 2017 foreign permanent resident card: nationality, 11 digits, ICAO check digit."""
    body = st.tuples(st.sampled_from(sorted(ISO_ALPHA3)), _digits(11)).map("".join)
    return body.map(lambda text: text + icao_check_digit(text))


NUMBERS = {
    DocumentType.CN_RESIDENT_ID: _gb11643(st.tuples(st.sampled_from("123456"), _digits(5))
                                          .map("".join)),
    DocumentType.HK_MO_RESIDENCE_PERMIT: _gb11643(st.sampled_from(["810000", "820000"])),
    DocumentType.TW_RESIDENCE_PERMIT: _gb11643(st.just("830000")),
    DocumentType.FOREIGN_PERMANENT_RESIDENT_ID: st.one_of(
        _gb11643(st.tuples(st.just("9"), _digits(5)).map("".join)), _fpr_2017()),
    DocumentType.HK_MO_TRAVEL_PERMIT: st.tuples(
        st.sampled_from("HM"), st.one_of(_digits(8), _digits(10))).map("".join),
    DocumentType.TW_TRAVEL_PERMIT: st.one_of(_digits(8), _digits(10)),
    DocumentType.PASSPORT: st.from_regex(r"[A-Z0-9]{5,17}", fullmatch=True),
}


def _accepted(doc_type: DocumentType):
    def check(number: str) -> bool:
        try:
            parse_document(doc_type, number, "CHN")
        except ValueError:
            return False
        return True
    return check


for _doc_type, _strategy in NUMBERS.items():
    schemathesis.openapi.format(document_number_format(_doc_type),
                                _strategy.filter(_accepted(_doc_type)))


BOOKING_PATHS = ("/api/v1/appointments", "/api/v1/groups")
FUZZ_DAY_SLOTS = ("AM", "MID", "PM")  # the demo's slotted day (schemathesis.toml)
SLOT_FIELD = BookingRequestSchema().fields["slot"]


@schemathesis.hook("map_body")
def name_a_slot(ctx, body):
    """A booking of the fuzzed venue-day names one of its slots: without one, or with
    another valid text, the service answers slot_required or unknown_slot, rules of that
    day that only the database knows. Only a slot the document allows is replaced (by AM),
    so a body the document forbids stays forbidden."""
    if ctx.operation.path not in BOOKING_PATHS or not isinstance(body, dict) \
            or body.get("slot") in FUZZ_DAY_SLOTS:
        return body
    try:
        SLOT_FIELD.deserialize(body.get("slot"))
    except ValidationError:
        return body
    return {**body, "slot": "AM"}


@schemathesis.hook("filter_body")
def each_document_once(ctx, body):
    """A delegation naming one document twice is not sent: the service refuses it
    (invalid_members), as the document's description of ``members`` says."""
    if ctx.operation.path != "/api/v1/groups" or not isinstance(body, dict) \
            or not isinstance(body.get("members"), list):
        return True
    keys = [_document_key(member) for member in body["members"]]
    known = [key for key in keys if key is not None]
    return len(known) == len(set(known))


def _document_key(member) -> str | None:
    document = member.get("document") if isinstance(member, dict) else None
    if not isinstance(document, dict):
        return None
    try:
        return parse_document(document.get("type"), document.get("number"),
                              document.get("country")).key
    except (ValueError, TypeError, AttributeError):  # DocumentError is a ValueError
        return None


QUEUE_PATH = "/api/v1/queue/{venue}/{date}"
ALTCHA_FIELD = QueueJoinRequestSchema().fields["altcha"]


@schemathesis.hook("map_body")
def solve_proof_of_work(ctx, body):
    """A queue join carries a proof of work solved for it: a fresh challenge from
    GET /api/v1/pow/challenge, solved as a client does (altcha; each solution counts once).
    Only an ``altcha`` the document allows is replaced, so a body it forbids stays
    forbidden."""
    if ctx.operation.path != QUEUE_PATH or ctx.operation.method.upper() != "POST" \
            or not isinstance(body, dict):
        return body
    try:
        ALTCHA_FIELD.deserialize(body.get("altcha"))
    except ValidationError:
        return body
    url = os.environ["FAIRGATE_FUZZ_BASE_URL"] + "/api/v1/pow/challenge"
    with urllib.request.urlopen(url, timeout=30) as response:
        return {**body, "altcha": proof_of_work.solve(json.load(response))}


# Organisations: a unified social credit code of the format the document names (its checks,
# gate/uscc.py, are more than a pattern), and the rules between fields that the service
# checks (a mainland organisation gives a USCC, another a registration number; an exhibitor
# a stand at a seeded venue, other kinds none). One organisation per USCC: each mainland
# registration gets a fresh valid code, so repeated examples are new organisations, not 409.
ORGANISATIONS_PATH = "/api/v1/organisations"
ORGANISATION_FIELDS = OrganisationRequestSchema().fields
STAND_SCHEMA = StandInputSchema()
FUZZ_STAND = {"venue": "CNCC", "hall": "A1", "area_m2": 9}
USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def fresh_uscc() -> str:
    """A valid code of an enterprise (91) of Beijing Chaoyang, random organisation code."""
    body = "".join(secrets.choice(USCC_BODY) for _ in range(8))
    head = "91110105" + body + organisation_check_character(body)
    return head + check_character(head)


def _uscc_strategy():
    prefix = st.sampled_from(["91", "92", "93", "11", "12", "51", "52", "53", "Y1"])
    division = st.sampled_from(["110105", "310115", "440300", "350100", "100000"])
    body = st.text(USCC_BODY, min_size=8, max_size=8)

    def build(parts) -> str:
        head = parts[0] + parts[1] + parts[2] + organisation_check_character(parts[2])
        return head + check_character(head)
    return st.tuples(prefix, division, body).map(build)


schemathesis.openapi.format(USCC_FORMAT, _uscc_strategy())


def _allowed(field, value) -> bool:
    try:
        field.deserialize(value)
    except ValidationError:
        return False
    return True


def _valid_stand(value) -> bool:
    try:
        STAND_SCHEMA.load(value)
    except ValidationError:
        return False
    return True


@schemathesis.hook("map_body")
def consistent_organisation(ctx, body):
    """Only values the document allows (and valid codes) are replaced, so a body it
    forbids stays forbidden, and a code failing its checks stays and is refused."""
    if ctx.operation.path != ORGANISATIONS_PATH or not isinstance(body, dict):
        return body
    body = dict(body)
    country, kind, uscc = body.get("country"), body.get("kind"), body.get("uscc")
    if country == "CHN":
        if uscc is None or (isinstance(uscc, str) and is_valid_uscc(uscc)):
            body["uscc"] = fresh_uscc()
    elif isinstance(country, str):
        if uscc is None or (isinstance(uscc, str) and is_valid_uscc(uscc)):
            body.pop("uscc", None)
        if body.get("registration_number") is None:
            body["registration_number"] = "HRB 12345"
    stand = body.get("stand")
    if kind == "exhibitor":
        if stand is None:
            body["stand"] = dict(FUZZ_STAND)
        elif isinstance(stand, dict) and _allowed(STAND_SCHEMA.fields["venue"],
                                                  stand.get("venue")):
            body["stand"] = {**stand, "venue": "CNCC"}
    elif isinstance(kind, str) and _valid_stand(stand):
        body.pop("stand")
    return body

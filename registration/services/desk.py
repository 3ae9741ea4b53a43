"""The walk-in desk: identify a visitor from a card reader, an MRZ or a typed number, then
find their booking for today or book one (walk-in reserve first, as online booking does).

Between the two steps (the card was read, the name and consent come next) the document
travels in the form as a *ticket*: the vault's AEAD ciphertext with an expiry, never as
the plain number.
"""
from __future__ import annotations

import binascii
import re
import time as clock
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from gate.card_reader import FIELD_SEPARATORS, parse_reader_record
from gate.documents import Document, DocumentError, parse_document
from gate.i18n import Text
from gate.mrz import parse_mrz
from gate.vocabulary import b64url_decode, b64url_encode
from registration.extensions import db
from registration.models import Appointment, Channel, FairDay, TimeSlot, Venue
from registration.services import booking
from registration.services.calendar import venue_now, venue_today
from registration.services.errors import Conflict, InvalidInput, NotFound, invalid_field
from registration.services.identity import vault

TICKET_SECONDS = 15 * 60
TICKET_PURPOSE = "desk-ticket"
AUTO = "auto"

NOTHING_READ = Text("请读取身份证、粘贴机读区或输入证件号码",
                    "Read the ID card, paste the machine-readable zone or type the number")
TICKET_EXPIRED = Text("读卡信息已过期，请重新读取证件",
                      "The card reading has expired; please read the card again")
NAME_REQUIRED = Text("请输入证件上的姓名", "Enter the name as on the document")
CONSENT_REQUIRED = Text("请向访客宣读告知内容，并确认其已同意",
                        "Read the notice to the visitor and confirm they agreed")
NO_FAIR_DAY = Text("本场馆今天不开放", "This venue is not open today")
NO_SLOT_LEFT = Text("今天已没有可用的入场时段", "No entry time slot with places is left today")


@dataclass(frozen=True)
class Identified:
    """A validated document read at the desk, and the name the reader gave, if any."""

    document: Document
    name: str | None
    source: str  # reader / mrz / typed / ticket


def _invalid(field: str, err: DocumentError) -> InvalidInput:
    return InvalidInput(f"invalid_document_{err.code}", err.message, {field: err.message})


def identify(*, line: str | None = None, mrz: str | None = None, document_type: str = AUTO,
             country: str | None = None, ticket: str | None = None,
             venue_code: str = "", today: date | None = None) -> Identified:
    """The document from (in this order) a pasted MRZ, the reader / typed line, a ticket."""
    line, mrz = (line or "").strip(), (mrz or "").strip()
    try:
        if mrz:
            record = parse_mrz(mrz, today=today)
            name = ", ".join(part for part in (record.surname, record.given_names) if part)
            return Identified(record.to_document(), name or None, "mrz")
        if line and document_type not in ("", AUTO):
            return Identified(parse_document(document_type, line, country, today=today),
                              None, "typed")
        if line:
            return Identified(parse_reader_record(line, today=today), _reader_name(line),
                              "reader")
    except DocumentError as err:
        raise _invalid("mrz" if mrz else "line", err) from None
    if ticket:
        return Identified(open_ticket(ticket, venue_code), None, "ticket")
    raise invalid_field("line", NOTHING_READ, "nothing_read")


def _reader_name(line: str) -> str | None:
    """The name field of a delimited reader record (``name|sex|nation|...``), if any."""
    fields = [f.strip() for f in FIELD_SEPARATORS.split(line) if f.strip()]
    if len(fields) > 1 and not re.search(r"\d", fields[0]):
        return fields[0][:100]
    return None


def make_ticket(document: Document, venue_code: str, *, now: float | None = None) -> str:
    payload = {"type": document.type.value, "number": document.number,
               "country": document.country, "venue": venue_code,
               "exp": int((now or clock.time()) + TICKET_SECONDS)}
    blob = vault().encrypt(payload, purpose=TICKET_PURPOSE)
    return b64url_encode(blob)


def open_ticket(ticket: str, venue_code: str, *, now: float | None = None) -> Document:
    try:
        blob = b64url_decode(ticket)
        payload = vault().decrypt(blob, purpose=TICKET_PURPOSE)
    except (ValueError, binascii.Error):
        raise invalid_field("line", TICKET_EXPIRED, "ticket_invalid") from None
    if payload.get("venue") != venue_code or payload.get("exp", 0) < (now or clock.time()):
        raise invalid_field("line", TICKET_EXPIRED, "ticket_expired")
    return parse_document(payload["type"], payload["number"], payload.get("country"))


def today_at(venue: Venue, now: datetime | None = None) -> FairDay:
    """The venue's fair day today (venue-local), or 404."""
    fair_day = db.session.scalar(select(FairDay).where(
        FairDay.venue_id == venue.id, FairDay.date == venue_today(venue, now)))
    if fair_day is None:
        raise NotFound("day_not_found", NO_FAIR_DAY)
    return fair_day


def walk_in_places(fair_day: FairDay) -> dict:
    """What the desk shows: places a walk-in can still take, and the reserve's part."""
    reserve_left = max(fair_day.walk_in_reserve - fair_day.walk_in_booked, 0)
    return {"remaining": fair_day.remaining, "reserve": fair_day.walk_in_reserve,
            "reserve_left": reserve_left, "walk_in_booked": fair_day.walk_in_booked,
            "quota": fair_day.quota, "booked": fair_day.booked}


def default_slot(fair_day: FairDay, now: datetime | None = None) -> TimeSlot | None:
    """The slot a walk-in enters in: the current one, else the next, with places left."""
    if not fair_day.slots:
        return None
    moment = venue_now(fair_day.venue, now).time()
    for slot in fair_day.slots:
        if slot.ends > moment and slot.remaining > 0:
            return slot
    return None


def find_existing(identified: Identified, venue: Venue, *, now: datetime | None = None
                  ) -> Appointment | None:
    """Today's active appointment of this document at this venue; 409 when the visitor
    booked today at another venue (one appointment per document per day). The desk sees
    details (the confirmation code above all, which with the card cancels at /my) only of
    its own venue's appointments: of another venue's, only the venue and the day."""
    existing = booking.find_active_appointment(identified.document, venue_today(venue, now))
    if existing is None:
        return None
    if existing.fair_day.venue_id != venue.id:
        other, day = existing.fair_day.venue, existing.day
        message = Text(f"该访客已预约{day.month}月{day.day}日在{other.name_zh}入场，不能在此重复预约",
                       f"This visitor has an appointment at {other.name_en} on "
                       f"{day.isoformat()} and cannot book here too")
        raise Conflict("booked_elsewhere", message, {"line": message})
    return existing


def book_walk_in(identified: Identified, venue: Venue, *, name: str | None, consent: bool,
                 slot_code: str | None = None, now: datetime | None = None) -> Appointment:
    """Book a walk-in today (walk-in reserve first) for a visitor :func:`find_existing`
    did not find; ``name`` as the desk action normalised it (None: not given yet). Without
    a name or consent: 422 ``details_required``, so the desk asks. The caller commits."""
    fair_day = today_at(venue, now)
    fields = {}
    if not name:
        fields["name"] = NAME_REQUIRED
    if not consent:
        fields["consent"] = CONSENT_REQUIRED
    if fields:
        raise InvalidInput("details_required", next(iter(fields.values())), fields)
    if fair_day.slots and not slot_code:
        slot = default_slot(fair_day, now)
        if slot is None:
            raise Conflict("quota_full", NO_SLOT_LEFT, {"slot": NO_SLOT_LEFT})
        slot_code = slot.code
    request = booking.BookingRequest(
        venue=venue.code, day=fair_day.date, slot=slot_code or None,
        visitor=booking.Visitor(document=identified.document, name=name, lang="zh"),
        consent=True, consent_version=current_app.config["DESK_CONSENT_VERSION"],
        channel=Channel.WALK_IN)
    return booking.book_appointment(request, now=now)

"""The waiting list of a full venue-day: join, withdraw, offers of freed places, accept,
expiry. See docs/waiting-list.md.

A held place never leaves the quota counters: when an appointment of a day with people
waiting is cancelled, its place stays counted in ``fair_days.booked`` (and its slot's) and
becomes the offer of the first in line. Accepting books that place without taking another
(so the counters, whose CHECKs keep ``booked <= quota``, never move); an offer that runs
out passes the same place to the next; with nobody left it is released to the day with
booking's own counter function. Every change of a line starts by locking its day's
counter row (:func:`lock_day`), the row cancel and booking write too, so on PostgreSQL and
SQLite alike a cancellation, a join and an expiry of one day take their turns. Each state
change of an entry is a conditional UPDATE on its current state: of two accepts, or an
accept and an expiry, exactly one wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from gate.documents import Document, parse_document
from gate.i18n import Text
from gate.masking import mask_document, mask_name
from registration.extensions import db
from registration.models import (
    Appointment, Channel, FairDay, ManifestChange, WaitlistEntry, WaitlistStatus,
)
from registration.services import booking, manifest, passes
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, InvalidInput, NotFound
from registration.services.identity import vault
from registration.services.link_tokens import new_token, token_hash
from registration.services.venues import day_status, get_fair_day

NOT_FULL = Text("该日尚有名额，请直接预约", "This day still has places: book it directly")
NOT_OPEN = Text("该日不接受候补", "This day takes no waiting list")
ALREADY_WAITING = Text("该证件已在当日候补名单中",
                       "This document is already on that day's waiting list")
ENTRY_NOT_FOUND = Text("找不到与候补编号和证件号码相符的登记",
                       "No waiting-list entry matches this reference and document number")
NOT_WAITING = Text("该候补登记已结束", "This waiting-list entry is closed")
OFFER_NOT_FOUND = Text("找不到该名额邀请", "This offer does not exist")
OFFER_GONE = Text("该名额邀请已失效（已过期、已使用或已放弃）",
                  "This offer is no longer valid (expired, used or declined)")
EMAIL_REQUIRED = Text("候补需要电子邮箱，以便通知您空出的名额",
                      "The waiting list needs an email address to offer you a freed place")


@dataclass(frozen=True)
class HeldPlace:
    """A place of a day (and slot) counted in the quota counters but nobody's appointment:
    shaped like what ``booking.release_places`` reads of an appointment."""

    fair_day_id: int
    slot_id: int | None
    channel: Channel = Channel.ONLINE


@dataclass(frozen=True)
class Offer:
    """An offer just made; ``token`` is the link's secret (only its hash is stored)."""

    entry: WaitlistEntry
    token: str


@dataclass(frozen=True)
class Expiry:
    """An offer that ran out: its place went to ``passed_to``, or back to the day."""

    entry: WaitlistEntry
    passed_to: Offer | None


def offer_lifetime() -> timedelta:
    return timedelta(hours=float(current_app.config["WAITLIST_OFFER_HOURS"]))


def lock_day(fair_day_id: int) -> None:
    """Take the day's counter row lock for the rest of the transaction (a no-op UPDATE: a
    row lock on PostgreSQL, the write lock on SQLite), so the line's changes serialise with
    each other and with cancellations of the day."""
    table = FairDay.__table__
    db.session.execute(update(table).where(table.c.id == fair_day_id)
                       .values(booked=table.c.booked))


# -- joining and leaving ---------------------------------------------------------------

def join(venue_code: str, day: date, visitor: booking.Visitor, *, consent: bool,
         consent_version: str, now: datetime | None = None) -> WaitlistEntry:
    """Put the visitor at the end of a full day's line (caller commits).

    Refused: without consent or an email address (422); when the day still has places
    (409 ``places_available``), is not bookable (422 ``day_not_open``), the document has an
    active appointment that day (409 ``already_booked``), holds a credential for it (409
    ``holds_credential``) or is on its line (409 ``already_waiting``)."""
    if not consent:
        raise InvalidInput("consent_required", booking.CONSENT_REQUIRED,
                           {"consent": booking.CONSENT_REQUIRED})
    if not visitor.email:
        raise InvalidInput("email_required", EMAIL_REQUIRED, {"email": EMAIL_REQUIRED})
    fair_day = get_fair_day(venue_code, day)
    _refuse_unless_full(fair_day, now)  # before the lock: a rush's hot row is not taken
    lock_day(fair_day.id)
    for counted in (fair_day, *fair_day.slots):  # the counters as of the lock
        db.session.refresh(counted)
    _refuse_unless_full(fair_day, now)
    document = visitor.document
    booking.refuse_credential_holder(document, day)
    if booking.find_active_appointment(document, day) is not None:
        raise Conflict("already_booked", booking.ALREADY_BOOKED,
                       {"document.number": booking.ALREADY_BOOKED})
    entry = _new_entry(fair_day, visitor, consent_version, now)
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:  # the partial unique index: one active entry per document-day
        raise Conflict("already_waiting", ALREADY_WAITING,
                       {"document.number": ALREADY_WAITING}) from None
    return entry


def _refuse_unless_full(fair_day: FairDay, now: datetime | None) -> None:
    status = day_status(fair_day, now)
    if status in ("past", "closed"):
        raise InvalidInput("day_not_open", NOT_OPEN, {"date": NOT_OPEN})
    if status != "full":
        raise Conflict("places_available", NOT_FULL, {"date": NOT_FULL})


def _new_entry(fair_day: FairDay, visitor: booking.Visitor, consent_version: str,
               now: datetime | None) -> WaitlistEntry:
    keys = vault()
    contact = {k: v for k, v in (("phone", visitor.phone), ("email", visitor.email)) if v}
    return WaitlistEntry(
        code=booking.new_confirmation_code(), fair_day=fair_day, day=fair_day.date,
        status=WaitlistStatus.WAITING, document_type=visitor.document.type.value,
        document_index=keys.blind_index(visitor.document),
        document_ciphertext=keys.encrypt_document(visitor.document),
        document_masked=mask_document(visitor.document.number),
        name_ciphertext=keys.encrypt(visitor.name, purpose="name"),
        name_masked=mask_name(visitor.name),
        contact_ciphertext=keys.encrypt(contact, purpose="contact"),
        lang=visitor.lang, consent_version=consent_version, joined_at=now or utc_now())


def find_by_code_and_document(code: str, document_number: str) -> WaitlistEntry:
    """The entry with this reference whose document number matches, or 404 (the same
    answer for a wrong reference and a wrong number)."""
    entry = db.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.code == (code or "").strip().upper()))
    if entry is None or entry.document_ciphertext is None:
        raise NotFound("waitlist_entry_not_found", ENTRY_NOT_FOUND)
    stored = vault().decrypt_document(entry.document_ciphertext)
    if booking.canonical_number(stored, document_number) != stored["number"].encode():
        raise NotFound("waitlist_entry_not_found", ENTRY_NOT_FOUND)
    return entry


def withdraw(entry: WaitlistEntry, *, now: datetime | None = None) -> Offer | None:
    """Leave the line (or decline the offer): an offered place passes to the next in line,
    or back to the day; returns the new offer, if any. 409 when the entry is closed."""
    lock_day(entry.fair_day_id)
    now = now or utc_now()
    table = WaitlistEntry.__table__
    was_offered = entry.status is WaitlistStatus.OFFERED
    result = db.session.execute(
        update(table).where(table.c.id == entry.id, table.c.closed_at.is_(None),
                            table.c.status.in_(["waiting", "offered"]))
        .values(status="withdrawn", closed_at=now))
    if result.rowcount != 1:
        raise Conflict("waitlist_closed", NOT_WAITING)
    db.session.refresh(entry)
    if not was_offered:
        return None
    return pass_on(HeldPlace(entry.fair_day_id, entry.held_slot_id), now=now)


# -- offers ----------------------------------------------------------------------------

def hold_freed_place(appointment: Appointment, *, now: datetime | None = None) -> Offer | None:
    """At a cancellation: when someone waits for the appointment's day, keep its place
    (day and slot) for the first in line and return their offer; None: release it. A
    walk-in's place goes back to the desk's reserve, never to the line."""
    if appointment.channel is Channel.WALK_IN:
        return None
    lock_day(appointment.fair_day_id)
    return offer_next(HeldPlace(appointment.fair_day_id, appointment.slot_id), now=now)


def offer_next(place: HeldPlace, *, now: datetime | None = None) -> Offer | None:
    """Offer a held place to the first waiting entry of its day (the caller holds the day's
    lock); None when nobody waits."""
    now = now or utc_now()
    table = WaitlistEntry.__table__
    head = db.session.scalar(
        select(WaitlistEntry).where(WaitlistEntry.fair_day_id == place.fair_day_id,
                                    WaitlistEntry.status == WaitlistStatus.WAITING)
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id).limit(1))
    if head is None:
        return None
    token = new_token()
    result = db.session.execute(
        update(table).where(table.c.id == head.id, table.c.status == "waiting")
        .values(status="offered", offer_token_hash=token_hash(token), offered_at=now,
                offer_expires_at=now + offer_lifetime(), held_slot_id=place.slot_id))
    if result.rowcount != 1:  # cannot happen under the day's lock; never hold it twice
        return None
    db.session.refresh(head)
    return Offer(head, token)


def pass_on(place: HeldPlace, *, now: datetime | None = None) -> Offer | None:
    """A held place nobody took: to the next in line, else back to the day's counters."""
    offer = offer_next(place, now=now)
    if offer is None:
        booking.release_places(place)
    return offer


def find_offer(token: str) -> WaitlistEntry:
    """The entry a link's token names (in any state), or 404."""
    entry = db.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.offer_token_hash == token_hash(token)))
    if entry is None:
        raise NotFound("offer_not_found", OFFER_NOT_FOUND)
    return entry


def offer_is_open(entry: WaitlistEntry, now: datetime | None = None) -> bool:
    return (entry.status is WaitlistStatus.OFFERED and entry.closed_at is None
            and entry.offer_expires_at > (now or utc_now()))


def accept(entry: WaitlistEntry, *, now: datetime | None = None) -> Appointment:
    """Book the held place for the offer's holder (caller commits): no quota is taken,
    the place is already counted. 409 ``offer_gone`` when the offer expired, was used or
    declined meanwhile; 409 ``already_booked`` when the document booked that day since."""
    now = now or utc_now()
    table = WaitlistEntry.__table__
    # The claim: one conditional UPDATE; a second accept or an expiry waits for its row
    # lock and then finds the entry claimed.
    claimed = db.session.execute(
        update(table).where(table.c.id == entry.id, table.c.status == "offered",
                            table.c.closed_at.is_(None), table.c.offer_expires_at > now)
        .values(closed_at=now))
    if claimed.rowcount != 1:
        raise Conflict("offer_gone", OFFER_GONE)
    db.session.refresh(entry)
    document = _stored_document(entry)
    booking.refuse_credential_holder(document, entry.day)
    if booking.find_active_appointment(document, entry.day) is not None:
        raise Conflict("already_booked", booking.ALREADY_BOOKED)
    appointment = _held_appointment(entry, document, now)
    db.session.add(appointment)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("already_booked", booking.ALREADY_BOOKED) from None
    passes.issue_pass(appointment, document)
    entry.status, entry.appointment = WaitlistStatus.BOOKED, appointment
    db.session.flush()
    manifest.record_change(appointment, ManifestChange.BOOKED, now=now)
    return appointment


def _stored_document(entry: WaitlistEntry) -> Document:
    stored = vault().decrypt_document(entry.document_ciphertext)
    return parse_document(stored["type"], stored["number"], stored.get("country"))


def _held_appointment(entry: WaitlistEntry, document: Document,
                      now: datetime) -> Appointment:
    keys = vault()
    contact = keys.decrypt(entry.contact_ciphertext, purpose="contact") \
        if entry.contact_ciphertext else {}
    request = booking.BookingRequest(
        venue=entry.fair_day.venue.code, day=entry.day, slot=None,
        visitor=booking.Visitor(document=document,
                                name=keys.decrypt(entry.name_ciphertext, purpose="name"),
                                phone=contact.get("phone"), email=contact.get("email"),
                                lang=entry.lang),
        consent=True, consent_version=entry.consent_version)
    values = booking.appointment_values(request, entry.fair_day, entry.held_slot, None, now)
    return Appointment(**values)


def offer_email(entry: WaitlistEntry) -> str | None:
    return _contact(entry).get("email")


def offer_phone(entry: WaitlistEntry) -> str | None:
    return _contact(entry).get("phone")


def _contact(entry: WaitlistEntry) -> dict:
    if entry.contact_ciphertext is None:
        return {}
    return vault().decrypt(entry.contact_ciphertext, purpose="contact")


# -- expiry ----------------------------------------------------------------------------

def expire_due(*, fair_day_id: int | None = None, now: datetime | None = None
               ) -> list[Expiry]:
    """Every offer past its time (of one day, or all): closed, its place passed on."""
    now = now or utc_now()
    query = select(WaitlistEntry.id, WaitlistEntry.fair_day_id).where(
        WaitlistEntry.status == WaitlistStatus.OFFERED,
        WaitlistEntry.offer_expires_at <= now)
    if fair_day_id is not None:
        query = query.where(WaitlistEntry.fair_day_id == fair_day_id)
    due = db.session.execute(query.order_by(WaitlistEntry.offer_expires_at)).all()
    expired = []
    table = WaitlistEntry.__table__
    for entry_id, day_id in due:
        lock_day(day_id)
        result = db.session.execute(
            update(table).where(table.c.id == entry_id, table.c.status == "offered",
                                table.c.closed_at.is_(None), table.c.offer_expires_at <= now)
            .values(status="expired", closed_at=now))
        if result.rowcount != 1:
            continue  # accepted or handled by another process meanwhile
        entry = db.session.get(WaitlistEntry, entry_id)
        db.session.refresh(entry)
        expired.append(Expiry(entry, pass_on(HeldPlace(day_id, entry.held_slot_id), now=now)))
    return expired


def has_due_offers(fair_day_id: int, now: datetime | None = None) -> bool:
    """Whether an offer of the day ran out (a cheap read before the lazy expiry writes)."""
    return db.session.scalar(select(WaitlistEntry.id).where(
        WaitlistEntry.fair_day_id == fair_day_id,
        WaitlistEntry.status == WaitlistStatus.OFFERED,
        WaitlistEntry.offer_expires_at <= (now or utc_now())).limit(1)) is not None


# -- for operators ---------------------------------------------------------------------

def line_counts(fair_day_ids: list[int], session=None) -> dict[int, dict[str, int]]:
    """``{fair_day_id: {"waiting": n, "offered": m}}`` for the given days (``session``: a
    read replica's, for dashboards)."""
    counts = {day_id: {"waiting": 0, "offered": 0} for day_id in fair_day_ids}
    if not fair_day_ids:
        return counts
    rows = (session or db.session).execute(
        select(WaitlistEntry.fair_day_id, WaitlistEntry.status, func.count())
        .where(WaitlistEntry.fair_day_id.in_(fair_day_ids),
               WaitlistEntry.status.in_([WaitlistStatus.WAITING, WaitlistStatus.OFFERED]))
        .group_by(WaitlistEntry.fair_day_id, WaitlistEntry.status))
    for day_id, status, count in rows:
        counts[day_id][status.value] = count
    return counts


def list_entries(venue_code: str, day: date) -> list[WaitlistEntry]:
    """A day's entries in arrival order (masked forms only are shown)."""
    fair_day = get_fair_day(venue_code, day)
    return list(db.session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.fair_day_id == fair_day.id)
        .options(selectinload(WaitlistEntry.held_slot))
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)))


def people_ahead(entry: WaitlistEntry) -> int | None:
    """How many wait before this entry (None once it is no longer waiting)."""
    if entry.status is not WaitlistStatus.WAITING:
        return None
    return db.session.scalar(select(func.count()).select_from(WaitlistEntry).where(
        WaitlistEntry.fair_day_id == entry.fair_day_id,
        WaitlistEntry.status == WaitlistStatus.WAITING,
        (WaitlistEntry.joined_at < entry.joined_at)
        | ((WaitlistEntry.joined_at == entry.joined_at) & (WaitlistEntry.id < entry.id))))

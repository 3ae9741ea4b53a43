"""Credentials: create (pending), approve, reject, revoke; look-ups (docs/credentials.md).

An approved credential of a kind with a gate pass gets ONE carrier appointment (channel
``credential``) at its first covered venue-day and ONE pass of the credential's kind,
valid from that day for every day up to ``last_day`` (the token's day count), at its
venue or, with no venue, at every venue (``*``). The pass's manifest entries are written
for every venue-day it covers (services/manifest.py), so each of those days' kiosks know
it and its revocation. A professional visitor's carrier takes a place of the day's
professional share; multi-day kinds take no place of any day. Online credentials have no
pass. Identity data is kept like an appointment's: ciphertext, blind index, masks.
The caller commits.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from gate.documents import Document, DocumentError, parse_document
from gate.i18n import Text
from gate.kinds import KINDS, MULTI_DAY_KINDS
from gate.masking import mask_document, mask_name
from gate.passes import ALL_VENUES, PassKind
from gate.rules import DEFAULT_TIMEZONE
from registration.extensions import db
from registration.models import (
    Appointment, AppointmentStatus, Channel, Credential, CredentialStatus, FairDay,
    ManifestChange, Organisation, Pass, RevocationCause, Venue,
)
from registration.services import credential_days, manifest, passes, places
from registration.services.booking import new_confirmation_code
from registration.services.calendar import utc_now, venue_today
from registration.services.errors import Conflict, NotFound, invalid_field
from registration.services.identity import vault

NOT_FOUND = Text("找不到与编号和证件号码相符的证件",
                 "No credential matches this code and document number")
NO_KIND = Text("没有这种证件类型", "Unknown credential kind")
DAYS_ORDER = Text("结束日期不能早于开始日期", "The last day cannot be before the first day")
NO_FAIR_DAY = Text("所选日期没有展会日", "There is no fair day in the chosen dates")
UNKNOWN_VENUE = Text("没有这个场馆", "Unknown venue")
VENUE_REQUIRED = Text("请选择场馆", "Choose a venue")
PAST_DAY = Text("该日期已过", "That day is in the past")
DAY_NOT_OPEN = Text("该场馆当日不开放预约", "This day is not open for booking")
PROFESSIONAL_FULL = Text("该日专业观众名额已满", "The professional visitors' places of this day are taken")
NOT_PENDING = Text("该证件不在待审核状态", "This credential is not waiting for a decision")
NOT_ACTIVE = Text("该证件已被拒绝或撤销", "This credential is rejected or revoked already")
REASON_REQUIRED = Text("请填写拒绝理由", "Give the reason for the rejection")


def exists_message(kind: PassKind) -> Text:
    name = KINDS[PassKind(kind)].name
    return Text(f"该证件已有有效的{name.zh}证件",
                f"This document already holds a credential: {name.en.lower()}")


def booking_exists_message(day: date) -> Text:
    return Text(f"该证件在 {day.isoformat()} 已有预约，请先取消",
                f"This document has an appointment on {day.isoformat()}: cancel it first")


@dataclass(frozen=True)
class CredentialInput:
    """A credential as the actions normalised it. ``venue``: a venue code, or None for
    every venue (media, guests, staff); professional visitors name one."""

    kind: PassKind
    document: Document
    name: str
    lang: str
    consent_version: str
    first_day: date
    last_day: date
    venue: str | None
    phone: str | None = None
    email: str | None = None
    name_latin: str | None = None
    organisation_name: str | None = None
    title: str | None = None
    press_card: str | None = None


def _venue(code: str | None) -> Venue | None:
    if code is None:
        return None
    venue = db.session.scalar(select(Venue).where(Venue.code == code.strip().upper()))
    if venue is None:
        raise invalid_field("venue", UNKNOWN_VENUE, "unknown_venue")
    return venue


def _check_days(kind: PassKind, venue: Venue | None, first: date, last: date,
                now: datetime | None) -> None:
    if last < first:
        raise invalid_field("date", DAYS_ORDER, "invalid_days")
    if kind is PassKind.online:
        return
    if kind is PassKind.professional:
        if venue is None:
            raise invalid_field("venue", VENUE_REQUIRED, "venue_required")
        if first != last:
            raise invalid_field("date", DAYS_ORDER, "invalid_days")
        fair_day = db.session.scalar(select(FairDay).where(FairDay.venue_id == venue.id,
                                                           FairDay.date == first))
        if fair_day is not None and first < venue_today(venue, now):
            raise invalid_field("date", PAST_DAY, "past_day")
        if fair_day is None or not fair_day.booking_open or fair_day.quota == 0:
            raise invalid_field("date", DAY_NOT_OPEN, "day_not_open")
        return
    if not credential_days.covered_days(venue and venue.id, first, last):
        raise invalid_field("date", NO_FAIR_DAY, "no_fair_day")


def _check_collisions(kind: PassKind, index: str, first: date, last: date) -> None:
    """409 when the document holds a credential this one would collide with, or (for kinds
    with a gate pass) an appointment on one of its days."""
    active = (CredentialStatus.PENDING, CredentialStatus.APPROVED)
    query = select(Credential).where(Credential.document_index == index,
                                     Credential.status.in_(active))
    overlapping = and_(Credential.first_day <= last, Credential.last_day >= first)
    if kind is PassKind.online:
        query = query.where(Credential.kind.in_(sorted(MULTI_DAY_KINDS)))
    elif kind in MULTI_DAY_KINDS:  # and a professional visitor's day within its days
        query = query.where(or_(Credential.kind.in_(sorted(MULTI_DAY_KINDS)),
                                and_(Credential.kind == PassKind.professional, overlapping)))
    else:  # one day: another credential of that day, whatever its kind
        query = query.where(Credential.first_day <= last, Credential.last_day >= first,
                            Credential.kind != PassKind.online)
    other = db.session.scalars(query.order_by(Credential.id).limit(1)).first()
    if other is not None:
        message = exists_message(other.kind)
        raise Conflict("credential_exists", message, {"document.number": message},
                       kind=other.kind.value)
    if kind is not PassKind.online:
        _check_no_booking(index, first, last)


def _check_no_booking(index: str, first: date, last: date) -> None:
    """409 when the document has an active appointment (a public booking, or another
    credential's carrier) from ``first`` to ``last``."""
    booked = db.session.scalar(
        select(Appointment.day).where(
            Appointment.document_index == index, Appointment.status == AppointmentStatus.ACTIVE,
            Appointment.day >= first, Appointment.day <= last)
        .order_by(Appointment.day).limit(1))
    if booked is not None:
        message = booking_exists_message(booked)
        raise Conflict("public_booking_exists", message, {"document.number": message})


def create_credential(data: CredentialInput, *, organisation: Organisation | None = None,
                      issued_by: str = "self", now: datetime | None = None) -> Credential:
    """A new pending credential (approve it with :func:`approve_credential`)."""
    now = now or utc_now()
    try:
        kind = PassKind(data.kind)
    except ValueError:
        raise invalid_field("kind", NO_KIND, "invalid_kind") from None
    if kind is PassKind.visitor:
        raise invalid_field("kind", NO_KIND, "invalid_kind")
    venue = _venue(data.venue)
    _check_days(kind, venue, data.first_day, data.last_day, now)
    keys = vault()
    index = keys.blind_index(data.document)
    _check_collisions(kind, index, data.first_day, data.last_day)
    contact = {key: value for key, value in (
        ("phone", data.phone), ("email", data.email), ("name_latin", data.name_latin),
        ("press_card", data.press_card)) if value}
    credential = Credential(
        code=new_confirmation_code(), kind=kind, status=CredentialStatus.PENDING,
        organisation_id=organisation.id if organisation is not None else None,
        venue_id=venue.id if venue is not None else None,
        first_day=data.first_day, last_day=data.last_day,
        document_type=data.document.type.value, document_index=index,
        document_ciphertext=keys.encrypt_document(data.document),
        document_masked=mask_document(data.document.number),
        name_ciphertext=keys.encrypt(data.name, purpose="name"), name_masked=mask_name(data.name),
        contact_ciphertext=keys.encrypt(contact, purpose="contact") if contact else None,
        lang=data.lang if data.lang in ("zh", "en") else "zh",
        organisation_name=data.organisation_name, title=data.title,
        press_card_masked=mask_document(data.press_card) if data.press_card else None,
        consent_version=data.consent_version, consented_at=now, created_at=now,
        issued_by=issued_by)
    try:
        with db.session.begin_nested():  # a concurrent twin hits the partial unique index
            db.session.add(credential)
            db.session.flush()
    except IntegrityError:
        message = exists_message(kind)
        raise Conflict("credential_exists", message, {"document.number": message},
                       kind=kind.value) from None
    return credential


def fair_days_of(credential: Credential) -> list[FairDay]:
    """Every venue-day the credential covers, by date then venue (none for online)."""
    if credential.kind is PassKind.online:
        return []
    return credential_days.covered_days(credential.venue_id, credential.first_day,
                                        credential.last_day)


def stored_document(credential: Credential) -> Document:
    if credential.document_ciphertext is None:
        raise NotFound("credential_not_found", NOT_FOUND)
    stored = vault().decrypt_document(credential.document_ciphertext)
    return parse_document(stored["type"], stored["number"], stored.get("country"))


def stored_name(credential: Credential) -> str | None:
    if credential.name_ciphertext is None:
        return None
    return vault().decrypt(credential.name_ciphertext, purpose="name")


def stored_contact(credential: Credential) -> dict:
    """``{phone, email, name_latin, press_card}`` as given (absent keys: not given)."""
    if credential.contact_ciphertext is None:
        return {}
    return vault().decrypt(credential.contact_ciphertext, purpose="contact")


def approve_credential(credential: Credential, *, decided_by: str,
                       now: datetime | None = None) -> Pass | None:
    """Approve a pending credential and issue its pass (None: online, no pass)."""
    if credential.status is not CredentialStatus.PENDING:
        raise Conflict("not_pending", NOT_PENDING)
    now = now or utc_now()
    credential.status = CredentialStatus.APPROVED
    credential.decided_at, credential.decided_by = now, decided_by
    if credential.kind is PassKind.online:
        db.session.flush()
        return None
    return _issue_carrier(credential, now)


def _issue_carrier(credential: Credential, now: datetime) -> Pass:
    days = fair_days_of(credential)
    if not days:
        raise Conflict("no_fair_day", NO_FAIR_DAY, {"date": NO_FAIR_DAY})
    _check_no_booking(credential.document_index, days[0].date, days[-1].date)
    first = days[0]
    carrier = Appointment(
        code=new_confirmation_code(), fair_day=first, day=first.date,
        status=AppointmentStatus.ACTIVE, channel=Channel.CREDENTIAL,
        credential_id=credential.id, document_type=credential.document_type,
        document_index=credential.document_index,
        document_ciphertext=credential.document_ciphertext,
        document_masked=credential.document_masked, name_ciphertext=credential.name_ciphertext,
        name_masked=credential.name_masked, contact_ciphertext=credential.contact_ciphertext,
        lang=credential.lang, consent_version=credential.consent_version,
        consented_at=credential.consented_at, created_at=now)
    set_committed_value(carrier, "passes", [])
    db.session.add(carrier)
    db.session.flush()
    if credential.kind is PassKind.professional and not _take_professional_place(first):
        raise Conflict("professional_quota_full", PROFESSIONAL_FULL,
                       {"date": PROFESSIONAL_FULL})
    venue = credential.venue.code if credential.venue_id is not None else ALL_VENUES
    issued = passes.issue_pass(carrier, stored_document(credential), kind=credential.kind,
                               day_count=(days[-1].date - first.date).days + 1, venue=venue)
    manifest.record_change(carrier, ManifestChange.BOOKED, now=now)
    db.session.expire(credential, ["carrier"])
    return issued


def _take_professional_place(fair_day: FairDay) -> bool:
    table = FairDay.__table__
    condition, values = places.day_place_terms(Channel.CREDENTIAL, PassKind.professional)
    result = db.session.execute(update(table).where(table.c.id == fair_day.id, condition)
                                .values(**values))
    return result.rowcount == 1


def reject_credential(credential: Credential, *, reason: str, decided_by: str,
                      now: datetime | None = None) -> Credential:
    if credential.status is not CredentialStatus.PENDING:
        raise Conflict("not_pending", NOT_PENDING)
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise invalid_field("reason", REASON_REQUIRED, "reason_required")
    credential.status = CredentialStatus.REJECTED
    credential.decision_reason = reason
    credential.decided_at, credential.decided_by = now or utc_now(), decided_by
    return credential


def revoke_credential(credential: Credential, *, note: str | None = None,
                      now: datetime | None = None) -> Credential:
    """Withdraw a pending or approved credential: its pass revoked on every venue-day's
    manifest, its carrier cancelled (a professional's place freed), an exhibitor's badge
    given back to the organisation's quota."""
    if credential.status not in (CredentialStatus.PENDING, CredentialStatus.APPROVED):
        raise Conflict("not_active", NOT_ACTIVE)
    now = now or utc_now()
    credential.status = CredentialStatus.REVOKED
    carrier = db.session.scalar(select(Appointment).where(
        Appointment.credential_id == credential.id))
    if carrier is not None and carrier.status is AppointmentStatus.ACTIVE:
        for issued in carrier.passes:
            passes.revoke_pass(issued, RevocationCause.STAFF_REVOKED, note, now=now)
        carrier.status = AppointmentStatus.CANCELLED
        carrier.cancelled_at = now
        if credential.kind is PassKind.professional:
            table = FairDay.__table__
            db.session.execute(update(table).where(table.c.id == carrier.fair_day_id).values(
                booked=table.c.booked - 1, professional_booked=table.c.professional_booked - 1))
    if credential.kind is PassKind.exhibitor and credential.organisation_id is not None:
        # The badge was taken when the member was added (services/members.py).
        table = Organisation.__table__
        db.session.execute(update(table).where(table.c.id == credential.organisation_id,
                                               table.c.badges_used > 0)
                           .values(badges_used=table.c.badges_used - 1))
    db.session.flush()
    return credential


def get_credential(code: str) -> Credential:
    credential = db.session.scalar(select(Credential).where(
        Credential.code == (code or "").strip().upper()))
    if credential is None:
        raise NotFound("credential_not_found", NOT_FOUND)
    return credential


def find_by_code_and_document(code: str, number: str) -> Credential:
    """The credential with this code whose document number matches, else 404 (the same
    answer for a wrong code and a wrong number)."""
    credential = db.session.scalar(select(Credential).where(
        Credential.code == (code or "").strip().upper()))
    if credential is None or credential.document_ciphertext is None:
        raise NotFound("credential_not_found", NOT_FOUND)
    stored = vault().decrypt_document(credential.document_ciphertext)
    try:
        typed = parse_document(stored["type"], number, stored.get("country")).number.encode()
    except DocumentError:
        typed = b""
    if not hmac.compare_digest(typed, stored["number"].encode()):
        raise NotFound("credential_not_found", NOT_FOUND)
    return credential


def covering_credential(document_index: str, day: date,
                        venue_code: str | None = None) -> Credential | None:
    """The approved credential of a multi-day kind with a gate pass (exhibitor, media,
    guest, staff, contractor) that already admits this document on ``day`` (at
    ``venue_code``; None: at any venue): a public booking that day is refused."""
    return credential_days.covering(document_index, day, venue_code,
                                    kinds=credential_days.BOOKING_REFUSING_KINDS)


def list_credentials(*, status: CredentialStatus | None = None,
                     kind: PassKind | None = None) -> list[Credential]:
    query = select(Credential).order_by(Credential.created_at, Credential.id)
    if status is not None:
        query = query.where(Credential.status == CredentialStatus(status))
    if kind is not None:
        query = query.where(Credential.kind == PassKind(kind))
    return list(db.session.scalars(query))


def fair_period(now: datetime | None = None) -> tuple[date, date] | None:
    """The fair's public days from today (the fair's own date) on, first and last (days with
    a quota; build-up days have none): what media and online credentials cover. None when
    no such day is left (or none is set yet)."""
    today = (now or utc_now()).astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()
    first, last = db.session.execute(
        select(func.min(FairDay.date), func.max(FairDay.date))
        .where(FairDay.quota > 0, FairDay.date >= today)).one()
    return (first, last) if first is not None else None

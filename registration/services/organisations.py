"""Organisations: registration, review decisions, badge quotas and portal sign-in links.

An organisation (exhibitor, institution, media outlet) registers once and waits for review
(``register``); a supervisor approves it, setting an exhibitor's badge quota (by default one
badge per ``EXHIBITOR_M2_PER_BADGE`` m² of stand), or rejects it with a reason shown to the
applicant as typed (``approve``, ``reject``). One organisation per unified social credit
code (gate/uscc.py): the unique index decides, a second registration is 409. The contact's
name, email and phone are stored encrypted (services/identity.py) with masked forms for
screens. The contact signs in to the portal (/org/) with one-time links whose token only
the email holds: the database keeps its SHA-256 (``issue_sign_in``, ``consume_sign_in``).

Decisions are conditional UPDATEs on the pending status, so of two reviewers deciding the
same organisation exactly one wins. Services never commit; audit and mails are the
actions' (registration/actions/organisations.py).
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gate.documents import ISO_ALPHA3
from gate.i18n import Text
from gate.masking import MASK, mask_name
from gate.uscc import USCCError, parse_uscc
from registration.extensions import db
from registration.models import (
    Organisation, OrganisationKind, OrganisationSignIn, ReviewStatus, Venue,
)
from registration.services import sms
from registration.services.booking import CODE_ALPHABET, CONSENT_REQUIRED
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, InvalidInput, NotFound, invalid_field
from registration.services.identity import vault
from registration.services.link_tokens import new_token, token_hash

CODE_PREFIX = "ORG-"
CODE_LENGTH = 8
MAINLAND = "CHN"
REASON_MAX_LENGTH = 500
STAND_AREA_MAX_M2 = 100_000

NAME_REQUIRED = Text("请填写机构名称（中文和英文）", "Give the organisation's name in Chinese and English")
BAD_KIND = Text("机构类型应为 exhibitor、organisation 或 media_outlet",
                "The kind is exhibitor, organisation or media_outlet")
BAD_COUNTRY = Text("国家或地区应为 ISO 3166-1 三字母代码（如 CHN）",
                   "The country is an ISO 3166-1 alpha-3 code (e.g. CHN)")
USCC_REQUIRED = Text("中国大陆机构须填写统一社会信用代码",
                     "A mainland organisation gives its unified social credit code")
USCC_MAINLAND_ONLY = Text("统一社会信用代码仅适用于中国大陆机构；境外机构请填写注册号",
                          "Only mainland organisations have a unified social credit code; "
                          "others give their registration number")
NUMBER_REQUIRED = Text("境外机构须填写所在国家或地区的注册号",
                       "An organisation outside the mainland gives its registration number")
CONTACT_EMAIL_REQUIRED = Text("请填写联系人电子邮箱（登录链接将发送至该邮箱）",
                              "Give the contact's email address (the sign-in link goes there)")
BAD_PHONE = Text("手机号码格式不正确", "The phone number is not valid")
STAND_REQUIRED = Text("参展商须填写展位（场馆、展厅、面积）",
                      "An exhibitor gives its stand (venue, hall, area)")
STAND_EXHIBITORS_ONLY = Text("只有参展商有展位", "Only exhibitors have a stand")
UNKNOWN_VENUE = Text("没有这个场馆", "No such venue")
HALL_REQUIRED = Text("请填写展厅", "Give the hall")
BAD_AREA = Text("展位面积应为大于 0 的平方米数", "The stand area is a number of m² above 0")
USCC_TAKEN = Text("该统一社会信用代码已登记过机构",
                  "An organisation with this unified social credit code is already registered")
NOT_FOUND = Text("没有这个机构编号", "No organisation has this code")
ALREADY_DECIDED = Text("该机构已审核完毕", "This organisation has already been decided")
REASON_REQUIRED = Text("拒绝时须填写理由（申请人将看到该理由）",
                       "A rejection needs a reason (the applicant will read it)")
REASON_TOO_LONG = Text("理由最多 500 个字符", "The reason has at most 500 characters")
QUOTA_NEGATIVE = Text("证件配额不能为负数", "The badge quota cannot be negative")
QUOTA_BELOW_USED = Text("证件配额不能少于已发放的证件数",
                        "The badge quota cannot be below the badges already in use")
QUOTA_EXHIBITORS_ONLY = Text("只有参展商有证件配额", "Only exhibitors have a badge quota")
SIGN_IN_INVALID = Text("登录链接无效、已使用或已过期，请重新获取",
                       "This sign-in link is invalid, used or expired: ask for a new one")


@dataclass(frozen=True)
class Stand:
    venue: str
    hall: str
    area_m2: float


@dataclass(frozen=True)
class OrganisationInput:
    """A registration as typed (schemas/organisations.py checked types and lengths)."""

    name_zh: str
    name_en: str
    kind: str
    country: str
    contact_name: str
    contact_email: str | None
    consent: bool
    contact_phone: str | None = None
    uscc: str | None = None
    registration_number: str | None = None
    stand: Stand | None = None
    lang: str = "zh"


def default_badge_quota(area_m2: float | None) -> int:
    """One badge per EXHIBITOR_M2_PER_BADGE m² of stand (floor), at least one."""
    per_badge = float(current_app.config["EXHIBITOR_M2_PER_BADGE"])
    return max(1, math.floor((area_m2 or 0) / per_badge))


def new_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str | None) -> str:
    """``org-k7p2qx9m``, `` ORGK7P2QX9M`` -> ``ORG-K7P2QX9M`` (as people type it)."""
    text = "".join((code or "").split()).upper()
    if text.startswith("ORG") and not text.startswith(CODE_PREFIX):
        text = CODE_PREFIX + text[3:]
    return text


def find_by_code(code: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(
        Organisation.code == normalise_code(code)))
    if organisation is None:
        raise NotFound("organisation_not_found", NOT_FOUND)
    return organisation


def list_organisations(*, status: str | None = None, kind: str | None = None,
                       limit: int | None = None) -> list[Organisation]:
    """Oldest first (the review's order)."""
    statement = select(Organisation).order_by(Organisation.created_at, Organisation.id)
    if status:
        statement = statement.where(Organisation.status == ReviewStatus(status))
    if kind:
        statement = statement.where(Organisation.kind == OrganisationKind(kind))
    if limit:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


# -- registering -------------------------------------------------------------------------

def register(data: OrganisationInput, *, consent_version: str,
             now: datetime | None = None) -> Organisation:
    """A new pending organisation (caller commits). 422 naming the field for every rule it
    breaks; 409 ``organisation_exists`` when its USCC is registered already."""
    if not data.consent:
        raise InvalidInput("consent_required", CONSENT_REQUIRED, {"consent": CONSENT_REQUIRED})
    kind = _kind(data.kind)
    if not (data.name_zh or "").strip():
        raise invalid_field("name.zh", NAME_REQUIRED, "name_required")
    if not (data.name_en or "").strip():
        raise invalid_field("name.en", NAME_REQUIRED, "name_required")
    country = (data.country or "").strip().upper()
    if country not in ISO_ALPHA3:
        raise invalid_field("country", BAD_COUNTRY, "invalid_country")
    uscc, number = _identifiers(country, data.uscc, data.registration_number)
    if not data.contact_email:
        raise invalid_field("contact.email", CONTACT_EMAIL_REQUIRED, "email_required")
    phone = contact_phone(data.contact_phone)
    venue = _stand_venue(kind, data.stand)
    now = now or utc_now()
    contact = {"name": data.contact_name, "email": data.contact_email, "phone": phone}
    organisation = Organisation(
        code=new_code(), kind=kind, status=ReviewStatus.PENDING,
        name_zh=data.name_zh.strip(), name_en=data.name_en.strip(), country=country,
        uscc=uscc, registration_number=number,
        contact_ciphertext=vault().encrypt(contact, purpose="organisation_contact"),
        contact_name_masked=mask_name(data.contact_name),
        contact_email_masked=mask_email(data.contact_email),
        contact_phone_masked=sms.mask_phone(phone) if phone else "",
        lang=data.lang if data.lang in ("zh", "en") else "zh",
        stand_venue_id=venue.id if venue is not None else None,
        stand_hall=data.stand.hall.strip() if venue is not None else None,
        stand_area_m2=float(data.stand.area_m2) if venue is not None else None,
        consent_version=consent_version, consented_at=now, created_at=now)
    try:
        with db.session.begin_nested():  # the unique USCC index decides, races included
            db.session.add(organisation)
            db.session.flush()
    except IntegrityError:
        if uscc is not None and db.session.scalar(
                select(Organisation.id).where(Organisation.uscc == uscc)) is not None:
            raise Conflict("organisation_exists", USCC_TAKEN, {"uscc": USCC_TAKEN}) from None
        raise
    return organisation


def _kind(value: str) -> OrganisationKind:
    try:
        return OrganisationKind(value)
    except ValueError:
        raise invalid_field("kind", BAD_KIND, "invalid_kind") from None


def _identifiers(country: str, uscc: str | None,
                 number: str | None) -> tuple[str | None, str | None]:
    """(uscc, registration number) as stored: a mainland organisation's checked USCC (and
    any registration number it adds), another's registration number."""
    number = (number or "").strip() or None
    if country != MAINLAND:
        if (uscc or "").strip():
            raise invalid_field("uscc", USCC_MAINLAND_ONLY, "uscc_mainland_only")
        if number is None:
            raise invalid_field("registration_number", NUMBER_REQUIRED, "number_required")
        return None, number
    if not (uscc or "").strip():
        raise invalid_field("uscc", USCC_REQUIRED, "uscc_required")
    try:
        return parse_uscc(uscc).code, number
    except USCCError as err:
        raise invalid_field("uscc", err.message, f"invalid_uscc_{err.code}") from None


def _stand_venue(kind: OrganisationKind, stand: Stand | None) -> Venue | None:
    if kind is not OrganisationKind.EXHIBITOR:
        if stand is not None:
            raise invalid_field("stand", STAND_EXHIBITORS_ONLY, "stand_exhibitors_only")
        return None
    if stand is None:
        raise invalid_field("stand", STAND_REQUIRED, "stand_required")
    venue = db.session.scalar(select(Venue).where(
        Venue.code == (stand.venue or "").strip().upper()))
    if venue is None:
        raise invalid_field("stand.venue", UNKNOWN_VENUE, "unknown_venue")
    if not (stand.hall or "").strip():
        raise invalid_field("stand.hall", HALL_REQUIRED, "hall_required")
    area = stand.area_m2
    if isinstance(area, bool) or not isinstance(area, (int, float)) or not math.isfinite(area) \
            or not 0 < area <= STAND_AREA_MAX_M2:
        raise invalid_field("stand.area_m2", BAD_AREA, "invalid_area")
    return venue


# -- contact -----------------------------------------------------------------------------

def stored_contact(organisation: Organisation) -> dict:
    """The contact as registered: {"name", "email", "phone"} (empty once purged)."""
    if organisation.contact_ciphertext is None:
        return {}
    return vault().decrypt(organisation.contact_ciphertext, purpose="organisation_contact")


def mask_email(email: str | None) -> str:
    """``z*******@example.com``: the first character of the local part and the domain."""
    text = (email or "").strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return MASK * len(text)
    return (local[:1] + MASK * max(len(local) - 1, 1) + "@" + domain)[:120]


def contact_phone(phone: str | None) -> str | None:
    """The phone number as stored (services/sms.py's form, ``+8613800138000``), None when
    none was given; 422 ``contact.phone`` when it cannot be one."""
    if not (phone or "").strip():
        return None
    number = sms.normalise_phone(phone)
    digits = number[1:] if number.startswith("+") else number
    if not digits.isdigit() or not 4 <= len(digits) <= 20:
        raise invalid_field("contact.phone", BAD_PHONE, "invalid_phone")
    return number


# -- review decisions ----------------------------------------------------------------------

def approve(organisation: Organisation, *, badge_quota: int | None = None, decided_by: str,
            now: datetime | None = None) -> Organisation:
    """Approve a pending organisation; an exhibitor's badge quota is ``badge_quota`` or the
    stand's default. On an approved exhibitor, ``badge_quota`` changes its quota (never
    below the badges in use). 409 ``already_decided`` otherwise."""
    exhibitor = organisation.kind is OrganisationKind.EXHIBITOR
    if badge_quota is not None:
        if not exhibitor:
            raise invalid_field("badge_quota", QUOTA_EXHIBITORS_ONLY, "quota_exhibitors_only")
        if badge_quota < 0:
            raise invalid_field("badge_quota", QUOTA_NEGATIVE, "quota_negative")
    if organisation.status is ReviewStatus.APPROVED and exhibitor and badge_quota is not None:
        return set_badge_quota(organisation, badge_quota)
    quota = None
    if exhibitor:
        quota = badge_quota if badge_quota is not None else \
            default_badge_quota(organisation.stand_area_m2)
    _decide(organisation, status=ReviewStatus.APPROVED.value, badge_quota=quota,
            decided_by=decided_by, decided_at=now or utc_now(), decision_reason=None)
    return organisation


def set_badge_quota(organisation: Organisation, quota: int) -> Organisation:
    """A new quota for an approved exhibitor: one conditional UPDATE, so a member taking a
    badge at the same moment never ends above it."""
    if quota < 0:
        raise invalid_field("badge_quota", QUOTA_NEGATIVE, "quota_negative")
    table = Organisation.__table__
    result = db.session.execute(update(table).where(
        table.c.id == organisation.id, table.c.badges_used <= quota).values(badge_quota=quota))
    if result.rowcount != 1:
        raise invalid_field("badge_quota", QUOTA_BELOW_USED, "quota_below_used")
    db.session.refresh(organisation)
    return organisation


def reject(organisation: Organisation, *, reason: str, decided_by: str,
           now: datetime | None = None) -> Organisation:
    """Reject a pending organisation; ``reason`` (required) is kept as typed and shown to
    the applicant."""
    text = (reason or "").strip()
    if not text:
        raise invalid_field("reason", REASON_REQUIRED, "reason_required")
    if len(text) > REASON_MAX_LENGTH:
        raise invalid_field("reason", REASON_TOO_LONG, "reason_too_long")
    _decide(organisation, status=ReviewStatus.REJECTED.value, decided_by=decided_by,
            decided_at=now or utc_now(), decision_reason=text)
    return organisation


def _decide(organisation: Organisation, **values) -> None:
    """One conditional UPDATE on the pending status: of two decisions, one wins."""
    table = Organisation.__table__
    result = db.session.execute(update(table).where(
        table.c.id == organisation.id,
        table.c.status == ReviewStatus.PENDING.value).values(**values))
    if result.rowcount != 1:
        db.session.refresh(organisation)
        raise Conflict("already_decided", ALREADY_DECIDED)
    db.session.refresh(organisation)


# -- sign-in links -------------------------------------------------------------------------

def sign_in_url(token: str) -> str:
    """The portal's sign-in link, from PUBLIC_URL (never the request's Host header)."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/org/signin/{token}"


def issue_sign_in(organisation: Organisation, *, now: datetime | None = None) -> str:
    """A new one-time sign-in link (the URL; only the token's SHA-256 is stored), valid for
    ORG_SIGN_IN_HOURS."""
    token = new_token()
    now = now or utc_now()
    hours = float(current_app.config["ORG_SIGN_IN_HOURS"])
    db.session.add(OrganisationSignIn(
        organisation_id=organisation.id, token_hash=token_hash(token), created_at=now,
        expires_at=now + timedelta(hours=hours)))
    db.session.flush()
    return sign_in_url(token)


def consume_sign_in(token: str, *, now: datetime | None = None) -> Organisation:
    """The organisation of an unused, unexpired link, which is used up now (one
    conditional UPDATE: of two clicks exactly one signs in). 404 ``sign_in_invalid`` for
    an unknown, used or expired link alike."""
    now = now or utc_now()
    table = OrganisationSignIn.__table__
    digest = token_hash(token)
    result = db.session.execute(update(table).where(
        table.c.token_hash == digest, table.c.used_at.is_(None),
        table.c.expires_at > now).values(used_at=now))
    if result.rowcount != 1:
        raise NotFound("sign_in_invalid", SIGN_IN_INVALID)
    link = db.session.scalar(select(OrganisationSignIn).where(
        OrganisationSignIn.token_hash == digest))
    organisation = link.organisation
    if organisation.purged_at is not None:
        raise NotFound("sign_in_invalid", SIGN_IN_INVALID)
    return organisation


def find_for_resend(code: str, email: str) -> Organisation | None:
    """The organisation with this code whose contact email is ``email`` (compared without
    case), or None: the caller answers alike either way."""
    organisation = db.session.scalar(select(Organisation).where(
        Organisation.code == normalise_code(code)))
    if organisation is None or organisation.purged_at is not None:
        return None
    stored = (stored_contact(organisation).get("email") or "").strip().casefold()
    typed = (email or "").strip().casefold()
    if not stored or not secrets.compare_digest(stored.encode(), typed.encode()):
        return None
    return organisation

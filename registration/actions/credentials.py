"""Credentials: a person applies (professional, media, online), staff issue (guest, staff,
contractor), staff decide and revoke (docs/credentials.md).

An application is audited ``credential_applied`` in the visitor's name; what needs no
review is approved in the same transaction. Decisions are audited in the deciding staff
member's (or operator's) name; the applicant hears of them after the commit
(services/credential_mail.py). The caller's unit of work commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app

from gate.documents import Document
from gate.i18n import Text
from gate.passes import PassKind
from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.actions.people import optional_text, person_name
from registration.models import Credential, CredentialStatus, Pass
from registration.services import audit as audit_service
from registration.services import credentials as service
from registration.services.credential_mail import announce_decision
from registration.services.errors import InvalidInput, invalid_field
from schemas.fields import TextRefused, clean_text

APPLIED = (PassKind.professional, PassKind.media, PassKind.online)
ISSUED = (PassKind.guest, PassKind.staff, PassKind.contractor)
CONSENT_REQUIRED = Text("请阅读并同意个人信息处理规则", "Consent to the use of your data is required")
REQUIRED = Text("请填写此项", "This field is required")
NOT_APPLIED = Text("只能申请专业观众、媒体或线上参会证件",
                   "Apply for a professional, media or online credential")
NOT_ISSUED = Text("工作人员只签发嘉宾、工作人员或施工人员证件",
                  "Staff issue guest, staff or contractor credentials")
NO_PERIOD = Text("没有尚未结束的展会日", "There is no fair day left to apply for")
INVALID = Text("证件申请有误", "The application has errors")


@dataclass(frozen=True)
class Application:
    """What a person typed (the document already parsed)."""

    kind: str
    document: Document
    name: str
    consent: bool
    lang: str = "zh"
    organisation: str | None = None
    title: str | None = None
    press_card: str | None = None
    venue: str | None = None
    day: date | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Decided:
    credential: Credential
    issued: Pass | None  # the pass, when the credential is approved and its kind has one


def _text(value: str | None, field: str, max_length: int) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        return None
    try:
        return clean_text(value, max_length=max_length)
    except TextRefused as err:
        raise invalid_field(field, err.message, f"invalid_{field}") from None


def needs_review(kind: PassKind) -> bool:
    if kind is PassKind.media:
        return True
    if kind is PassKind.professional:
        return bool(current_app.config["PROFESSIONAL_REVIEW"])
    return False


def _details(credential: Credential, **extra) -> dict:
    return {"kind": credential.kind.value, "document": credential.document_masked,
            "first_day": credential.first_day.isoformat(),
            "last_day": credential.last_day.isoformat(), **extra}


def _venue_code(credential: Credential) -> str | None:
    return credential.venue.code if credential.venue is not None else None


def _days(kind: PassKind, application: Application) -> tuple[date, date]:
    if kind is PassKind.professional:
        return application.day, application.day
    period = service.fair_period()
    if period is None:
        raise invalid_field("kind", NO_PERIOD, "no_fair_days")
    return period


def _check_application(kind: PassKind, a: Application) -> dict:
    """The application's texts as stored; one 422 naming every missing or refused field."""
    errors, values = {}, {}
    for field, length in (("organisation", 200), ("title", 100), ("press_card", 40)):
        try:
            values[field] = _text(getattr(a, field), field, length)
        except InvalidInput as err:
            errors.update(err.fields)
    wanted = {PassKind.professional: ("organisation", "title", "venue", "day"),
              PassKind.media: ("press_card",)}.get(kind, ())
    if kind is PassKind.media and values.get("organisation"):
        wanted = ()  # a journalist naming their outlet: no press card needed
    for field in wanted:
        value = values.get(field) if field in values else getattr(a, field)
        if not value and field not in errors:
            errors["date" if field == "day" else field] = REQUIRED
    if not a.consent:
        errors["consent"] = CONSENT_REQUIRED
    if errors:
        raise InvalidInput("invalid_application", INVALID, errors)
    return values


def apply(actor: Actor, application: Application) -> Decided:
    """Apply for a professional, media or online credential: pending when the kind is
    reviewed, else approved at once with its pass."""
    try:
        kind = PassKind(application.kind)
    except ValueError:
        kind = None
    if kind not in APPLIED:
        raise invalid_field("kind", NOT_APPLIED, "invalid_kind")
    values = _check_application(kind, application)
    name = person_name(application.name)
    first, last = _days(kind, application)
    credential = service.create_credential(service.CredentialInput(
        kind=kind, document=application.document, name=name, lang=application.lang,
        consent_version=current_app.config["CONSENT_VERSION"], first_day=first, last_day=last,
        venue=application.venue if kind is PassKind.professional else None,
        phone=optional_text(application.phone), email=optional_text(application.email),
        organisation_name=values["organisation"], title=values["title"],
        press_card=values["press_card"]))
    issued = None
    if not needs_review(kind):
        issued = service.approve_credential(credential, decided_by="auto")
        announce_decision(credential, issued)
    audit(actor, "credential_applied", venue=_venue_code(credential), target=credential.code,
          details=_details(credential, status=credential.status.value))
    return Decided(credential, issued)


def issue(actor: Actor, *, kind: str, document: Document, name: str, first_day: date,
          last_day: date, venue: str | None = None, phone: str | None = None,
          email: str | None = None, lang: str = "zh") -> Decided:
    """Staff issue a guest, staff or contractor credential for the chosen days (build-up
    days included), approved at once."""
    try:
        chosen = PassKind(kind)
    except ValueError:
        chosen = None
    if chosen not in ISSUED:
        raise invalid_field("kind", NOT_ISSUED, "invalid_kind")
    credential = service.create_credential(service.CredentialInput(
        kind=chosen, document=document, name=person_name(name), lang=lang,
        consent_version=current_app.config["DESK_CONSENT_VERSION"], first_day=first_day,
        last_day=last_day, venue=venue, phone=optional_text(phone),
        email=optional_text(email)), issued_by=f"staff:{actor.label}"[:80])
    issued = service.approve_credential(credential, decided_by=actor.label)
    announce_decision(credential, issued)
    audit(actor, "credential_issued", venue=_venue_code(credential), target=credential.code,
          details=_details(credential))
    return Decided(credential, issued)


def approve(actor: Actor, credential: Credential) -> Decided:
    issued = service.approve_credential(credential, decided_by=actor.label)
    announce_decision(credential, issued)
    audit(actor, "credential_approved", venue=_venue_code(credential), target=credential.code,
          details=_details(credential))
    return Decided(credential, issued)


def reject(actor: Actor, credential: Credential, reason: str) -> Decided:
    reason = audit_service.scrub(" ".join((reason or "").split()), free_text=True)
    service.reject_credential(credential, reason=reason, decided_by=actor.label)
    announce_decision(credential, None)
    audit(actor, "credential_rejected", venue=_venue_code(credential), target=credential.code,
          details=_details(credential, reason=reason))
    return Decided(credential, None)


def revoke(actor: Actor, credential: Credential, note: str | None = None) -> Decided:
    note = audit_service.scrub(" ".join(note.split()), free_text=True) if note else None
    service.revoke_credential(credential, note=note)
    audit(actor, "credential_revoked", venue=_venue_code(credential), target=credential.code,
          details=_details(credential, reason=note))
    return Decided(credential, None)


def look_up(actor: Actor, code: str, document_number: str) -> Decided:
    """The credential with this code and document number (404 otherwise), and its pass."""
    credential = service.find_by_code_and_document(code, document_number)
    issued = credential.current_pass if credential.status is CredentialStatus.APPROVED else None
    return Decided(credential, issued)

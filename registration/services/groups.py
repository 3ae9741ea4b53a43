"""Delegations: a group booked in one all-or-nothing step."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from gate.i18n import Text
from registration.extensions import db
from registration.models import Channel, Delegation
from registration.services import booking
from registration.services.errors import InvalidInput, ServiceError

DUPLICATE_MEMBER = Text("该证件在名单中重复出现", "This document appears twice in the group")
INVALID_MEMBERS = Text("名单中有错误，未预约任何人", "Some members are invalid; nobody was booked")


@dataclass(frozen=True)
class MemberInput:
    """One member as the list gave it (registration/actions/groups.py normalises it)."""

    document_type: str
    document_number: str
    document_country: str | None
    name: str
    phone: str | None = None
    email: str | None = None


def validate_members(members: list[MemberInput], lang: str) -> list[booking.Visitor]:
    """Every member's document, or one 422 naming every bad member (``members.N.*``)."""
    errors: dict[str, Text] = {}
    visitors: list[booking.Visitor] = []
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        prefix = f"members.{index}."
        try:
            document = booking.validate_document(
                member.document_type, member.document_number, member.document_country,
                field_prefix=f"{prefix}document",
            )
        except ServiceError as err:
            errors.update(err.fields)
            continue
        if document.key in seen:
            errors[f"{prefix}document.number"] = DUPLICATE_MEMBER
        seen.setdefault(document.key, index)
        visitors.append(booking.Visitor(document, member.name, member.phone, member.email, lang))
    if errors:
        raise InvalidInput("invalid_members", INVALID_MEMBERS, errors)
    return visitors


def book_group(*, organisation: str, venue: str, day: date, slot: str | None,
               members: list[MemberInput], consent: bool, lang: str,
               channel: Channel = Channel.GROUP) -> Delegation:
    """Book every member or none: any failure raises and the request rolls back."""
    limit = current_app.config["GROUP_MAX_MEMBERS"]
    if len(members) > limit:
        message = Text(f"每个团体最多 {limit} 人", f"A group may have at most {limit} members")
        raise InvalidInput("too_many_members", message, {"members": message})
    if not consent:
        message = Text("请确认所有成员同意个人信息处理规则", "Consent for every member is required")
        raise InvalidInput("consent_required", message, {"consent": message})
    visitors = validate_members(members, lang)
    delegation = Delegation(code=secrets.token_hex(4).upper(), organisation=organisation)
    db.session.add(delegation)
    for index, visitor in enumerate(visitors):
        request = booking.BookingRequest(
            venue=venue, day=day, slot=slot, visitor=visitor, consent=consent,
            consent_version=current_app.config["CONSENT_VERSION"], channel=channel,
        )
        # A refusal of any member (full day, already booked) raises with that member's
        # field path; the request's rollback then undoes the members booked before it.
        booking.book_appointment(request, delegation=delegation,
                                 field_prefix=f"members.{index}.")
    return delegation


def find_delegation(code: str) -> Delegation | None:
    return db.session.scalar(select(Delegation).where(Delegation.code == (code or "").upper()))

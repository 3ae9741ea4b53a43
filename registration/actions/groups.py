"""A delegation: an organisation books all its members or none (the group page's CSV and
the JSON API). Not audited, like a visitor's own booking; the caller's unit of work
commits."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from registration.actions.actors import Actor
from registration.actions.appointments import Booked
from registration.actions.people import optional_text, person_name
from registration.models import Delegation
from registration.services import groups
from registration.services.errors import InvalidInput, invalid_field
from schemas.fields import TextRefused, clean_text

ORGANISATION_MAX_LENGTH = 200


@dataclass(frozen=True)
class GroupBooked:
    delegation: Delegation
    bookings: list[Booked]  # one per member, in the list's order


def organisation_name(value: str | None) -> str:
    """Trimmed, white space made single; 422 naming ``organisation`` when refused."""
    try:
        return clean_text(" ".join((value or "").split()), max_length=ORGANISATION_MAX_LENGTH)
    except TextRefused as err:
        raise invalid_field("organisation", err.message, "invalid_organisation") from None


def normalised_members(members: list[groups.MemberInput]) -> list[groups.MemberInput]:
    """Every member's name and contact details as stored; one 422 naming every refused
    name (``members.N.name``)."""
    cleaned, errors = [], {}
    for index, member in enumerate(members):
        name = member.name
        try:
            name = person_name(member.name, f"members.{index}.name")
        except InvalidInput as err:
            errors.update(err.fields)
        cleaned.append(replace(member, name=name, phone=optional_text(member.phone),
                               email=optional_text(member.email)))
    if errors:
        raise InvalidInput("invalid_members", groups.INVALID_MEMBERS, errors)
    return cleaned


def book_group(actor: Actor, *, organisation: str, venue: str, day: date, slot: str | None,
               members: list[groups.MemberInput], consent: bool, lang: str) -> GroupBooked:
    """Book every member on one venue-day (and slot), or none: any refusal raises."""
    members = normalised_members(members)
    delegation = groups.book_group(organisation=organisation_name(organisation), venue=venue,
                                   day=day, slot=slot, members=members, consent=consent,
                                   lang=lang)
    # Booked in the list's order, so the ids follow it.
    appointments = sorted(delegation.appointments, key=lambda appointment: appointment.id)
    return GroupBooked(delegation, [Booked(appointment, member.email)
                                    for appointment, member in zip(appointments, members)])

"""An organisation managing its members in the portal (/org/): add one, add a list, remove,
replace. Each is audited (``member_added`` / ``member_removed`` / ``member_replaced``, in
the name ``org:<code>``); the caller's unit of work commits."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.actions.people import optional_text, person_name
from registration.models import Credential, Organisation
from registration.services import members as member_service
from registration.services.errors import invalid_field
from schemas.fields import TextRefused, clean_text

TITLE_MAX_LENGTH = 100


def normalised_member(member: member_service.MemberInput) -> member_service.MemberInput:
    """The member's name (and Latin name), title and contact details as they are stored."""
    title = None
    if optional_text(member.title):
        try:
            title = clean_text(" ".join(member.title.split()), max_length=TITLE_MAX_LENGTH)
        except TextRefused as err:
            raise invalid_field("title", err.message, "invalid_title") from None
    name_latin = optional_text(member.name_latin)
    return replace(member, name=person_name(member.name),
                   name_latin=person_name(name_latin, "name_latin") if name_latin else None,
                   title=title, phone=optional_text(member.phone),
                   email=optional_text(member.email))


def _venue(organisation: Organisation) -> str | None:
    return organisation.stand_venue.code if organisation.stand_venue is not None else None


def _audit_added(actor: Actor, organisation: Organisation, credential: Credential,
                 source: str) -> None:
    audit(actor, "member_added", venue=_venue(organisation), target=credential.code,
          details={"organisation": organisation.code, "kind": credential.kind.value,
                   "document": credential.document_masked, "source": source})


def add_member(actor: Actor, organisation: Organisation,
               member: member_service.MemberInput) -> Credential:
    credential = member_service.add_member(organisation, normalised_member(member))
    _audit_added(actor, organisation, credential, "form")
    return credential


def remove_member(actor: Actor, organisation: Organisation, code: str) -> Credential:
    credential = member_service.remove_member(
        organisation, member_service.find_member(organisation, code))
    audit(actor, "member_removed", venue=_venue(organisation), target=credential.code,
          details={"organisation": organisation.code, "kind": credential.kind.value,
                   "document": credential.document_masked})
    return credential


def replace_member(actor: Actor, organisation: Organisation, code: str,
                   member: member_service.MemberInput) -> Credential:
    """The member with credential ``code`` replaced by ``member``: the new credential."""
    member = normalised_member(member)
    old = member_service.find_member(organisation, code)
    new = member_service.replace_member(organisation, old, member)
    audit(actor, "member_replaced", venue=_venue(organisation), target=new.code,
          details={"organisation": organisation.code, "kind": new.kind.value,
                   "replaced": old.code, "document": new.document_masked})
    return new


def import_steps(actor: Actor, organisation: Organisation, data: bytes
                 ) -> Iterator[member_service.ImportProgress | member_service.ImportResult]:
    """:func:`registration.services.members.import_steps`, each added member audited.
    Run it inside the request's unit of work; a refused list raises MemberFileRefused."""
    for step in member_service.import_steps(organisation, data):
        if isinstance(step, member_service.ImportResult):
            for credential in step.members:
                _audit_added(actor, organisation, credential, "csv")
        yield step


def import_members(actor: Actor, organisation: Organisation,
                   data: bytes) -> member_service.ImportResult:
    result = None
    for step in import_steps(actor, organisation, data):
        result = step
    return result

"""Organisations for every channel (JSON API, the public form, the review page, the CLI):
registering, a new sign-in link, approving and rejecting. Each is audited in the actor's
name (``organisation_registered``, ``organisation_approved``, ``organisation_rejected``)
and mails the contact after the caller's unit of work commits
(services/organisation_mail.py). Asking for a sign-in link again is not audited: it
changes nothing but a new link row, and the answer is the same whether or not it matched.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from flask import current_app

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.actions.people import optional_text, person_name
from registration.models import Organisation, OrganisationKind, ReviewStatus
from registration.services import organisation_mail
from registration.services import organisations as organisation_service
from registration.services.errors import Conflict


@dataclass(frozen=True)
class Skipped:
    """An organisation a bulk approval left as it was, and why."""

    organisation: Organisation
    error: Conflict


def _details(organisation: Organisation, **extra) -> dict:
    # "name": the contact's masked name, under the key the retention purge erases.
    details = {"kind": organisation.kind.value, "organisation": organisation.name_en,
               "name": organisation.contact_name_masked}
    details.update(extra)
    return details


def _venue(organisation: Organisation) -> str | None:
    venue = organisation.stand_venue
    return venue.code if venue is not None else None


def register(actor: Actor,
             data: organisation_service.OrganisationInput) -> Organisation:
    """A new pending organisation; its contact gets a sign-in link (email, SMS)."""
    data = replace(data, contact_name=person_name(data.contact_name, "contact.name"),
                   contact_email=optional_text(data.contact_email),
                   contact_phone=optional_text(data.contact_phone))
    organisation = organisation_service.register(
        data, consent_version=current_app.config["CONSENT_VERSION"])
    url = organisation_service.issue_sign_in(organisation)
    audit(actor, "organisation_registered", venue=_venue(organisation),
          target=organisation.code,
          details=_details(organisation, country=organisation.country,
                           stand_area_m2=organisation.stand_area_m2))
    organisation_mail.notify(organisation, "registered", url)
    return organisation


def send_sign_in_link(actor: Actor, code: str, email: str) -> None:
    """Mail a new sign-in link when ``code`` and ``email`` match an organisation; nothing
    otherwise (the caller answers alike)."""
    organisation = organisation_service.find_for_resend(code, email)
    if organisation is not None:
        organisation_mail.notify(organisation, "sign_in",
                                 organisation_service.issue_sign_in(organisation), sms=False)


def approve(actor: Actor, organisation: Organisation, *,
            badge_quota: int | None = None) -> Organisation:
    """Approve a pending organisation (an exhibitor's quota: ``badge_quota`` or the
    stand's default) and mail the contact its status and a sign-in link. On an approved
    exhibitor, ``badge_quota`` sets a new quota (audited, no mail)."""
    if organisation.status is ReviewStatus.APPROVED and badge_quota is not None \
            and organisation.kind is OrganisationKind.EXHIBITOR:
        before = organisation.badge_quota
        organisation_service.set_badge_quota(organisation, badge_quota)
        audit(actor, "organisation_approved", venue=_venue(organisation),
              target=organisation.code,
              details=_details(organisation, badge_quota=badge_quota,
                               badge_quota_before=before, change="badge_quota"))
        return organisation
    organisation_service.approve(organisation, badge_quota=badge_quota,
                                 decided_by=actor.label)
    audit(actor, "organisation_approved", venue=_venue(organisation),
          target=organisation.code,
          details=_details(organisation, badge_quota=organisation.badge_quota))
    organisation_mail.notify(organisation, "approved",
                             organisation_service.issue_sign_in(organisation))
    return organisation


def approve_many(actor: Actor, organisations: list[Organisation]) -> list[Skipped]:
    """Approve each pending one (exhibitors with their default quota) in the caller's one
    transaction; those decided meanwhile are left alone and returned."""
    skipped = []
    for organisation in organisations:
        try:
            approve(actor, organisation)
        except Conflict as err:  # decided by someone else: its UPDATE changed nothing
            skipped.append(Skipped(organisation, err))
    return skipped


def reject(actor: Actor, organisation: Organisation, *, reason: str) -> Organisation:
    """Reject a pending organisation with ``reason`` (shown to the applicant as typed,
    and mailed to them)."""
    organisation_service.reject(organisation, reason=reason, decided_by=actor.label)
    audit(actor, "organisation_rejected", venue=_venue(organisation),
          target=organisation.code,
          details=_details(organisation, reason=organisation.decision_reason))
    organisation_mail.notify(organisation, "rejected")
    return organisation

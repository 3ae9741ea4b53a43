"""Badges at the desk: the approved credential of the document read, what its badge shows,
and counting prints (the second and later prints need a confirmation and are audited as
reprints by actions/badges.py)."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select, update

from gate.documents import Document
from gate.i18n import Text
from registration.extensions import db
from registration.models import Credential, CredentialStatus, Venue
from registration.rendering.badge import BadgeView
from registration.services import credentials as credential_service
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, NotFound
from registration.services.identity import vault

NO_CREDENTIAL = Text("没有找到该证件持有人已批准的证件",
                     "No approved credential was found for this document")
OTHER_VENUE = Text("该证件属于另一个场馆，请在该场馆制证", "This credential is for another venue: "
                   "print its badge there")
NO_PASS = Text("该证件没有入场通行证（线上参会）", "This credential has no gate pass (online)")
ALREADY_PRINTED = Text("已打印过：再次打印请确认", "Already printed: confirm to print again")


def find_for_document(document: Document, venue: Venue, *, today: date) -> Credential:
    """The document's approved credential with a pass that can be printed at ``venue``:
    one covering today first, else the next to start (404 / 409 otherwise)."""
    index = vault().blind_index(document)
    found = list(db.session.scalars(
        select(Credential).where(Credential.document_index == index,
                                 Credential.status == CredentialStatus.APPROVED,
                                 Credential.last_day >= today)
        .order_by(Credential.first_day, Credential.id)))
    if not found:
        raise NotFound("credential_not_found", NO_CREDENTIAL)
    here = [item for item in found if item.venue_id in (None, venue.id)]
    if not here:
        raise Conflict("credential_other_venue", OTHER_VENUE)
    current = [item for item in here if item.first_day <= today] or here
    return current[0]


def find_by_code(code: str) -> Credential:
    credential = db.session.scalar(select(Credential).where(
        Credential.code == (code or "").strip().upper()))
    if credential is None or credential.status != CredentialStatus.APPROVED:
        raise NotFound("credential_not_found", NO_CREDENTIAL)
    return credential


def printed_name(credential: Credential) -> str:
    """The name for the badge: Latin letters where given, else as on the document."""
    latin = credential_service.stored_contact(credential).get("name_latin")
    return latin or credential_service.stored_name(credential) or credential.name_masked


def badge_view(credential: Credential) -> BadgeView:
    issued = credential.current_pass
    if issued is None:
        raise Conflict("credential_without_pass", NO_PASS)
    organisation = credential.organisation
    if organisation is not None:
        org_name = organisation.name_en if credential.lang == "en" else organisation.name_zh
    else:
        org_name = credential.organisation_name
    venue = credential.venue
    return BadgeView(
        token=issued.token, code=credential.code, kind=credential.kind.value,
        name=printed_name(credential), organisation=org_name, title=credential.title,
        first_day=credential.first_day, last_day=credential.last_day,
        venue_name=venue.name if venue is not None else None,
        fair_name=Text(current_app.config["FAIR_NAME_ZH"], current_app.config["FAIR_NAME_EN"]))


def count_print(credential: Credential, *, confirmed: bool,
                now: datetime | None = None) -> bool:
    """Count one print; True when it is a reprint. A reprint needs ``confirmed`` (409
    ``badge_already_printed`` otherwise); two desks printing at once: one of them is told
    it is a reprint."""
    seen = credential.badge_prints
    if seen > 0 and not confirmed:
        raise Conflict("badge_already_printed", ALREADY_PRINTED, prints=seen)
    now = now or utc_now()
    counted = db.session.execute(
        update(Credential).where(Credential.id == credential.id,
                                 Credential.badge_prints == seen)
        .values(badge_prints=seen + 1, badge_printed_at=now)
        .execution_options(synchronize_session=False))
    if counted.rowcount != 1:
        db.session.refresh(credential)
        raise Conflict("badge_already_printed", ALREADY_PRINTED,
                       prints=credential.badge_prints)
    db.session.refresh(credential)
    return seen > 0

"""An approved organisation's members: each one a credential issued by the organisation.

Members of an exhibitor are ``exhibitor`` credentials at the stand's venue on every fair day
of that venue still to come (build-up days, with no public quota, are left out), each taking
one of the organisation's badges; of a media outlet ``media`` credentials (every venue, every
day); of an institution ``professional`` credentials for the venue and day given per member
(a place of that day's professional share). The organisation was reviewed, so its members
are approved at once. Nothing here commits: the caller's unit of work does, and rolls back
everything a refused member (or a refused line of a list) wrote.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select, update

from gate.i18n import Text
from gate.passes import PassKind
from registration.extensions import db
from registration.models import (
    Credential, CredentialStatus, FairDay, Organisation, OrganisationKind, ReviewStatus,
)
from registration.services import booking, member_csv
from registration.services import credentials as credential_service
from registration.services import venues as venue_service
from registration.services.calendar import utc_now, venue_today
from registration.services.errors import Conflict, InvalidInput, NotFound, ServiceError
from registration.services.group_csv import CsvProblem

MEMBER_KINDS = {
    OrganisationKind.EXHIBITOR: PassKind.exhibitor,
    OrganisationKind.MEDIA_OUTLET: PassKind.media,
    OrganisationKind.ORGANISATION: PassKind.professional,
}
NOT_APPROVED = Text("机构尚未通过审核，暂不能添加成员",
                    "The organisation is not approved yet: members can be added once it is")
BADGE_QUOTA_FULL = Text("证件名额已用完（{used}/{quota}）：请先移除一名成员或联系主办方",
                        "All badges are in use ({used}/{quota}): remove a member first, or ask "
                        "the organiser for more")
NO_FAIR_DAYS = Text("该场馆没有尚未结束的展会日", "The venue has no fair days still to come")
NOT_A_MEMBER = Text("找不到该成员", "No such member")
NOT_ACTIVE = Text("该成员的证件已撤销", "This member's credential is already revoked")
VENUE_REQUIRED = Text("请选择场馆", "Choose a venue")
DAY_REQUIRED = Text("请选择日期", "Choose a day")
UNKNOWN_DAY = Text("该场馆在这一天没有展会日", "The venue has no fair day on that date")
FILE_REFUSED = Text("名单中有错误，未添加任何成员", "The list has problems: nobody was added")
REMOVED_NOTE = "removed by the organisation"
REPLACED_NOTE = "replaced by the organisation"


@dataclass(frozen=True)
class MemberInput:
    """One member as typed or listed (the actions normalise names and contact details)."""

    document_type: str
    document_number: str = field(repr=False)
    document_country: str | None
    name: str = field(repr=False)
    name_latin: str | None = field(default=None, repr=False)
    title: str | None = None
    phone: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    venue: str | None = None  # institutions' members (professional visitors) only
    day: date | None = None


@dataclass(frozen=True)
class ImportProgress:
    """How far an import is: ``stage`` ``check`` (the lines) or ``add`` (the members)."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class ImportResult:
    members: list[Credential]
    lines: list[int]  # the file line of each member


class MemberFileRefused(InvalidInput):
    """A member list with problems: nothing was added. ``problems`` name line and column;
    ``fields`` has them as ``rows.<line>.<column>`` (``rows.file`` for the whole file)."""

    def __init__(self, problems: list[CsvProblem]):
        fields = {}
        for problem in problems:
            key = "rows." + (f"{problem.line}.{problem.column or 'line'}"
                             if problem.line else "file")
            fields.setdefault(key, problem.message)
        super().__init__("invalid_member_file", FILE_REFUSED, fields)
        self.problems = problems


def member_kind(organisation: Organisation) -> PassKind:
    return MEMBER_KINDS[organisation.kind]


def issuer(organisation: Organisation) -> str:
    return f"org:{organisation.code}"


def _require_approved(organisation: Organisation) -> None:
    if organisation.status is not ReviewStatus.APPROVED:
        raise Conflict("organisation_not_approved", NOT_APPROVED)


def take_badge(organisation: Organisation) -> bool:
    """One badge of the quota, in one conditional UPDATE (two at once never both get the
    last one); False when every badge is in use."""
    table = Organisation.__table__
    result = db.session.execute(
        update(table).where(table.c.id == organisation.id, table.c.badge_quota.is_not(None),
                            table.c.badges_used < table.c.badge_quota)
        .values(badges_used=table.c.badges_used + 1))
    db.session.expire(organisation, ["badges_used"])
    return result.rowcount == 1


def give_badge_back(organisation: Organisation) -> None:
    table = Organisation.__table__
    db.session.execute(update(table).where(table.c.id == organisation.id,
                                           table.c.badges_used > 0)
                       .values(badges_used=table.c.badges_used - 1))
    db.session.expire(organisation, ["badges_used"])


def badge_quota_full(organisation: Organisation) -> Conflict:
    message = BADGE_QUOTA_FULL.format(used=organisation.badges_used,
                                      quota=organisation.badge_quota or 0)
    return Conflict("badge_quota_full", message)


def badges_left(organisation: Organisation) -> int | None:
    """Badges still free (None: the organisation's members take no badge)."""
    if organisation.kind is not OrganisationKind.EXHIBITOR:
        return None
    return max((organisation.badge_quota or 0) - organisation.badges_used, 0)


def coming_fair_days(venue_code: str | None, now: datetime | None = None) -> list[FairDay]:
    """The fair days not over yet with a public quota, at one venue or every venue."""
    days = []
    for venue in venue_service.all_venues():
        if venue_code is not None and venue.code != venue_code:
            continue
        today = venue_today(venue, now)
        days += [day for day in venue_service.days_of(venue)
                 if day.date >= today and day.quota > 0]
    return sorted(days, key=lambda day: day.date)


def _days(organisation: Organisation, member: MemberInput,
          now: datetime | None) -> tuple[str | None, date, date]:
    """``(venue code or None for every venue, first day, last day)`` of a new member."""
    if organisation.kind is OrganisationKind.ORGANISATION:
        if not member.venue:
            raise InvalidInput("venue_required", VENUE_REQUIRED, {"venue": VENUE_REQUIRED})
        if member.day is None:
            raise InvalidInput("date_required", DAY_REQUIRED, {"date": DAY_REQUIRED})
        if venue_service.find_fair_day(member.venue, member.day) is None:
            raise InvalidInput("unknown_fair_day", UNKNOWN_DAY, {"date": UNKNOWN_DAY})
        return member.venue.upper(), member.day, member.day
    venue = (organisation.stand_venue.code
             if organisation.kind is OrganisationKind.EXHIBITOR else None)
    days = coming_fair_days(venue, now)
    if not days:
        raise Conflict("no_fair_days", NO_FAIR_DAYS)
    return venue, days[0].date, days[-1].date


def credential_input(organisation: Organisation, member: MemberInput,
                     now: datetime | None = None) -> credential_service.CredentialInput:
    document = booking.validate_document(member.document_type, member.document_number,
                                         member.document_country)
    venue, first_day, last_day = _days(organisation, member, now)
    return credential_service.CredentialInput(
        kind=member_kind(organisation), document=document, name=member.name,
        lang=organisation.lang, consent_version=current_app.config["CONSENT_VERSION"],
        first_day=first_day, last_day=last_day, venue=venue, phone=member.phone,
        email=member.email, name_latin=member.name_latin,
        organisation_name=organisation.name.in_language(organisation.lang)[:200],
        title=member.title)


def add_member(organisation: Organisation, member: MemberInput, *,
               now: datetime | None = None) -> Credential:
    """A new member with an approved credential and its pass; exhibitors' members take a
    badge (409 ``badge_quota_full`` when none is left)."""
    _require_approved(organisation)
    data = credential_input(organisation, member, now)
    if organisation.kind is OrganisationKind.EXHIBITOR and not take_badge(organisation):
        raise badge_quota_full(organisation)
    credential = credential_service.create_credential(
        data, organisation=organisation, issued_by=issuer(organisation), now=now)
    credential_service.approve_credential(credential, decided_by=issuer(organisation), now=now)
    return credential


def find_member(organisation: Organisation, code: str) -> Credential:
    """The organisation's member with credential ``code`` (404 for anyone else's)."""
    credential = db.session.scalar(select(Credential).where(
        Credential.code == (code or "").strip().upper(),
        Credential.organisation_id == organisation.id))
    if credential is None:
        raise NotFound("member_not_found", NOT_A_MEMBER)
    return credential


def remove_member(organisation: Organisation, credential: Credential, *,
                  note: str = REMOVED_NOTE, now: datetime | None = None) -> Credential:
    """Revoke the member's credential: its pass is revoked on every day it covered, and an
    exhibitor's badge is free again (services/credentials.revoke_credential)."""
    _require_approved(organisation)
    if credential.organisation_id != organisation.id:
        raise NotFound("member_not_found", NOT_A_MEMBER)
    if credential.status not in (CredentialStatus.APPROVED, CredentialStatus.PENDING):
        raise Conflict("member_not_active", NOT_ACTIVE)
    credential_service.revoke_credential(credential, note=note, now=now or utc_now())
    db.session.expire(organisation, ["badges_used"])  # given back by a plain UPDATE
    return credential


def replace_member(organisation: Organisation, credential: Credential, member: MemberInput,
                   *, now: datetime | None = None) -> Credential:
    """The old member's credential revoked, the new member's issued (the old badge goes to
    the new member); both or neither, in the caller's transaction."""
    remove_member(organisation, credential, note=REPLACED_NOTE, now=now)
    return add_member(organisation, member, now=now)


def import_steps(organisation: Organisation, data: bytes, *, now: datetime | None = None
                 ) -> Iterator[ImportProgress | ImportResult]:
    """Import a member list (CSV, UTF-8, header row), yielding progress as it goes and the
    ImportResult last. All or nothing: any problem raises MemberFileRefused naming every
    line and column found wrong (the caller's rollback undoes members added before it)."""
    _require_approved(organisation)
    checked = None
    for step in member_csv.check_lines(organisation, data, now=now):
        if isinstance(step, member_csv.CheckedList):
            checked = step
        else:
            yield ImportProgress("check", *step)
    if checked.problems:
        raise MemberFileRefused(checked.problems)
    left = badges_left(organisation)
    if left is not None and len(checked.members) > left:
        raise MemberFileRefused([CsvProblem(None, None, member_csv.TOO_FEW_BADGES.format(
            left=left, count=len(checked.members)))])
    added: list[Credential] = []
    total = len(checked.members)
    every = max(1, total // 100)
    for index, (member, line) in enumerate(zip(checked.members, checked.lines)):
        try:
            added.append(add_member(organisation, member, now=now))
        except ServiceError as err:
            raise MemberFileRefused(member_csv.line_problems(line, err)) from None
        if (index + 1) % every == 0 or index + 1 == total:
            yield ImportProgress("add", index + 1, total)
    yield ImportResult(added, checked.lines)


def import_members(organisation: Organisation, data: bytes, *,
                   now: datetime | None = None) -> ImportResult:
    """:func:`import_steps` without the progress."""
    result = None
    for step in import_steps(organisation, data, now=now):
        result = step
    return result

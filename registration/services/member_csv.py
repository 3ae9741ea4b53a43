"""An organisation's member list (CSV): the group booking's reader (services/group_csv.py)
with the portal's extra columns, every line checked before anyone is added.

Columns besides the group list's: ``name_latin`` (the name in Latin letters, for badges),
``title``; and for an institution's professional visitors ``venue`` (code) and ``date``
(YYYY-MM-DD). Problems name the file's line and the column, in zh and en.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from gate.i18n import Text
from gate.kinds import MULTI_DAY_KINDS
from gate.passes import PassKind
from registration.extensions import db
from registration.models import Credential, CredentialStatus, Organisation, OrganisationKind
from registration.services import booking, group_csv
from registration.services import credentials as credential_service
from registration.services import venues as venue_service
from registration.services.errors import ServiceError
from registration.services.group_csv import CsvProblem
from registration.services.identity import vault
from schemas.fields import TextRefused, clean_person_name, clean_text

MAX_MEMBERS = 2000
EXTRA_COLUMNS = ("name_latin", "title")
PROFESSIONAL_COLUMNS = ("venue", "date")
TITLE_MAX_LENGTH = 100

TOO_FEW_BADGES = Text("证件名额不足：还剩 {left} 个，文件中有 {count} 人",
                      "Not enough badges: {left} left, the file lists {count} members")
BAD_DATE = Text("日期格式应为 YYYY-MM-DD", "Write the date as YYYY-MM-DD")
UNKNOWN_VENUE = Text("没有这个场馆", "No such venue")
UNKNOWN_DAY = Text("该场馆在这一天没有展会日", "The venue has no fair day on that date")
LATIN_ONLY = Text("只能使用拉丁字母", "Use Latin letters only")
# Where a service's field path shows on the list.
SERVICE_COLUMNS = {"document.number": "document_number", "document.type": "document_type",
                   "document.country": "document_country", "day": "date"}


@dataclass
class CheckedList:
    members: list = field(default_factory=list)  # services.members.MemberInput
    lines: list[int] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)


def columns(organisation: Organisation) -> tuple[str, ...]:
    extra = EXTRA_COLUMNS
    if organisation.kind is OrganisationKind.ORGANISATION:
        extra += PROFESSIONAL_COLUMNS
    return extra


def template_csv(organisation: Organisation) -> bytes:
    """The empty list for this organisation: a UTF-8 BOM and the header row."""
    header = group_csv.COLUMNS + columns(organisation)
    return ("\ufeff" + ",".join(header) + "\r\n").encode()


def _latin(value: str) -> bool:
    return all(char.isascii() and (char.isalpha() or char in " -'.") for char in value)


def _extra_problems(organisation: Organisation, extras: dict[str, str]
                    ) -> tuple[dict, list[tuple[str, Text]]]:
    """The member's extra values and the problems of their cells."""
    values: dict = {"name_latin": None, "title": None, "venue": None, "day": None}
    problems: list[tuple[str, Text]] = []
    if extras.get("name_latin"):
        try:
            values["name_latin"] = clean_person_name(extras["name_latin"])
        except TextRefused as err:
            problems.append(("name_latin", err.message))
        else:
            if not _latin(values["name_latin"]):
                problems.append(("name_latin", LATIN_ONLY))
    if extras.get("title"):
        try:
            values["title"] = clean_text(" ".join(extras["title"].split()),
                                         max_length=TITLE_MAX_LENGTH)
        except TextRefused as err:
            problems.append(("title", err.message))
    if organisation.kind is not OrganisationKind.ORGANISATION:
        return values, problems
    venue, day = extras.get("venue", "").upper(), extras.get("date", "")
    if not venue:
        problems.append(("venue", group_csv.REQUIRED))
    elif venue_service.get_venue(venue) is None:
        problems.append(("venue", UNKNOWN_VENUE))
    if not day:
        problems.append(("date", group_csv.REQUIRED))
    else:
        try:
            values["day"] = date.fromisoformat(day)
        except ValueError:
            problems.append(("date", BAD_DATE))
    if venue and values["day"] and not problems \
            and venue_service.find_fair_day(venue, values["day"]) is None:
        problems.append(("date", UNKNOWN_DAY))
    values["venue"] = venue or None
    return values, problems


def _held_kinds(indexes: list[str]) -> dict[str, PassKind]:
    """Blind index -> kind of the active multi-day credential it already holds."""
    found: dict[str, str] = {}
    kinds = sorted(MULTI_DAY_KINDS)
    for start in range(0, len(indexes), 500):
        rows = db.session.execute(select(Credential.document_index, Credential.kind).where(
            Credential.document_index.in_(indexes[start:start + 500]),
            Credential.kind.in_(kinds),
            Credential.status.in_((CredentialStatus.PENDING, CredentialStatus.APPROVED))))
        found.update({index: PassKind(kind) for index, kind in rows})
    return found


def check_lines(organisation: Organisation, data: bytes, *, now: datetime | None = None
                ) -> Iterator[tuple[int, int] | CheckedList]:
    """Check every line, yielding ``(lines checked, lines)`` now and then and the
    CheckedList last."""
    from registration.services.members import MemberInput, member_kind

    parsed = group_csv.parse_member_csv(data, max_members=MAX_MEMBERS,
                                        extra_columns=columns(organisation))
    result = CheckedList(problems=list(parsed.problems))
    total = len(parsed.members)
    every = max(1, total // 100)
    indexes: dict[str, int] = {}
    for number, (member, line, extras) in enumerate(
            zip(parsed.members, parsed.lines, parsed.extras), start=1):
        values, problems = _extra_problems(organisation, extras)
        result.problems.extend(CsvProblem(line, column, message) for column, message in problems)
        try:
            name = clean_person_name(member.name)  # as the form's member is stored
        except TextRefused:
            name = member.name  # group_csv reported it
        result.members.append(MemberInput(
            document_type=member.document_type, document_number=member.document_number,
            document_country=member.document_country, name=name,
            phone=member.phone, email=member.email, **values))
        result.lines.append(line)
        try:
            document = booking.validate_document(member.document_type, member.document_number,
                                                 member.document_country)
        except ServiceError:
            pass  # group_csv reported it
        else:
            indexes.setdefault(vault().blind_index(document), line)
        if number % every == 0 or number == total:
            yield number, total
    if member_kind(organisation) in MULTI_DAY_KINDS and indexes:
        held = _held_kinds(list(indexes))
        for index, kind in held.items():
            result.problems.append(CsvProblem(indexes[index], "document_number",
                                              credential_service.exists_message(kind)))
    result.problems.sort(key=lambda problem: problem.line or 0)
    yield result


def line_problems(line: int, err: ServiceError) -> list[CsvProblem]:
    """A service's refusal of the member on ``line``, as that line's problems."""
    problems = [CsvProblem(line, SERVICE_COLUMNS.get(path, path), message)
                for path, message in err.fields.items()]
    return problems or [CsvProblem(line, None, err.message)]

"""The member list of a delegation as a CSV file (UTF-8), checked line by line.

Columns (header row required, any order): ``document_type``, ``document_number``,
``document_country`` (passports only), ``name`` (as on the document), ``phone``, ``email``.
``document_type`` takes the API codes (``cn_resident_id``, ``passport``, ...) or the
document's name in Chinese or English. Every problem is reported with its line number, so an
organiser can fix the whole file in one go; nothing is booked while any line is bad.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from gate.documents import DocumentType
from gate.i18n import Text
from registration.services import booking
from registration.services.errors import ServiceError
from registration.services.groups import MemberInput
from schemas.fields import TextRefused, clean_person_name

COLUMNS = ("document_type", "document_number", "document_country", "name", "phone", "email")
REQUIRED_COLUMNS = ("document_type", "document_number", "name")
MAX_FILE_BYTES = 1_000_000
PHONE = re.compile(r"\+?[0-9][0-9 \-]{5,19}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

NOT_UTF8 = Text("文件不是 UTF-8 编码的文本；在 Excel 中请另存为“CSV UTF-8”",
                "The file is not UTF-8 text; in Excel, save it as \"CSV UTF-8\"")
TOO_LARGE = Text("文件过大（最大 1 MB）", "The file is too large (1 MB at most)")
EMPTY_FILE = Text("文件中没有成员", "The file lists no members")
MISSING_COLUMNS = Text("缺少列：{columns}", "Missing columns: {columns}")
UNKNOWN_COLUMNS = Text("未知的列：{columns}", "Unknown columns: {columns}")
TOO_MANY = Text("成员过多：最多 {limit} 人，文件中有 {count} 人",
                "Too many members: {limit} at most, the file has {count}")
EXTRA_CELLS = Text("该行的单元格多于表头的列", "This line has more cells than the header")
REQUIRED = Text("必填", "Required")
BAD_PHONE = Text("电话号码格式不对", "Not a valid phone number")
BAD_EMAIL = Text("电子邮箱格式不对", "Not a valid email address")
DUPLICATE = Text("与第 {line} 行的证件相同", "Same document as on line {line}")
BAD_TYPE = Text("未知的证件类型；可用：{codes}", "Unknown document type; use one of: {codes}")

_TYPE_NAMES = {
    **{t.value: t.value for t in DocumentType},
    **{t.label.zh: t.value for t in DocumentType},
    **{t.label.en.lower(): t.value for t in DocumentType},
    "身份证": DocumentType.CN_RESIDENT_ID.value,
}


@dataclass(frozen=True)
class CsvProblem:
    """One problem: ``line`` is the file's line number (None: the whole file)."""

    line: int | None
    column: str | None
    message: Text


@dataclass
class MemberList:
    members: list[MemberInput] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the file line of each member
    # Each member's cells of the caller's ``extra_columns`` ("" when absent), unchecked.
    extras: list[dict[str, str]] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.members)


def template_csv() -> bytes:
    """The empty template: a UTF-8 BOM (so spreadsheet programs read it as UTF-8) and
    the header row."""
    return ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode()


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _dialect(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def parse_member_csv(data: bytes, *, max_members: int,
                     extra_columns: tuple[str, ...] = ()) -> MemberList:
    """Read and check every line; ``problems`` lists everything wrong. ``extra_columns``
    are allowed besides ``COLUMNS`` (the organisation portal's list: title, ...); their
    cells come in ``extras`` for the caller to check."""
    result = MemberList()
    if len(data) > MAX_FILE_BYTES:
        result.problems.append(CsvProblem(None, None, TOO_LARGE))
        return result
    text = _decode(data)
    if text is None:
        result.problems.append(CsvProblem(None, None, NOT_UTF8))
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c and c not in COLUMNS and c not in extra_columns]
    if missing:
        result.problems.append(CsvProblem(1, None, MISSING_COLUMNS.format(
            columns=", ".join(missing))))
    if unknown:
        result.problems.append(CsvProblem(1, None, UNKNOWN_COLUMNS.format(
            columns=", ".join(unknown))))
    if missing or unknown:
        return result
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are allowed anywhere
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            result.problems.append(CsvProblem(line, None, EXTRA_CELLS))
        row = {name: (cells[i].strip() if i < len(cells) else "")
               for i, name in enumerate(header) if name}
        member = _member(row)
        result.problems.extend(CsvProblem(line, column, message)
                               for column, message in _row_problems(row, member, seen, line))
        result.members.append(member)
        result.lines.append(line)
        result.extras.append({name: row.get(name, "") for name in extra_columns})
    if not result.members and not result.problems:
        result.problems.append(CsvProblem(None, None, EMPTY_FILE))
    if len(result.members) > max_members:
        result.problems.insert(0, CsvProblem(None, None, TOO_MANY.format(
            limit=max_members, count=len(result.members))))
    return result


def _member(row: dict[str, str]) -> MemberInput:
    raw_type = row.get("document_type", "")
    doc_type = _TYPE_NAMES.get(raw_type) or _TYPE_NAMES.get(raw_type.lower()) or raw_type
    return MemberInput(
        document_type=doc_type, document_number=row.get("document_number", ""),
        document_country=row.get("document_country") or None,
        name=row.get("name", ""),  # as typed: the group action normalises every name
        phone=row.get("phone") or None, email=row.get("email") or None,
    )


def _row_problems(row: dict[str, str], member: MemberInput, seen: dict[str, int],
                  line: int) -> list[tuple[str, Text]]:
    problems: list[tuple[str, Text]] = []
    if not row.get("name"):
        problems.append(("name", REQUIRED))
    else:
        try:
            clean_person_name(row["name"])  # the rule the API and the booking form apply
        except TextRefused as err:
            problems.append(("name", err.message))
    if member.phone and not PHONE.fullmatch(member.phone):
        problems.append(("phone", BAD_PHONE))
    if member.email and (len(member.email) > 254 or not EMAIL.fullmatch(member.email)):
        problems.append(("email", BAD_EMAIL))
    if not row.get("document_type"):
        problems.append(("document_type", REQUIRED))
        return problems
    if member.document_type not in {t.value for t in DocumentType}:
        codes = ", ".join(t.value for t in DocumentType)
        problems.append(("document_type", BAD_TYPE.format(codes=codes)))
        return problems
    try:
        document = booking.validate_document(member.document_type, member.document_number,
                                             member.document_country)
    except ServiceError as err:
        for path, message in err.fields.items():
            problems.append((path.replace("document.", "document_"), message))
        return problems
    if document.key in seen:
        problems.append(("document_number", DUPLICATE.format(line=seen[document.key])))
    seen.setdefault(document.key, line)
    return problems

"""ICAO Doc 9303 machine-readable zones: TD3 (passport, 2 x 44) and TD1 (card, 3 x 30).

Every check digit is verified; the first one that fails is reported by field name, since a
misread character at a passport reader is far more likely than a forged zone.

Two-digit years: a birth year is in the 2000s unless that puts the birth date after today,
then the 1900s; an expiry year 00-69 is 20yy and 70-99 is 19yy (no passport issued today
expires before 2000, and none is valid into the 2070s).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from gate.checksums import icao_check_digit
from gate.documents import (
    Document, DocumentError, DocumentType, normalize_country,
)
from gate.i18n import Text

TD3 = "TD3"
TD1 = "TD1"
LAYOUTS = {(2, 44): TD3, (3, 30): TD1}
EXPIRY_CENTURY_PIVOT = 70
TD1_DOCUMENT_CODES = "IAC"

_MRZ_LINE = re.compile(r"[A-Z0-9<]+", re.ASCII)

FIELD_NAMES = {
    "document_number": Text("证件号码", "document number"),
    "birth_date": Text("出生日期", "date of birth"),
    "expiry_date": Text("有效期", "date of expiry"),
    "optional_data": Text("可选数据（个人号码）", "optional data (personal number)"),
    "composite": Text("综合数据（号码、日期与可选数据）",
                      "composite (document number, dates and optional data)"),
}

LAYOUT = Text("无法识别机读区：护照应为2行、每行44个字符，身份证件应为3行、每行30个字符",
              "Unrecognised machine-readable zone: a passport has 2 lines of 44 characters, "
              "an ID card 3 lines of 30")
BAD_CHARACTERS = Text("机读区只能包含 A-Z、0-9 和 <",
                      "The machine-readable zone may contain only A-Z, 0-9 and <")
TD3_CODE = Text("护照机读区应以 P 开头", "A passport machine-readable zone starts with P")
TD1_CODE = Text("身份证件机读区应以 I、A 或 C 开头",
                "An ID card machine-readable zone starts with I, A or C")
NO_NUMBER = Text("机读区没有证件号码", "The machine-readable zone has no document number")
CHECK_FAILED = Text("机读区{name_zh}的校验位错误，请重新读取证件",
                    "The machine-readable zone's check digit for the {name_en} is wrong; "
                    "please read the document again")
NOT_A_DATE = Text("机读区的{name_zh}不是有效日期",
                  "The {name_en} in the machine-readable zone is not a real date")


@dataclass(frozen=True)
class MrzRecord:
    """The fields of a verified MRZ (fillers removed). ``repr`` leaves out personal data."""

    format: str
    document_code: str
    issuing_state: str
    document_number: str = field(repr=False)
    nationality: str
    birth_date: date | None = field(repr=False)
    sex: str | None = field(repr=False)
    expiry_date: date | None
    surname: str = field(repr=False)
    given_names: str = field(repr=False)
    optional_data: str = field(repr=False)

    def to_document(self) -> Document:
        """The passport document: number plus issuing state (``D`` becomes ``DEU``).

        TD1 cards map to the passport type too: fairgate has no other type for a foreign
        travel document, and number plus issuing state identifies one just the same.
        """
        return Document(DocumentType.PASSPORT, self.document_number,
                        country=normalize_country(self.issuing_state),
                        birth_date=self.birth_date, sex=self.sex)


def split_mrz_lines(text: str) -> list[str]:
    """The MRZ lines of a reader's text: blank-tolerant, upper-cased, re-split if joined."""
    tokens = unicodedata.normalize("NFKC", text or "").upper().split()
    if _layout_of(tokens) is not None:
        return tokens
    joined = "".join(tokens)
    for lines, width in LAYOUTS:
        if len(joined) == lines * width:
            return [joined[start:start + width] for start in range(0, len(joined), width)]
    return tokens


def parse_mrz(text: str, *, today: date | None = None) -> MrzRecord:
    """Parse and verify a TD3 or TD1 zone; raise ``DocumentError`` (``mrz_format`` or
    ``mrz_check_digit``, field ``mrz``) naming what is wrong."""
    lines = split_mrz_lines(text)
    layout = _layout_of(lines)
    if layout is None:
        raise _format_error(LAYOUT)
    if not all(_MRZ_LINE.fullmatch(line) for line in lines):
        raise _format_error(BAD_CHARACTERS)
    today = today or date.today()
    return _parse_td3(lines, today) if layout == TD3 else _parse_td1(lines, today)


def _parse_td3(lines: list[str], today: date) -> MrzRecord:
    top, bottom = lines
    if top[0] != "P":
        raise _format_error(TD3_CODE)
    number = _verified("document_number", bottom[0:9], bottom[9])
    birth = _verified("birth_date", bottom[13:19], bottom[19])
    expiry = _verified("expiry_date", bottom[21:27], bottom[27])
    optional = _verified("optional_data", bottom[28:42], bottom[42], filler_check=True)
    _verified("composite", bottom[0:10] + bottom[13:20] + bottom[21:43], bottom[43])
    surname, given_names = _names(top[5:44])
    return _record(TD3, code=top[0:2], state=top[2:5], number=number,
                   nationality=bottom[10:13], birth=birth, sex=bottom[20], expiry=expiry,
                   surname=surname, given_names=given_names, optional=[optional],
                   today=today)


def _parse_td1(lines: list[str], today: date) -> MrzRecord:
    top, middle, bottom = lines
    if top[0] not in TD1_DOCUMENT_CODES:
        raise _format_error(TD1_CODE)
    number, check, optional_top = top[5:14], top[14], top[15:30]
    if check == "<":
        # A number longer than 9 characters continues in the optional data, followed by
        # its check digit and a filler (ICAO 9303 part 5).
        overflow = optional_top.split("<", 1)[0]
        if len(overflow) < 2:
            raise _format_error(NO_NUMBER)
        number, check = number + overflow[:-1], overflow[-1]
        optional_top = optional_top[len(overflow):]
    number = _verified("document_number", number, check)
    birth = _verified("birth_date", middle[0:6], middle[6])
    expiry = _verified("expiry_date", middle[8:14], middle[14])
    _verified("composite", top[5:30] + middle[0:7] + middle[8:15] + middle[18:29], middle[29])
    surname, given_names = _names(bottom)
    return _record(TD1, code=top[0:2], state=top[2:5], number=number,
                   nationality=middle[15:18], birth=birth, sex=middle[7], expiry=expiry,
                   surname=surname, given_names=given_names,
                   optional=[optional_top, middle[18:29]], today=today)


def _record(layout: str, *, code: str, state: str, number: str, nationality: str,
            birth: str, sex: str, expiry: str, surname: str, given_names: str,
            optional: list[str], today: date) -> MrzRecord:
    number = number.replace("<", "")
    if not number:
        raise _format_error(NO_NUMBER)
    return MrzRecord(
        format=layout,
        document_code=code.replace("<", ""),
        issuing_state=state.replace("<", ""),
        document_number=number,
        nationality=nationality.replace("<", ""),
        birth_date=_birth_date(birth, today),
        sex=sex if sex in ("M", "F") else None,
        expiry_date=_expiry_date(expiry),
        surname=surname,
        given_names=given_names,
        optional_data=" ".join(part.strip("<") for part in optional if part.strip("<")),
    )


def _verified(name: str, data: str, check: str, *, filler_check: bool = False) -> str:
    """``data`` when its check digit is right; an all-filler field may have a filler check."""
    if filler_check and check == "<" and set(data) == {"<"}:
        return data
    if check != icao_check_digit(data):
        label = FIELD_NAMES[name]
        raise DocumentError("mrz_check_digit", "mrz",
                            CHECK_FAILED.format(name_zh=label.zh, name_en=label.en))
    return data


def _birth_date(yymmdd: str, today: date) -> date | None:
    if "<" in yymmdd:
        return None  # ICAO writes fillers for an unknown date of birth
    if not yymmdd.isdigit():
        raise _date_error("birth_date")
    for century in (2000, 1900):
        born = _date_or_none(century + int(yymmdd[:2]), yymmdd)
        if born is not None and born <= today:
            return born
    raise _date_error("birth_date")


def _expiry_date(yymmdd: str) -> date | None:
    if "<" in yymmdd:
        return None
    if not yymmdd.isdigit():
        raise _date_error("expiry_date")
    year = int(yymmdd[:2])
    expires = _date_or_none(year + (2000 if year < EXPIRY_CENTURY_PIVOT else 1900), yymmdd)
    if expires is None:
        raise _date_error("expiry_date")
    return expires


def _date_or_none(year: int, yymmdd: str) -> date | None:
    try:
        return date(year, int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return None


def _names(field_text: str) -> tuple[str, str]:
    """``SURNAME<<GIVEN<NAMES<<<`` -> (``SURNAME``, ``GIVEN NAMES``)."""
    surname, _, given = field_text.rstrip("<").partition("<<")
    return " ".join(surname.replace("<", " ").split()), " ".join(given.replace("<", " ").split())


def _layout_of(lines: list[str]) -> str | None:
    if not lines or len({len(line) for line in lines}) != 1:
        return None
    return LAYOUTS.get((len(lines), len(lines[0])))


def _format_error(message: Text) -> DocumentError:
    return DocumentError("mrz_format", "mrz", message)


def _date_error(name: str) -> DocumentError:
    label = FIELD_NAMES[name]
    return _format_error(NOT_A_DATE.format(name_zh=label.zh, name_en=label.en))

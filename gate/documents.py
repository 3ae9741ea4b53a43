"""Identity documents: types, normalisation and validation (facts: shared IDENTITY.md).

``parse_document`` turns what a visitor typed into a canonical ``Document`` or raises a
``DocumentError`` that names the failed check in Chinese and English. Error messages never
contain the submitted number: they end up in API answers, logs and screens.

``Document.country`` is set for passports only (the issuing state, ISO 3166-1 alpha-3); it is
``None`` for every other type, whatever the caller passed, so ``Document.key`` of a Chinese
document does not depend on whether a form sent ``CHN`` along.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from gate.checksums import icao_check_digit, mod11_2_check_char
from gate.i18n import Text


class DocumentType(str, enum.Enum):
    CN_RESIDENT_ID = "cn_resident_id"
    HK_MO_RESIDENCE_PERMIT = "hk_mo_residence_permit"
    TW_RESIDENCE_PERMIT = "tw_residence_permit"
    FOREIGN_PERMANENT_RESIDENT_ID = "foreign_permanent_resident_id"
    HK_MO_TRAVEL_PERMIT = "hk_mo_travel_permit"
    TW_TRAVEL_PERMIT = "tw_travel_permit"
    PASSPORT = "passport"

    @property
    def label(self) -> Text:
        """The document's name as printed on forms."""
        return _LABELS[self]


_LABELS = {
    DocumentType.CN_RESIDENT_ID: Text("居民身份证", "Resident Identity Card"),
    DocumentType.HK_MO_RESIDENCE_PERMIT: Text(
        "港澳居民居住证", "Residence Permit for Hong Kong and Macao Residents"),
    DocumentType.TW_RESIDENCE_PERMIT: Text(
        "台湾居民居住证", "Residence Permit for Taiwan Residents"),
    DocumentType.FOREIGN_PERMANENT_RESIDENT_ID: Text(
        "外国人永久居留身份证", "Foreign Permanent Resident ID Card"),
    DocumentType.HK_MO_TRAVEL_PERMIT: Text(
        "港澳居民来往内地通行证", "Mainland Travel Permit for Hong Kong and Macao Residents"),
    DocumentType.TW_TRAVEL_PERMIT: Text(
        "台湾居民来往大陆通行证", "Mainland Travel Permit for Taiwan Residents"),
    DocumentType.PASSPORT: Text("护照", "Passport"),
}

# ISO 3166-1 alpha-3, officially assigned codes.
ISO_ALPHA3 = frozenset("""
AFG ALA ALB DZA ASM AND AGO AIA ATA ATG ARG ARM ABW AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ
BEN BMU BTN BOL BES BIH BWA BVT BRA IOT BRN BGR BFA BDI CPV KHM CMR CAN CYM CAF TCD CHL CHN
CXR CCK COL COM COG COD COK CRI CIV HRV CUB CUW CYP CZE DNK DJI DMA DOM ECU EGY SLV GNQ ERI
EST SWZ ETH FLK FRO FJI FIN FRA GUF PYF ATF GAB GMB GEO DEU GHA GIB GRC GRL GRD GLP GUM GTM
GGY GIN GNB GUY HTI HMD VAT HND HKG HUN ISL IND IDN IRN IRQ IRL IMN ISR ITA JAM JPN JEY JOR
KAZ KEN KIR PRK KOR KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MAC MDG MWI MYS MDV MLI MLT
MHL MTQ MRT MUS MYT MEX FSM MDA MCO MNG MNE MSR MAR MOZ MMR NAM NRU NPL NLD NCL NZL NIC NER
NGA NIU NFK MKD MNP NOR OMN PAK PLW PSE PAN PNG PRY PER PHL PCN POL PRT PRI QAT REU ROU RUS
RWA BLM SHN KNA LCA MAF SPM VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SXM SVK SVN SLB SOM ZAF
SGS SSD ESP LKA SDN SUR SJM SWE CHE SYR TWN TJK TZA THA TLS TGO TKL TON TTO TUN TUR TKM TCA
TUV UGA UKR ARE GBR USA UMI URY UZB VUT VEN VNM VGB VIR WLF ESH YEM ZMB ZWE
""".split())

# Codes ICAO Doc 9303 adds for travel documents: British nationality classes, UN documents,
# international organisations, stateless persons and refugees, Kosovo, the EU laissez-passer
# and UTO, the fictional state of the ICAO specimens.
ICAO_EXTRA_CODES = frozenset("""
GBD GBN GBO GBP GBS UNO UNA UNK XBA XCC XCE XCO XEC XIM XOM XPO XXA XXB XXC XXX EUE RKS UTO
""".split())

KNOWN_STATE_CODES = ISO_ALPHA3 | ICAO_EXTRA_CODES

# Germany writes a single ``D`` (``D<<`` in an MRZ) instead of ``DEU``.
STATE_CODE_ALIASES = {"D": "DEU"}

PASSPORT_NUMBER_LENGTHS = range(5, 18)  # most states use up to 9; ICAO allows longer

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_STRIPPED_CHARS = re.compile("[\\s" + re.escape(_DASHES) + "]+")
# re.ASCII: NFKC leaves e.g. Arabic-Indic digits alone, and \d would accept them.
_GB11643_FORMAT = re.compile(r"\d{17}[\dX]", re.ASCII)
_LEGACY_RESIDENT_ID = re.compile(r"\d{15}", re.ASCII)
_FPR_2017_FORMAT = re.compile(r"[A-Z]{3}\d{12}", re.ASCII)
_HK_MO_TRAVEL_PERMIT = re.compile(r"[HM](\d{8}|\d{10})", re.ASCII)
_TW_TRAVEL_PERMIT = re.compile(r"\d{8}|\d{10}", re.ASCII)
_ALPHANUMERIC = re.compile(r"[A-Z0-9]+", re.ASCII)

PERMIT_REGIONS = {
    DocumentType.HK_MO_RESIDENCE_PERMIT: ("810000", "820000"),
    DocumentType.TW_RESIDENCE_PERMIT: ("830000",),
}

# Messages. Placeholders ending in _zh / _en are filled per language by ``_number_error``.
EMPTY = Text("请填写证件号码", "Please enter the document number")
UNKNOWN_TYPE = Text("不支持的证件类型", "This document type is not supported")
LENGTH = Text("{label_zh}号码长度不对：应为{expected_zh}，现为{actual}位",
              "Wrong length for a {label_en} number: expected {expected_en}, got {actual}")
FORMAT = Text("{label_zh}号码格式不对：应为{expected_zh}",
              "Wrong format for a {label_en} number: expected {expected_en}")
REGION_MAINLAND = Text("地区代码（前六位）无效：居民身份证号码的第一位应为1至6",
                       "The region code (first six digits) is not valid: a Resident Identity "
                       "Card number starts with a digit from 1 to 6")
REGION_PERMIT = Text("地区代码（前六位）不符：{label_zh}号码以{prefix_zh}开头",
                     "The region code (first six digits) does not match: "
                     "{label_en} numbers start with {prefix_en}")
NATIONALITY_PREFIX = Text("前三位不是已知的国籍代码", "The first three letters are not a known "
                          "nationality code")
BIRTH_NOT_A_DATE = Text("出生日期（第{positions}位）不是有效日期",
                        "The birth date (characters {positions}) is not a real date")
BIRTH_IN_FUTURE = Text("出生日期（第{positions}位）晚于今天",
                       "The birth date (characters {positions}) is in the future")
BIRTH_BEFORE_1900 = Text("出生日期（第{positions}位）早于1900年",
                         "The birth date (characters {positions}) is before 1900")
CHECK_DIGIT = Text("校验位（最后一位）与号码不符，请逐位核对号码是否输错",
                   "The check character (the last one) does not match the rest of the number; "
                   "please check every character for a typo")
TYPE_HINT = Text("看起来是{label_zh}，请选择该证件类型。",
                 "It looks like a {label_en}; please choose that document type.")
COUNTRY_MISSING = Text("请选择护照签发国家", "Please choose the country that issued the passport")
COUNTRY_FORMAT = Text("签发国家应为三位字母代码（ISO 3166-1，如 CHN、USA）",
                      "The issuing country must be a three-letter code (ISO 3166-1, e.g. CHN, USA)")
COUNTRY_UNKNOWN = Text("签发国家代码未知", "The issuing country code is not known")

_EXPECTED = {
    DocumentType.CN_RESIDENT_ID: Text("18位（一代身份证为15位）",
                                      "18 characters (15 on a first-generation card)"),
    DocumentType.HK_MO_RESIDENCE_PERMIT: Text("18位", "18 characters"),
    DocumentType.TW_RESIDENCE_PERMIT: Text("18位", "18 characters"),
    DocumentType.FOREIGN_PERMANENT_RESIDENT_ID: Text(
        "18位数字，以9开头（2017年版为3位字母加12位数字）",
        "18 characters starting with 9 (2017 card: 3 letters and 12 digits)"),
    DocumentType.HK_MO_TRAVEL_PERMIT: Text("H或M加8位或10位数字",
                                           "H or M followed by 8 or 10 digits"),
    DocumentType.TW_TRAVEL_PERMIT: Text("8位或10位数字", "8 or 10 digits"),
    DocumentType.PASSPORT: Text("5至17位字母或数字", "5 to 17 letters or digits"),
}
_LEGACY_EXPECTED = Text("15位数字（一代身份证）", "15 digits (first-generation card)")
_GB11643_EXPECTED = Text("17位数字加一位校验位（数字或X）",
                         "17 digits and a check character (a digit or X)")


class DocumentError(ValueError):
    """A document that fails validation.

    ``code`` is a stable machine code (``empty``, ``length``, ``format``, ``region``,
    ``birth_date``, ``check_digit``, ``country``, ``type``, ``mrz_format``,
    ``mrz_check_digit``); ``field`` names the input at fault (``number``, ``country``,
    ``type``, or ``mrz`` for machine-readable zones); ``message`` is the bilingual text.
    """

    def __init__(self, code: str, field: str, message: Text):
        super().__init__(message.en)
        self.code = code
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return self.message.en

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message.as_dict()}


@dataclass(frozen=True)
class Document:
    """A validated document. ``repr`` leaves out the number and birth date (logs)."""

    type: DocumentType
    number: str = field(repr=False)
    country: str | None = None
    birth_date: date | None = field(default=None, repr=False)
    sex: str | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        """Canonical identity for blind indexes and one-booking-per-document rules."""
        return f"{self.type.value}:{self.country or ''}:{self.number}"


def normalize_number(raw: str) -> str:
    """Full-width to half-width, without spaces or dashes, upper-case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return _STRIPPED_CHARS.sub("", text).upper()


def normalize_country(raw: str | None) -> str:
    """The issuing state as a known three-letter code (``D``/``D<<`` becomes ``DEU``)."""
    code = unicodedata.normalize("NFKC", raw or "").strip().upper().rstrip("<")
    if not code:
        raise DocumentError("country", "country", COUNTRY_MISSING)
    code = STATE_CODE_ALIASES.get(code, code)
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise DocumentError("country", "country", COUNTRY_FORMAT)
    if code not in KNOWN_STATE_CODES:
        raise DocumentError("country", "country", COUNTRY_UNKNOWN)
    return code


def infer_document_type(number: str) -> DocumentType | None:
    """The type a bare number most likely belongs to (passports are never inferred)."""
    number = normalize_number(number)
    if _GB11643_FORMAT.fullmatch(number):
        if number[:2] in ("81", "82"):
            return DocumentType.HK_MO_RESIDENCE_PERMIT
        if number[:2] == "83":
            return DocumentType.TW_RESIDENCE_PERMIT
        if number[0] == "9":
            return DocumentType.FOREIGN_PERMANENT_RESIDENT_ID
        return DocumentType.CN_RESIDENT_ID
    if _LEGACY_RESIDENT_ID.fullmatch(number):
        return DocumentType.CN_RESIDENT_ID
    if _HK_MO_TRAVEL_PERMIT.fullmatch(number):
        return DocumentType.HK_MO_TRAVEL_PERMIT
    if _TW_TRAVEL_PERMIT.fullmatch(number):
        return DocumentType.TW_TRAVEL_PERMIT
    if _FPR_2017_FORMAT.fullmatch(number):
        return DocumentType.FOREIGN_PERMANENT_RESIDENT_ID
    return None


def parse_document(type: str | DocumentType, number: str, country: str | None = None, *,
                   today: date | None = None) -> Document:
    """Validate and canonicalise a document; raise ``DocumentError`` naming the failed check."""
    doc_type = _coerce_type(type)
    number = normalize_number(number)
    if not number:
        raise DocumentError("empty", "number", EMPTY)
    today = today or date.today()
    if doc_type is DocumentType.PASSPORT:
        return _parse_passport(number, country)
    if doc_type is DocumentType.CN_RESIDENT_ID:
        return _parse_resident_id(number, today)
    if doc_type in PERMIT_REGIONS:
        return _parse_residence_permit(doc_type, number, today)
    if doc_type is DocumentType.FOREIGN_PERMANENT_RESIDENT_ID:
        return _parse_foreign_permanent_resident_id(number, today)
    pattern = (_HK_MO_TRAVEL_PERMIT if doc_type is DocumentType.HK_MO_TRAVEL_PERMIT
               else _TW_TRAVEL_PERMIT)
    if not pattern.fullmatch(number):
        raise _number_error("format", FORMAT, doc_type, number, expected=_EXPECTED[doc_type])
    return Document(doc_type, number)


def _coerce_type(value: str | DocumentType) -> DocumentType:
    if isinstance(value, DocumentType):
        return value
    try:
        return DocumentType(str(value or "").strip().lower())
    except ValueError:
        raise DocumentError("type", "type", UNKNOWN_TYPE) from None


def _parse_resident_id(number: str, today: date) -> Document:
    doc_type = DocumentType.CN_RESIDENT_ID
    birth_positions = "7-14"
    if len(number) == 15:
        # First-generation cards: two-digit year of the 1900s, no check character.
        if not _LEGACY_RESIDENT_ID.fullmatch(number):
            raise _number_error("format", FORMAT, doc_type, number, expected=_LEGACY_EXPECTED)
        number = number[:6] + "19" + number[6:]
        number += mod11_2_check_char(number)
        birth_positions = "7-12"
    _require_gb11643_layout(doc_type, number)
    if number[0] not in "123456":
        raise _number_error("region", REGION_MAINLAND, doc_type, number)
    return _finish_gb11643(doc_type, number, today, birth_positions)


def _parse_residence_permit(doc_type: DocumentType, number: str, today: date) -> Document:
    _require_gb11643_layout(doc_type, number)
    regions = PERMIT_REGIONS[doc_type]
    if number[:6] not in regions:
        prefix = Text("或".join(regions), " or ".join(regions))
        raise _number_error("region", REGION_PERMIT, doc_type, number, prefix=prefix)
    return _finish_gb11643(doc_type, number, today)


def _parse_foreign_permanent_resident_id(number: str, today: date) -> Document:
    doc_type = DocumentType.FOREIGN_PERMANENT_RESIDENT_ID
    expected = _EXPECTED[doc_type]
    if len(number) == 15:
        # 2017 card: nationality letters, 12 digits, the last an ICAO 7-3-1 check digit.
        if not _FPR_2017_FORMAT.fullmatch(number):
            raise _number_error("format", FORMAT, doc_type, number, expected=expected)
        if number[:3] not in KNOWN_STATE_CODES:
            raise DocumentError("format", "number", NATIONALITY_PREFIX)
        if icao_check_digit(number[:14]) != number[14]:
            raise DocumentError("check_digit", "number", CHECK_DIGIT)
        return Document(doc_type, number)
    if len(number) != 18:
        raise _number_error("length", LENGTH, doc_type, number, expected=expected,
                            actual=len(number))
    if not _GB11643_FORMAT.fullmatch(number) or number[0] != "9":
        raise _number_error("format", FORMAT, doc_type, number, expected=expected)
    # The layout of the 2023 card is known from open-source validators only, so the sequence
    # digit is not read as sex here.
    document = _finish_gb11643(doc_type, number, today)
    return Document(doc_type, number, birth_date=document.birth_date)


def _parse_passport(number: str, country: str | None) -> Document:
    doc_type = DocumentType.PASSPORT
    expected = _EXPECTED[doc_type]
    if not _ALPHANUMERIC.fullmatch(number):
        raise _number_error("format", FORMAT, doc_type, number, expected=expected)
    if len(number) not in PASSPORT_NUMBER_LENGTHS:
        raise _number_error("length", LENGTH, doc_type, number, expected=expected,
                            actual=len(number))
    return Document(doc_type, number, country=normalize_country(country))


def _require_gb11643_layout(doc_type: DocumentType, number: str) -> None:
    if len(number) != 18:
        raise _number_error("length", LENGTH, doc_type, number,
                            expected=_EXPECTED[doc_type], actual=len(number))
    if not _GB11643_FORMAT.fullmatch(number):
        raise _number_error("format", FORMAT, doc_type, number, expected=_GB11643_EXPECTED)


def _finish_gb11643(doc_type: DocumentType, number: str, today: date,
                    birth_positions: str = "7-14") -> Document:
    """Birth date and check character of the GB 11643 layout, then the document."""
    birth_date = parse_birth_date(number[6:14], today, birth_positions)
    if mod11_2_check_char(number[:17]) != number[17]:
        raise DocumentError("check_digit", "number", CHECK_DIGIT)
    sex = "M" if int(number[16]) % 2 else "F"
    return Document(doc_type, number, birth_date=birth_date, sex=sex)


def parse_birth_date(yyyymmdd: str, today: date, positions: str = "7-14") -> date:
    """A real birth date, not in the future and not before 1900."""
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise DocumentError("birth_date", "number",
                            BIRTH_NOT_A_DATE.format(positions=positions)) from None
    if born.year < 1900:
        raise DocumentError("birth_date", "number", BIRTH_BEFORE_1900.format(positions=positions))
    if born > today:
        raise DocumentError("birth_date", "number", BIRTH_IN_FUTURE.format(positions=positions))
    return born


def _number_error(code: str, template: Text, doc_type: DocumentType, number: str,
                  **values) -> DocumentError:
    """An error about the number, with a hint when it fits another document type."""
    per_language = {"label_zh": doc_type.label.zh, "label_en": doc_type.label.en}
    for name, value in values.items():
        if isinstance(value, Text):
            per_language[f"{name}_zh"], per_language[f"{name}_en"] = value
        else:
            per_language[name] = value
    message = template.format(**per_language)
    likely = infer_document_type(number)
    if likely is not None and likely is not doc_type:
        hint = TYPE_HINT.format(label_zh=likely.label.zh, label_en=likely.label.en)
        message = Text(f"{message.zh}；{hint.zh}", f"{message.en}. {hint.en}")
    return DocumentError(code, "number", message)

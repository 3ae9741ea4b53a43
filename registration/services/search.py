"""Finding appointments for staff: by confirmation code, masked name, the last digits of the
document, or (sent in a form, never in a URL) a full document number.

Codes, names and last digits need no decryption: the masked values keep the surname and the
last four characters. A full number is looked up through the blind index (``vault()``): it is
parsed like a booking's document (full-width forms, spaces and dashes normalised), as the type
chosen and as every other type it fits. Whatever was typed, the audit log gets a masked form
only (``SearchResult.audited``), and a number is never echoed back into a page or a URL.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from gate.documents import Document, DocumentError, DocumentType, normalize_number, parse_document
from gate.i18n import Text
from gate.masking import COMPOUND_SURNAMES, mask_document, mask_name
from registration.extensions import db
from registration.models import Appointment, FairDay, Venue
from registration.services.audit import looks_like_document
from registration.services.booking import CODE_ALPHABET, CODE_LENGTH
from registration.services.errors import invalid_field
from registration.services.identity import vault

LIMIT = 50
CODE_RE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
DIGITS_RE = re.compile(r"[0-9X]{1,4}")
DEFAULT_DOCUMENT_TYPE = DocumentType.CN_RESIDENT_ID
TOO_MANY_DIGITS = Text("链接中最多只能包含证件号码的后四位；完整号码请在本页的搜索框中输入（随表单发送，不进入网址）",
                       "Type at most the last four characters of the document in a link; "
                       "type a full document number into this page's search box (it is sent "
                       "with the form, never in the address)")
TOO_SHORT = Text("请至少输入两个字符", "Type at least two characters")
NAME_WITH_DIGITS = Text("姓名中没有数字：请输入预约码（8位）、姓名、证件号码后四位或完整证件号码",
                        "A name has no digits: type a confirmation code (8 characters), a "
                        "name, the last four characters or the full document number")


@dataclass(frozen=True)
class SearchResult:
    kind: str  # code / digits / name / document
    appointments: list[Appointment]
    truncated: bool
    audited: str  # what the audit log keeps of the query: masked, never the plain text
    shown: str  # what the page may put back into the search box ("" for documents)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _base(venue: Venue):
    return (select(Appointment).join(FairDay, FairDay.id == Appointment.fair_day_id)
            .where(FairDay.venue_id == venue.id)
            .options(selectinload(Appointment.passes), selectinload(Appointment.slot)))


def _run(query_) -> tuple[list[Appointment], bool]:
    rows = db.session.scalars(query_.order_by(Appointment.day.desc(), Appointment.id.desc())
                              .limit(LIMIT + 1)).all()
    return list(rows[:LIMIT]), len(rows) > LIMIT


def search(venue: Venue, query: str, *, document_type: str | None = None,
           country: str | None = None, full_numbers: bool = False) -> SearchResult:
    """Appointments at ``venue`` matching ``query``. ``full_numbers``: the query came in a
    form body (POST), so a full document number is looked up; from a URL it is refused."""
    text = " ".join(unicodedata.normalize("NFKC", query or "").split())
    compact = normalize_number(text)
    base = _base(venue)
    if CODE_RE.fullmatch(compact):
        found, truncated = _run(base.where(Appointment.code == compact))
        if found:
            return SearchResult("code", found, truncated, compact, compact)
        if any(char.isdigit() for char in compact) \
                and not (full_numbers and looks_like_document(compact)):
            # A code nobody has may be a passport or permit number: kept masked.
            return SearchResult("code", [], False, mask_document(compact), "")
        # Letters only: a name whose letters happen to be eight code characters
        # (ANDERSEN, MUELLER H): looked up as a name below.
    elif re.fullmatch(r"[0-9X*]+", compact) and DIGITS_RE.fullmatch(compact.lstrip("*")):
        digits = compact.lstrip("*")
        found, truncated = _run(base.where(Appointment.document_masked.like(
            f"%{_like_escaped(digits)}", escape="\\")))
        return SearchResult("digits", found, truncated, digits, digits)
    if looks_like_document(compact) or re.fullmatch(r"[0-9X*]+", compact):
        if not full_numbers:
            raise invalid_field("q", TOO_MANY_DIGITS, "too_many_digits")
        return _by_document(base, compact, document_type, country)
    return _by_name(base, text)


def _by_name(base, text: str) -> SearchResult:
    name = text.upper().rstrip("*").strip()
    if any(char.isdigit() for char in name):
        raise invalid_field("q", NAME_WITH_DIGITS, "name_with_digits")
    if len(name) < 2 and not re.match(r"[\u3400-\u9fff]", name):
        raise invalid_field("q", TOO_SHORT, "too_short")
    found, truncated = _run(base.where(func.upper(Appointment.name_masked).like(
        f"{_like_escaped(name)}%", escape="\\")))
    return SearchResult("name", found, truncated, _masked_name(name), text)


def _masked_name(name: str) -> str:
    """The name query as the audit log keeps it: a surname (what masked names show) as it
    is, anything longer masked like a holder's name (``欧阳娜娜`` -> ``欧阳*``)."""
    if re.match(r"[\u3400-\u9fff]", name):
        compact = name.replace(" ", "")
        if len(compact) == 1 or compact in COMPOUND_SURNAMES:
            return compact
        return mask_name(compact)
    if re.fullmatch(r"[^\s]+( [A-Z]\.?)?", name):
        return name  # SURNAME or SURNAME I., the masked form itself
    return mask_name(name)


def candidates(number: str, document_type: str | None, country: str | None
               ) -> list[Document]:
    """The documents ``number`` can be: as the chosen type (default: resident ID card) and
    as every other type it parses as (a passport only with its issuing country). Raises
    ``DocumentError`` of the chosen type when it fits none."""
    chosen = DocumentType(document_type) if document_type in {t.value for t in DocumentType} \
        else DEFAULT_DOCUMENT_TYPE
    documents, refusal = [], None
    for kind in [chosen] + [t for t in DocumentType if t is not chosen]:
        if kind is DocumentType.PASSPORT and not (country or "").strip() \
                and chosen is not DocumentType.PASSPORT:
            continue
        try:
            documents.append(parse_document(kind, number, country))
        except DocumentError as err:
            if kind is chosen:
                refusal = err
    if not documents:
        raise refusal
    return documents


def _by_document(base, number: str, document_type: str | None, country: str | None
                 ) -> SearchResult:
    try:
        documents = candidates(number, document_type, country)
    except DocumentError as err:
        field = {"number": "q"}.get(err.field, err.field)
        raise invalid_field(field if field in ("q", "country") else "document_type",
                            err.message, err.code) from None
    keys = vault()
    indexes = sorted({keys.blind_index(document) for document in documents})
    found, truncated = _run(base.where(Appointment.document_index.in_(indexes)))
    return SearchResult("document", found, truncated, mask_document(documents[0].number), "")

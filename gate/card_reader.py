"""Card-reader records (text) to validated documents.

A reader hands on one record per card: the MRZ lines of a passport or card, a bare ID
number, or a delimited record from a certified ID-card reader service such as
``name|sex|nation|birth|address|id_number|authority|validity`` (pipe, tab or newline
separated). The document type is inferred from the number's shape.
"""
from __future__ import annotations

import re
from datetime import date

from gate.documents import (
    Document, DocumentError, DocumentType, infer_document_type, normalize_number,
    parse_document,
)
from gate.i18n import Text
from gate.mrz import parse_mrz

FIELD_SEPARATORS = re.compile(r"[|\t\r\n]")

NOTHING_RECOGNISED = Text("读卡记录中没有可识别的证件号码",
                          "No identity document number was recognised in the reader record")
EMPTY_RECORD = Text("读卡记录为空", "The reader record is empty")

_DATE_LIKE = re.compile(r"(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", re.ASCII)


def parse_reader_record(text: str, *, today: date | None = None) -> Document:
    """The document in one reader record; ``DocumentError`` when none validates."""
    text = (text or "").strip()
    if not text:
        raise DocumentError("empty", "number", EMPTY_RECORD)
    if "<" in text:
        # Only machine-readable zones use the filler; let the MRZ parser say what is wrong.
        return parse_mrz(text, today=today).to_document()
    fields = [field for field in FIELD_SEPARATORS.split(text) if field.strip()]
    if len(fields) == 1:
        return _parse_bare_number(fields[0], today)
    return _parse_delimited(fields, today)


def _parse_bare_number(raw: str, today: date | None) -> Document:
    doc_type = infer_document_type(raw)
    if doc_type is None:
        raise DocumentError("format", "number", NOTHING_RECOGNISED)
    return parse_document(doc_type, raw, today=today)


def _parse_delimited(fields: list[str], today: date | None) -> Document:
    """The field that validates as an ID, preferring numbers with a check character.

    Fields shaped like a date (birth, validity) are skipped: ``19900307`` also has the shape
    of a Taiwan travel permit number. Only the strongest shape present is tried, so a record
    whose 18-character ID fails its check is rejected rather than matched on a weaker field.
    """
    candidates = []
    for raw in fields:
        number = normalize_number(raw)
        doc_type = infer_document_type(number)
        if doc_type is not None and not _DATE_LIKE.fullmatch(number):
            candidates.append((_strength(doc_type, number), doc_type, raw))
    if not candidates:
        raise DocumentError("format", "number", NOTHING_RECOGNISED)
    strongest = max(candidate[0] for candidate in candidates)
    first_error = None
    for strength, doc_type, raw in candidates:
        if strength != strongest:
            continue
        try:
            return parse_document(doc_type, raw, today=today)
        except DocumentError as err:
            first_error = first_error or err
    raise first_error


def _strength(doc_type: DocumentType, number: str) -> int:
    """2: a check character guards the number; 1: a distinctive shape; 0: bare digits."""
    if doc_type is DocumentType.TW_TRAVEL_PERMIT:
        return 0
    if doc_type is DocumentType.HK_MO_TRAVEL_PERMIT or (number.isdigit() and len(number) == 15):
        return 1
    return 2

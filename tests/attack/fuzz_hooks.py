"""Schemathesis hooks for fairgate: values for the string formats the OpenAPI document
names beyond JSON Schema's own, i.e. one document-number format per document type
(registration/api/openapi.py). A number of such a format is what gate.documents accepts
for that type: a layout, a region, a birth date and a check character no pattern can say.

Loaded by tests/attack/schemathesis.toml (``hooks``), so ``schemathesis run`` with that
config file generates valid documents as the test does.
"""
from __future__ import annotations

from datetime import date

import schemathesis
from hypothesis import strategies as st

from gate.checksums import icao_check_digit, mod11_2_check_char
from gate.documents import ISO_ALPHA3, DocumentType, parse_document
from registration.api.openapi import document_number_format


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=count, max_size=count)


def _gb11643(region: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Six region digits, a birth date, three sequence digits and the check character."""
    birth = st.dates(date(1900, 1, 1), date.today()).map(lambda day: day.strftime("%Y%m%d"))
    body = st.tuples(region, birth, _digits(3)).map("".join)
    return body.map(lambda digits: digits + mod11_2_check_char(digits))


def _fpr_2017() -> st.SearchStrategy[str]:
    """The 2017 foreign permanent resident card: nationality, 11 digits, ICAO check digit."""
    body = st.tuples(st.sampled_from(sorted(ISO_ALPHA3)), _digits(11)).map("".join)
    return body.map(lambda text: text + icao_check_digit(text))


NUMBERS = {
    DocumentType.CN_RESIDENT_ID: _gb11643(st.tuples(st.sampled_from("123456"), _digits(5))
                                          .map("".join)),
    DocumentType.HK_MO_RESIDENCE_PERMIT: _gb11643(st.sampled_from(["810000", "820000"])),
    DocumentType.TW_RESIDENCE_PERMIT: _gb11643(st.just("830000")),
    DocumentType.FOREIGN_PERMANENT_RESIDENT_ID: st.one_of(
        _gb11643(st.tuples(st.just("9"), _digits(5)).map("".join)), _fpr_2017()),
    DocumentType.HK_MO_TRAVEL_PERMIT: st.tuples(
        st.sampled_from("HM"), st.one_of(_digits(8), _digits(10))).map("".join),
    DocumentType.TW_TRAVEL_PERMIT: st.one_of(_digits(8), _digits(10)),
    DocumentType.PASSPORT: st.from_regex(r"[A-Z0-9]{5,17}", fullmatch=True),
}


def _accepted(doc_type: DocumentType):
    def check(number: str) -> bool:
        try:
            parse_document(doc_type, number, "CHN")
        except ValueError:
            return False
        return True
    return check


for _doc_type, _strategy in NUMBERS.items():
    schemathesis.openapi.format(document_number_format(_doc_type),
                                _strategy.filter(_accepted(_doc_type)))

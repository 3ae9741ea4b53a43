"""ICAO 9303 MRZ parsing: the ICAO specimens, reader quirks, and every check digit."""
from datetime import date

import pytest
from hypothesis import given, strategies as st

from gate.checksums import icao_check_digit
from gate.documents import DocumentError, DocumentType
from gate.mrz import parse_mrz

TODAY = date(2025, 9, 10)
TD3_SPECIMEN = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1_SPECIMEN = ("I<UTOD231458907<<<<<<<<<<<<<<<",
                "7408122F1204159UTO<<<<<<<<<<<6",
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")

FIELD_WORDS = {
    "number": ("证件号码", "document number"),
    "birth": ("出生日期", "date of birth"),
    "expiry": ("有效期", "date of expiry"),
    "optional": ("可选数据", "optional data"),
    "composite": ("综合", "composite"),
}


def td3(number="L898902C3", state="UTO", nationality="UTO", birth="740812", sex="F",
        expiry="120415", optional="ZE184226B", names="ERIKSSON<<ANNA<MARIA"):
    """A TD3 zone with correct check digits."""
    number_part = number.ljust(9, "<") + icao_check_digit(number.ljust(9, "<"))
    birth_part = birth + icao_check_digit(birth)
    expiry_part = expiry + icao_check_digit(expiry)
    optional_part = optional.ljust(14, "<") + icao_check_digit(optional.ljust(14, "<"))
    composite = icao_check_digit(number_part + birth_part + expiry_part + optional_part)
    top = ("P<" + state.ljust(3, "<") + names).ljust(44, "<")
    bottom = (number_part + nationality.ljust(3, "<") + birth_part + sex + expiry_part
              + optional_part + composite)
    return top + "\n" + bottom


def rejection(text, code):
    with pytest.raises(DocumentError) as caught:
        parse_mrz(text, today=TODAY)
    err = caught.value
    assert (err.code, err.field) == (code, "mrz")
    assert err.message.zh and err.message.en and str(err) == err.message.en
    return err


def corrupt(lines, line, position, char):
    changed = list(lines)
    assert changed[line][position] != char
    changed[line] = changed[line][:position] + char + changed[line][position + 1:]
    return "\n".join(changed)


def test_td3_specimen():
    record = parse_mrz("\n".join(TD3_SPECIMEN), today=TODAY)
    assert (record.format, record.document_code, record.issuing_state, record.nationality) == \
        ("TD3", "P", "UTO", "UTO")
    assert (record.document_number, record.birth_date, record.sex, record.expiry_date) == \
        ("L898902C3", date(1974, 8, 12), "F", date(2012, 4, 15))
    assert (record.surname, record.given_names, record.optional_data) == \
        ("ERIKSSON", "ANNA MARIA", "ZE184226B")


def test_td1_specimen():
    record = parse_mrz("\n".join(TD1_SPECIMEN), today=TODAY)
    assert (record.format, record.document_code, record.issuing_state, record.nationality) == \
        ("TD1", "I", "UTO", "UTO")
    assert (record.document_number, record.birth_date, record.sex, record.expiry_date) == \
        ("D23145890", date(1974, 8, 12), "F", date(2012, 4, 15))
    assert (record.surname, record.given_names, record.optional_data) == \
        ("ERIKSSON", "ANNA MARIA", "")


@pytest.mark.parametrize("text", [
    "\r\n".join(TD3_SPECIMEN),
    "  " + TD3_SPECIMEN[0].lower() + "  \n\n  " + TD3_SPECIMEN[1].lower() + "\n",
    "".join(TD3_SPECIMEN),
    "\n".join(TD3_SPECIMEN).replace("<", "＜"),
])
def test_reader_quirks_are_tolerated(text):
    assert parse_mrz(text, today=TODAY).document_number == "L898902C3"


def test_joined_td1_is_split_into_three_lines():
    assert parse_mrz("".join(TD1_SPECIMEN), today=TODAY).document_number == "D23145890"


def test_to_document_gives_a_passport_keyed_by_issuing_state():
    document = parse_mrz("\n".join(TD3_SPECIMEN), today=TODAY).to_document()
    assert (document.type, document.number, document.country) == \
        (DocumentType.PASSPORT, "L898902C3", "UTO")
    assert (document.birth_date, document.sex) == (date(1974, 8, 12), "F")
    assert document.key == "passport:UTO:L898902C3"
    td1_document = parse_mrz("\n".join(TD1_SPECIMEN), today=TODAY).to_document()
    assert td1_document.key == "passport:UTO:D23145890"


def test_germany_single_letter_code_maps_to_deu():
    record = parse_mrz(td3(number="C01X00T47", state="D", nationality="D"), today=TODAY)
    assert (record.issuing_state, record.nationality) == ("D", "D")
    assert record.to_document().country == "DEU"


@pytest.mark.parametrize("position, char, field", [
    (2, "7", "number"), (0, "M", "number"), (9, "7", "number"),
    (15, "1", "birth"), (19, "3", "birth"),
    (23, "1", "expiry"), (27, "8", "expiry"),
    (30, "X", "optional"), (42, "2", "optional"),
    (43, "1", "composite"),
])
def test_td3_each_corrupted_check_field_is_named(position, char, field):
    err = rejection(corrupt(TD3_SPECIMEN, 1, position, char), "mrz_check_digit")
    zh, en = FIELD_WORDS[field]
    assert zh in err.message.zh and en in err.message.en
    assert "L898902C" not in err.message.en


@pytest.mark.parametrize("line, position, char, field", [
    (0, 7, "4", "number"), (0, 14, "8", "number"),
    (1, 3, "9", "birth"), (1, 6, "1", "birth"),
    (1, 12, "6", "expiry"), (1, 14, "1", "expiry"),
    (1, 29, "7", "composite"), (0, 20, "1", "composite"), (1, 20, "B", "composite"),
])
def test_td1_each_corrupted_check_field_is_named(line, position, char, field):
    err = rejection(corrupt(TD1_SPECIMEN, line, position, char), "mrz_check_digit")
    zh, en = FIELD_WORDS[field]
    assert zh in err.message.zh and en in err.message.en


def test_empty_optional_data_may_have_a_filler_check_digit():
    lines = td3(optional="").split("\n")
    assert lines[1][42] == "0"
    filler = lines[1][:42] + "<" + lines[1][43:]
    assert parse_mrz(lines[0] + "\n" + filler, today=TODAY).optional_data == ""


@pytest.mark.parametrize("text", [
    "", "hello", TD3_SPECIMEN[0], "\n".join(TD3_SPECIMEN + TD3_SPECIMEN[:1]),
    TD3_SPECIMEN[0] + "\n" + TD3_SPECIMEN[1][:-1], "\n".join(TD1_SPECIMEN[:2]),
])
def test_wrong_layout_is_a_format_error(text):
    err = rejection(text, "mrz_format")
    assert "44" in err.message.en and "30" in err.message.zh


def test_characters_outside_the_mrz_alphabet_are_a_format_error():
    err = rejection(corrupt(TD3_SPECIMEN, 1, 30, "*"), "mrz_format")
    assert "<" in err.message.en


def test_document_code_must_fit_the_layout():
    assert "P" in rejection(corrupt(TD3_SPECIMEN, 0, 0, "V"), "mrz_format").message.en
    assert "I, A or C" in rejection(corrupt(TD1_SPECIMEN, 0, 0, "P"), "mrz_format").message.en


@pytest.mark.parametrize("birth, born", [
    ("991231", date(1999, 12, 31)), ("000101", date(2000, 1, 1)),
    ("250910", date(2025, 9, 10)), ("250911", date(1925, 9, 11)), ("300101", date(1930, 1, 1)),
])
def test_birth_year_pivot_never_gives_a_future_birth(birth, born):
    assert parse_mrz(td3(birth=birth), today=TODAY).birth_date == born


@pytest.mark.parametrize("expiry, expires", [
    ("690101", date(2069, 1, 1)), ("700101", date(1970, 1, 1)), ("350228", date(2035, 2, 28)),
])
def test_expiry_year_pivot(expiry, expires):
    assert parse_mrz(td3(expiry=expiry), today=TODAY).expiry_date == expires


@pytest.mark.parametrize("field, value, words", [
    ("birth", "741312", "date of birth"), ("expiry", "120230", "date of expiry"),
])
def test_impossible_dates_with_good_check_digits_are_format_errors(field, value, words):
    err = rejection(td3(**{field: value}), "mrz_format")
    assert words in err.message.en


def test_unknown_birth_date_and_sex():
    record = parse_mrz(td3(birth="74<<<<", sex="<"), today=TODAY)
    assert record.birth_date is None and record.sex is None


def test_td1_long_document_number_continues_in_optional_data():
    number, rest = "D23145890", "123"
    check = icao_check_digit(number + rest)
    top = ("I<UTO" + number + "<" + rest + check).ljust(30, "<")
    middle = "7408122F1204159UTO<<<<<<<<<<<"
    middle += icao_check_digit(top[5:30] + middle[0:7] + middle[8:15] + middle[18:29])
    record = parse_mrz("\n".join([top, middle, TD1_SPECIMEN[2]]), today=TODAY)
    assert record.document_number == "D23145890123" and record.optional_data == ""


def test_repr_hides_personal_data():
    text = repr(parse_mrz("\n".join(TD3_SPECIMEN), today=TODAY))
    assert "L898902C3" not in text and "ERIKSSON" not in text and "1974" not in text


def test_default_today_is_the_real_date():
    assert parse_mrz("\n".join(TD3_SPECIMEN)).birth_date == date(1974, 8, 12)


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=9, max_size=9), st.data())
def test_any_digit_typo_in_a_td3_document_number_is_caught(number, data):
    lines = td3(number=number).split("\n")
    assert parse_mrz("\n".join(lines), today=TODAY).document_number == number
    # Digit-to-digit changes only: 7-3-1 cannot see e.g. A -> K at a weight-1 position.
    digit_positions = [i for i, char in enumerate(lines[1][:10]) if char.isdigit()]
    position = data.draw(st.sampled_from(digit_positions))
    typo = str((int(lines[1][position]) + data.draw(st.integers(1, 9))) % 10)
    err = rejection(corrupt(lines, 1, position, typo), "mrz_check_digit")
    assert "document number" in err.message.en and "证件号码" in err.message.zh

"""Document validation as a visitor meets it: accepted numbers, precise bilingual errors."""
from datetime import date

import pytest
from hypothesis import given, strategies as st

from gate.checksums import mod11_2_check_char
from gate.documents import (
    Document, DocumentError, DocumentType, infer_document_type, normalize_country,
    normalize_number, parse_document,
)

TODAY = date(2025, 9, 10)
CN = DocumentType.CN_RESIDENT_ID
HK_MO_PERMIT = DocumentType.HK_MO_RESIDENCE_PERMIT
TW_PERMIT = DocumentType.TW_RESIDENCE_PERMIT
FPR = DocumentType.FOREIGN_PERMANENT_RESIDENT_ID
HK_MO_TRAVEL = DocumentType.HK_MO_TRAVEL_PERMIT
TW_TRAVEL = DocumentType.TW_TRAVEL_PERMIT
PASSPORT = DocumentType.PASSPORT


def rejection(doc_type, number, country=None, today=TODAY):
    """The error a visitor sees, after checking it is presentable and leaks no number."""
    with pytest.raises(DocumentError) as caught:
        parse_document(doc_type, number, country, today=today)
    err = caught.value
    assert err.message.zh and err.message.en
    assert str(err) == err.message.en
    submitted = normalize_number(number)
    if len(submitted) >= 4:
        assert submitted not in err.message.zh and submitted not in err.message.en
        assert number.strip() not in err.message.zh and number.strip() not in err.message.en
    return err


@pytest.mark.parametrize("number, born, sex", [
    ("11010119900307803X", date(1990, 3, 7), "M"),
    ("360426199101010071", date(1991, 1, 1), "M"),
    ("44011320141005001X", date(2014, 10, 5), "M"),
    ("120103198806018241", date(1988, 6, 1), "F"),
])
def test_resident_id_valid_vectors(number, born, sex):
    document = parse_document("cn_resident_id", number, today=TODAY)
    assert document == Document(CN, number, None, born, sex)
    assert document.key == f"cn_resident_id::{number}"


@pytest.mark.parametrize("typed", [
    "44011320141005001x", " 440113 2014 1005 001x ", "440113-20141005-001X",
    "４４０１１３２０１４１００５００１ｘ", "４４０１１３　２０１４１００５００１Ｘ",
])
def test_resident_id_is_normalised(typed):
    assert parse_document(CN, typed, today=TODAY).number == "44011320141005001X"


def test_full_width_digits_are_accepted():
    assert parse_document(CN, "１１０１０１１９９００３０７８０３Ｘ", today=TODAY).number == \
        "11010119900307803X"


def test_legacy_fifteen_digit_id_is_upgraded():
    document = parse_document(CN, "610104620927690", today=TODAY)
    assert document.number == "610104196209276908"
    assert (document.birth_date, document.sex) == (date(1962, 9, 27), "F")
    assert document.key == parse_document(CN, "610104196209276908", today=TODAY).key


@pytest.mark.parametrize("number, code, zh, en", [
    ("360426199101010072", "check_digit", "校验位", "check character"),
    ("360426199113010079", "birth_date", "出生日期", "birth date"),
    ("440308199902301512", "birth_date", "出生日期", "birth date"),
    ("T60426199101010078", "format", "格式", "format"),
    ("1101011990030780", "length", "长度", "length"),
    ("11010119900307803X1", "length", "长度", "length"),
    ("61010462092769A", "format", "格式", "format"),
    ("610104621327690", "birth_date", "出生日期", "birth date"),
    ("010101199003078031", "region", "地区代码", "region code"),
    ("   ", "empty", "证件号码", "document number"),
])
def test_resident_id_invalid_vectors_name_the_failed_check(number, code, zh, en):
    err = rejection(CN, number)
    assert (err.code, err.field) == (code, "number")
    assert zh in err.message.zh and en in err.message.en


def test_check_digit_message_does_not_reveal_the_expected_character():
    # Telling the expected character invites "fixing" the last digit of a mistyped number.
    err = rejection(CN, "110101199003078031")  # the right check character is X
    assert err.code == "check_digit" and "X" not in err.message.en


@pytest.mark.parametrize("birth, positions", [("20250911", "7-14"), ("18991231", "7-14")])
def test_birth_date_in_future_or_before_1900_is_rejected(birth, positions):
    body = "110101" + birth + "123"
    err = rejection(CN, body + mod11_2_check_char(body))
    assert err.code == "birth_date" and positions in err.message.en


def test_birth_date_today_is_accepted_and_default_today_is_the_real_date():
    body = "110101" + TODAY.strftime("%Y%m%d") + "001"
    assert parse_document(CN, body + mod11_2_check_char(body), today=TODAY).birth_date == TODAY
    body = "110101" + date.today().strftime("%Y%m%d") + "001"
    assert parse_document(CN, body + mod11_2_check_char(body)).birth_date == date.today()


@pytest.mark.parametrize("number, label_zh, label_en", [
    ("810000199408230021", "港澳居民居住证", "Hong Kong and Macao"),
    ("830000199201300022", "台湾居民居住证", "Taiwan"),
])
def test_resident_id_type_with_permit_region_tells_which_type_to_choose(number, label_zh,
                                                                        label_en):
    err = rejection(CN, number)
    assert err.code == "region"
    assert label_zh in err.message.zh and label_en in err.message.en
    assert "choose" in err.message.en and "选择" in err.message.zh


def test_resident_id_type_with_a_foreign_permanent_resident_number_suggests_that_type():
    err = rejection(CN, "911398199012310021")
    assert err.code == "region" and "Foreign Permanent Resident" in err.message.en


@pytest.mark.parametrize("doc_type, number, born", [
    (HK_MO_PERMIT, "810000199408230021", date(1994, 8, 23)),
    (TW_PERMIT, "830000199201300022", date(1992, 1, 30)),
])
def test_residence_permit_valid_vectors(doc_type, number, born):
    document = parse_document(doc_type.value, number, today=TODAY)
    assert (document.type, document.number, document.birth_date, document.sex) == \
        (doc_type, number, born, "F")
    assert document.country is None


def test_residence_permit_invalid_check_digit():
    err = rejection(HK_MO_PERMIT, "810000199408230022")
    assert err.code == "check_digit" and "校验位" in err.message.zh


@pytest.mark.parametrize("doc_type, number, expected_prefix", [
    (HK_MO_PERMIT, "11010119900307803X", "810000 or 820000"),
    (HK_MO_PERMIT, "830000199201300022", "810000 or 820000"),
    (TW_PERMIT, "810000199408230021", "830000"),
    (TW_PERMIT, "11010119900307803X", "830000"),
])
def test_residence_permit_region_must_match_the_type(doc_type, number, expected_prefix):
    err = rejection(doc_type, number)
    assert err.code == "region" and expected_prefix in err.message.en
    assert expected_prefix.split(" ")[0] in err.message.zh
    assert "choose" in err.message.en  # points to the type the number belongs to


def test_foreign_permanent_resident_id_2023_form():
    document = parse_document(FPR, "911398199012310021", today=TODAY)
    assert document.birth_date == date(1990, 12, 31) and document.sex is None
    assert rejection(FPR, "911398199012310022").code == "check_digit"
    assert rejection(FPR, "911398199013310021").code == "birth_date"
    assert rejection(FPR, "11010119900307803X").code == "format"
    assert rejection(FPR, "9113981990123100").code == "length"


def test_foreign_permanent_resident_id_2017_form():
    assert parse_document(FPR, "kaz110090123105", today=TODAY).number == "KAZ110090123105"
    assert rejection(FPR, "KAZ110090123106").code == "check_digit"
    assert rejection(FPR, "QQQ110090123105").code == "format"
    assert rejection(FPR, "KAZ11009012310X").code == "format"


@pytest.mark.parametrize("doc_type, number", [
    (HK_MO_TRAVEL, "H12345678"), (HK_MO_TRAVEL, "m1234567801"), (TW_TRAVEL, "12345678"),
    (TW_TRAVEL, "1234567801"),
])
def test_travel_permits_valid(doc_type, number):
    assert parse_document(doc_type, number, today=TODAY).number == number.upper()


@pytest.mark.parametrize("doc_type, number", [
    (HK_MO_TRAVEL, "H1234567"), (HK_MO_TRAVEL, "K12345678"), (HK_MO_TRAVEL, "H123456789"),
    (TW_TRAVEL, "1234567"), (TW_TRAVEL, "123456789"), (TW_TRAVEL, "T12345678"),
])
def test_travel_permits_invalid(doc_type, number):
    err = rejection(doc_type, number)
    assert err.code == "format" and "digits" in err.message.en and "位" in err.message.zh


@pytest.mark.parametrize("country, expected", [
    ("CHN", "CHN"), ("usa", "USA"), (" gbr ", "GBR"), ("D", "DEU"), ("D<<", "DEU"),
    ("UTO", "UTO"), ("XXA", "XXA"), ("ＪＰＮ", "JPN"),
])
def test_passport_country_is_a_known_three_letter_code(country, expected):
    document = parse_document(PASSPORT, "e1234567 8", country, today=TODAY)
    assert (document.number, document.country) == ("E12345678", expected)
    assert document.key == f"passport:{expected}:E12345678"


@pytest.mark.parametrize("country", [None, "", "CN", "CHINA", "XYZ", "12A"])
def test_passport_without_a_valid_country_is_rejected_on_the_country_field(country):
    err = rejection(PASSPORT, "E12345678", country)
    assert (err.code, err.field) == ("country", "country")
    assert "国家" in err.message.zh and "country" in err.message.en


@pytest.mark.parametrize("number, code", [
    ("E123", "length"), ("A" * 18, "length"), ("E1234567/8", "format"), ("E1234567€", "format"),
])
def test_passport_number_shape(number, code):
    assert rejection(PASSPORT, number, "CHN").code == code


def test_passport_accepts_long_numbers_some_states_issue():
    assert parse_document(PASSPORT, "AB1234567890", "USA", today=TODAY).number == "AB1234567890"


@pytest.mark.parametrize("value", ["visa", "", None, "PASSPORTS"])
def test_unknown_type_is_an_error_on_the_type_field(value):
    err = rejection(value, "E12345678", "CHN")
    assert (err.code, err.field) == ("type", "type")


def test_type_accepts_enum_and_loosely_written_strings():
    assert parse_document(" Passport ", "E12345678", "CHN").type is PASSPORT
    assert parse_document(PASSPORT, "E12345678", "CHN").type is PASSPORT


def test_country_is_kept_for_passports_only():
    document = parse_document(CN, "11010119900307803X", "CHN", today=TODAY)
    assert document.country is None and document.key == "cn_resident_id::11010119900307803X"


def test_every_type_has_a_bilingual_label():
    assert [t.value for t in DocumentType] == [
        "cn_resident_id", "hk_mo_residence_permit", "tw_residence_permit",
        "foreign_permanent_resident_id", "hk_mo_travel_permit", "tw_travel_permit", "passport"]
    assert CN.label.zh == "居民身份证" and CN.label.en == "Resident Identity Card"
    assert all(t.label.zh and t.label.en for t in DocumentType)


def test_repr_and_error_dict_hide_the_number():
    document = parse_document(CN, "11010119900307803X", today=TODAY)
    assert "11010119900307803X" not in repr(document)
    err = rejection(CN, "360426199101010072")
    assert err.as_dict() == {"code": "check_digit", "field": "number",
                             "message": err.message.as_dict()}


def test_normalize_country_maps_germany():
    assert normalize_country("d") == "DEU"


@pytest.mark.parametrize("number, expected", [
    ("810000199408230021", HK_MO_PERMIT), ("820000199408230021", HK_MO_PERMIT),
    ("830000199201300022", TW_PERMIT), ("911398199012310021", FPR),
    ("11010119900307803x", CN), ("610104620927690", CN), ("H12345678", HK_MO_TRAVEL),
    ("M1234567890", HK_MO_TRAVEL), ("12345678", TW_TRAVEL), ("1234567890", TW_TRAVEL),
    ("KAZ110090123105", FPR), ("E12345678", None), ("", None),
])
def test_infer_document_type(number, expected):
    assert infer_document_type(number) is expected


@st.composite
def resident_ids(draw):
    """A valid mainland ID: province 11-65, 4 more region digits, real birth date, check."""
    province = draw(st.integers(11, 65))
    region_rest = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(date(1900, 1, 1), TODAY))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    body = f"{province}{region_rest}{born:%Y%m%d}{sequence}"
    return body + mod11_2_check_char(body), born


@given(resident_ids())
def test_any_valid_resident_id_is_accepted(generated):
    number, born = generated
    document = parse_document(CN, number.lower(), today=TODAY)
    assert (document.number, document.birth_date) == (number, born)
    assert document.sex == ("M" if int(number[16]) % 2 else "F")


@given(resident_ids(), st.integers(0, 17), st.integers(1, 9))
def test_any_single_digit_change_is_rejected(generated, position, shift):
    number, _ = generated
    original = 0 if number[position] == "X" else int(number[position])
    typo = number[:position] + str((original + shift) % 10) + number[position + 1:]
    err = rejection(CN, typo)
    # A changed birth-date or region digit may fail those checks before the check digit.
    assert err.code in {"check_digit", "birth_date", "region"}

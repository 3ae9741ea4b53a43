"""Card-reader records: MRZ text, bare numbers and certified reader-service records."""
from datetime import date

import pytest

from gate.card_reader import parse_reader_record
from gate.documents import DocumentError, DocumentType

TODAY = date(2025, 9, 10)
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<\n"
       "7408122F1204159UTO<<<<<<<<<<<6\n"
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
ID_CARD_RECORD = ("张三|男|汉|19900307|北京市东城区东华门街道1号|11010119900307803X|"
                  "北京市公安局东城分局|20100101-20300101")


def read(text):
    return parse_reader_record(text, today=TODAY)


def rejection(text):
    with pytest.raises(DocumentError) as caught:
        read(text)
    err = caught.value
    assert err.message.zh and err.message.en
    return err


@pytest.mark.parametrize("text, doc_type, number", [
    ("11010119900307803X\r\n", DocumentType.CN_RESIDENT_ID, "11010119900307803X"),
    ("44011320141005001x", DocumentType.CN_RESIDENT_ID, "44011320141005001X"),
    ("610104620927690", DocumentType.CN_RESIDENT_ID, "610104196209276908"),
    ("810000199408230021", DocumentType.HK_MO_RESIDENCE_PERMIT, "810000199408230021"),
    ("830000199201300022", DocumentType.TW_RESIDENCE_PERMIT, "830000199201300022"),
    ("911398199012310021", DocumentType.FOREIGN_PERMANENT_RESIDENT_ID, "911398199012310021"),
    ("KAZ110090123105", DocumentType.FOREIGN_PERMANENT_RESIDENT_ID, "KAZ110090123105"),
    ("H12345678", DocumentType.HK_MO_TRAVEL_PERMIT, "H12345678"),
    ("M1234567801", DocumentType.HK_MO_TRAVEL_PERMIT, "M1234567801"),
    ("12345678", DocumentType.TW_TRAVEL_PERMIT, "12345678"),
    ("1234567801", DocumentType.TW_TRAVEL_PERMIT, "1234567801"),
])
def test_a_bare_number_gets_its_type_inferred(text, doc_type, number):
    document = read(text)
    assert (document.type, document.number) == (doc_type, number)


def test_full_width_number_from_a_reader():
    assert read("１１０１０１１９９００３０７８０３Ｘ").number == "11010119900307803X"


@pytest.mark.parametrize("text, number", [(TD3, "L898902C3"), (TD1, "D23145890"),
                                          (TD3.replace("\n", ""), "L898902C3")])
def test_mrz_records_give_passport_documents(text, number):
    document = read(text)
    assert (document.type, document.number, document.country) == \
        (DocumentType.PASSPORT, number, "UTO")
    assert document.birth_date == date(1974, 8, 12)


def test_mrz_with_a_misread_character_names_the_check():
    err = rejection(TD3.replace("7408122", "7408128"))
    assert err.code == "mrz_check_digit" and "date of birth" in err.message.en


@pytest.mark.parametrize("record", [
    ID_CARD_RECORD,
    ID_CARD_RECORD.replace("|", "\t"),
    ID_CARD_RECORD.replace("19900307", "1990-03-07")
    .replace("20100101-20300101", "2010.01.01-2030.01.01"),
    ID_CARD_RECORD.replace("20100101-20300101", "20100101-长期"),
])
def test_reader_service_record_yields_the_id_number_field(record):
    document = read(record)
    assert (document.type, document.number, document.birth_date, document.sex) == \
        (DocumentType.CN_RESIDENT_ID, "11010119900307803X", date(1990, 3, 7), "M")


def test_reader_service_record_of_a_residence_permit():
    record = "陈大文|女|19940823|香港|810000199408230021|公安局|20200101-20250101"
    assert read(record).type is DocumentType.HK_MO_RESIDENCE_PERMIT


def test_birth_date_field_is_not_taken_for_a_taiwan_travel_permit():
    document = read("陈美|女|19920130|12345678|公安部出入境管理局")
    assert (document.type, document.number) == (DocumentType.TW_TRAVEL_PERMIT, "12345678")


def test_record_whose_id_fails_its_check_is_rejected_with_that_reason():
    err = rejection(ID_CARD_RECORD.replace("803X", "8031"))
    assert err.code == "check_digit"
    assert "110101199003078031" not in err.message.en


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("   \n ", "empty"), ("hello", "format"), ("E12345678", "format"),
    ("张三|男|汉|19900307|北京", "format"),
    (ID_CARD_RECORD.replace("803X", "803Y"), "format"),
    ("360426199113010079", "birth_date"), ("360426199101010072", "check_digit"),
    ("P<UTO<<<", "mrz_format"),
])
def test_unusable_records_raise(text, code):
    assert rejection(text).code == code

"""Masked numbers and names as staff screens and passes show them."""
import pytest
from hypothesis import given, strategies as st

from gate.masking import mask_document, mask_for_gate, mask_name


@pytest.mark.parametrize("number, masked", [
    ("11010119900307803X", "1*************803X"),
    ("11010119900307803x", "1*************803X"),
    ("１１０１０１１９９００３０７８０３Ｘ", "1*************803X"),
    ("1101 0119 9003 0780 3X", "1*************803X"),
    ("KAZ110090123105", "K**********3105"),
    ("H12345678", "H****5678"),
    ("E1234567", "E***4567"),
    ("1234567", "1**4567"),
    ("123456", "****56"),
    ("E1234", "***34"),
    ("123", "*23"),
    ("12", "**"),
    ("", ""),
])
def test_mask_document(number, masked):
    assert mask_document(number) == masked


@given(st.text("0123456789ABCDEFGHJKX", min_size=7, max_size=20))
def test_masked_number_keeps_length_and_hides_the_middle(number):
    masked = mask_document(number)
    assert len(masked) == len(number)
    assert masked[0] == number[0] and masked[-4:] == number[-4:]
    assert set(masked[1:-4]) == {"*"}


@pytest.mark.parametrize("name, masked", [
    ("张三", "张*"),
    ("张三丰", "张*"),
    ("欧阳娜娜", "欧阳*"),
    ("司马相如", "司马*"),
    ("諸葛亮明", "諸葛*"),
    ("诸葛亮", "诸葛*"),
    ("欧阳", "欧*"),  # a two-character name is surname + one given character
    ("张", "张*"),
    (" 王 小 明 ", "王*"),
    ("买买提·艾力", "买*"),
    ("김민준", "김*"),
    ("Anna Maria Eriksson", "ERIKSSON A."),
    ("ERIKSSON, ANNA", "ERIKSSON A."),
    ("Eriksson,Anna Maria", "ERIKSSON A."),
    ("van der Berg, anna", "VAN DER BERG A."),
    ("  john   smith ", "SMITH J."),
    ("José Álvarez", "ÁLVAREZ J."),
    # A single Latin word has no given name to abbreviate: it is masked, never shown whole.
    ("Madonna", "M******"),
    ("MADONNA", "M******"),
    ("ANNA-MARIA", "A***-M****"),
    ("anna-maria", "A***-M****"),
    ("ERIKSSON,", "E*******"),
    ("Anna-Maria Eriksson", "ERIKSSON A."),
    ("Eriksson-Berg, Anna", "ERIKSSON-BERG A."),
    ("", ""),
    ("   ", ""),
    (None, ""),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=2, max_size=30)
       .filter(lambda word: any(part[1:] for part in word.split("-"))))
def test_a_single_latin_word_is_never_shown_whole(word):
    masked = mask_name(word)
    assert masked != word
    assert len(masked) == len(word)
    assert all(a == b or b == "*" for a, b in zip(word, masked))


@pytest.mark.parametrize("shown,kiosk", [
    ("1*************803X", "****************3X"),  # the staff form of a resident ID
    ("11010119900307803X", "****************3X"),  # or the number itself
    ("****12", "****12"),
    ("E1234567", "******67"),
    ("12", "**"),
    ("—", "*"),  # a purged record
    ("", ""),
])
def test_kiosks_get_the_last_two_characters_only(shown, kiosk):
    assert mask_for_gate(shown) == kiosk

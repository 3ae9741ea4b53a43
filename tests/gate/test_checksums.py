"""Check characters: GB 11643 (ISO 7064 MOD 11-2) and ICAO 9303 (7-3-1)."""
import pytest
from hypothesis import given, strategies as st

from gate.checksums import (
    has_valid_mod11_2, icao_char_value, icao_check_digit, mod11_2_check_char,
)

DIGITS = "0123456789"
MRZ_CHARS = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ<"


def test_gb11643_worked_example():
    # S = 222, 222 mod 11 = 2 -> "X" (IDENTITY.md)
    assert mod11_2_check_char("11010119900307803") == "X"


@pytest.mark.parametrize("number", [
    "11010119900307803X", "360426199101010071", "44011320141005001X", "120103198806018241",
    "810000199408230021", "830000199201300022", "911398199012310021",
    "610104196209276908",
])
def test_mod11_2_accepts_published_valid_numbers(number):
    assert has_valid_mod11_2(number)
    assert mod11_2_check_char(number[:17]) == number[17]


def test_mod11_2_accepts_lower_case_x():
    assert has_valid_mod11_2("44011320141005001x")


@pytest.mark.parametrize("number", [
    "360426199101010072", "810000199408230022", "911398199012310022",
    "11010119900307803", "T60426199101010078", "",
])
def test_mod11_2_rejects_wrong_or_malformed_numbers(number):
    assert not has_valid_mod11_2(number)


@pytest.mark.parametrize("body", ["1101011990030780", "1101011990030780X", "１１０１０１１９９００３０７８０３"])
def test_mod11_2_needs_seventeen_ascii_digits(body):
    with pytest.raises(ValueError):
        mod11_2_check_char(body)


@pytest.mark.parametrize("field, check", [
    ("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"),
    ("L898902C36" + "7408122" + "1204159ZE184226B<<<<<1", "0"),  # TD3 specimen composite
    ("D23145890", "7"),
    ("D23145890" + "7" + "<" * 15 + "7408122" + "1204159" + "<" * 11, "6"),  # TD1 composite
    ("KAZ11009012310", "5"),  # 2017 foreign permanent resident ID
    ("<<<<<<<<<", "0"),
])
def test_icao_check_digit_of_specimen_fields(field, check):
    assert icao_check_digit(field) == check


def test_icao_character_values():
    assert [icao_char_value(c) for c in "09AZ<"] == [0, 9, 10, 35, 0]
    with pytest.raises(ValueError):
        icao_char_value("a")


@given(st.text(DIGITS, min_size=17, max_size=17), st.integers(0, 16), st.integers(1, 9))
def test_mod11_2_detects_every_single_digit_change(body, position, shift):
    changed_digit = str((int(body[position]) + shift) % 10)
    changed = body[:position] + changed_digit + body[position + 1:]
    assert mod11_2_check_char(changed) != mod11_2_check_char(body)


@given(st.text(MRZ_CHARS, min_size=1, max_size=14), st.data())
def test_icao_detects_every_single_digit_to_digit_change(field, data):
    digit_positions = [i for i, char in enumerate(field) if char.isdigit()]
    if not digit_positions:
        return
    position = data.draw(st.sampled_from(digit_positions))
    changed_digit = str((int(field[position]) + data.draw(st.integers(1, 9))) % 10)
    changed = field[:position] + changed_digit + field[position + 1:]
    assert icao_check_digit(changed) != icao_check_digit(field)

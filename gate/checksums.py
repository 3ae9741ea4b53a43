"""Check characters of identity documents.

- ISO 7064 MOD 11-2, as used by GB 11643-1999 (resident IDs, residence permits, the 2023
  foreign permanent resident ID card): 17 digits -> one check character ``0``-``9`` or ``X``.
- ICAO Doc 9303 7-3-1: any MRZ field (digits, ``A``-``Z``, filler ``<``) -> one digit.

These functions raise plain ``ValueError`` on input they cannot weigh; callers turn that into
a user-facing ``DocumentError`` because only they know which field was wrong.
"""
from __future__ import annotations

MOD11_2_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MOD11_2_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum modulo 11

ICAO_WEIGHTS = (7, 3, 1)


def mod11_2_check_char(body: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    if len(body) != len(MOD11_2_WEIGHTS) or not (body.isascii() and body.isdigit()):
        raise ValueError("MOD 11-2 needs exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(body, MOD11_2_WEIGHTS))
    return MOD11_2_CHECK_CHARS[total % 11]


def has_valid_mod11_2(number: str) -> bool:
    """True when an 18-character number ends in the right MOD 11-2 check character."""
    if len(number) != 18:
        return False
    try:
        return mod11_2_check_char(number[:17]) == number[17].upper()
    except ValueError:
        return False


def icao_char_value(char: str) -> int:
    """Value of one MRZ character: digits as such, ``A``=10 ... ``Z``=35, filler ``<``=0."""
    if char == "<":
        return 0
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise ValueError("not an MRZ character")


def icao_check_digit(field: str) -> str:
    """The ICAO 9303 check digit (as a one-character string) of an MRZ field."""
    total = sum(icao_char_value(char) * ICAO_WEIGHTS[index % 3]
                for index, char in enumerate(field))
    return str(total % 10)

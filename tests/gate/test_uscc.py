"""Unified social credit codes (GB 32100-2015): valid codes, worked by hand below, and one
failure per check, each with its zh/en message."""
from __future__ import annotations

import pytest

from gate.uscc import (
    MESSAGES, WEIGHTS, USCCError, check_character, is_valid_uscc,
    organisation_check_character, parse_uscc,
)

# The commonly published example, and codes built by hand here (see the worked sums).
PUBLISHED = "91350100M000100Y43"


def test_the_weights_are_powers_of_three_modulo_31():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_the_published_example_worked_by_hand():
    # Organisation code M000100Y + 4 (GB 11714): M=22, Y=34 in 0-9A-Z;
    # 22*3 + 1*5 + 34*2 = 139; 139 mod 11 = 7; 11 - 7 = 4.
    assert organisation_check_character("M000100Y") == "4"
    # Check character: values in 0-9A-HJ-NPQRTUWXY (M=21, Y=30) times the weights:
    # 9*1 + 1*3 + 3*9 + 5*27 + 0 + 1*26 + 0 + 0 + 21*20 + 0 + 0 + 0 + 1*8 + 0 + 0
    # + 30*30 + 4*28 = 1640; 1640 mod 31 = 28; 31 - 28 = 3.
    assert 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 == 1640 and 1640 % 31 == 28
    assert check_character(PUBLISHED[:17]) == "3"
    code = parse_uscc(PUBLISHED)
    assert (code.authority, code.category, code.division, code.organisation_code) == (
        "9", "1", "350100", "M000100Y4")


def test_a_social_organisation_code_worked_by_hand():
    # 民政 (5), 社会团体 (1), Beijing Haidian 110108, organisation code 50000000 + C9:
    # 5*3 = 15; 15 mod 11 = 4; 11 - 4 = 7 -> "500000007".
    assert organisation_check_character("50000000") == "7"
    # 5*1 + 1*3 + 1*9 + 1*27 + 0 + 1*26 + 0 + 8*17 + 5*20 + 0*... + 7*28:
    # 5 + 3 + 9 + 27 + 26 + 136 + 100 + 196 = 502; 502 mod 31 = 6; 31 - 6 = 25 -> R.
    assert check_character("51110108500000007") == "R"
    assert is_valid_uscc("51110108500000007R")


def test_check_character_31_is_zero_and_organisation_10_is_x_11_is_0():
    # GB 11714: 00000006 -> 6*2 = 12, 12 mod 11 = 1, 11 - 1 = 10 -> X; 00000000 -> 11 -> 0.
    assert organisation_check_character("00000006") == "X"
    assert organisation_check_character("00000000") == "0"
    # 0000000F (F=15): 15*2 = 30, 30 mod 11 = 8, 11 - 8 = 3 -> organisation code 0000000F3.
    assert organisation_check_character("0000000F") == "3"
    # 91110108 0000000F3: 9 + 3 + 9 + 27 + 26 + 8*17 + 15*30 + 3*28 = 744 = 24 * 31, so
    # 31 - 0 = 31 -> 0.
    assert 9 + 3 + 9 + 27 + 26 + 136 + 450 + 84 == 744 == 24 * 31
    assert check_character("911101080000000F3") == "0"
    assert is_valid_uscc("911101080000000F30")


def test_typing_is_forgiven_case_spaces_full_width():
    assert parse_uscc(" 9135 0100 m000 100y 43 ").code == PUBLISHED
    assert parse_uscc("９１３５０１００Ｍ０００１００Ｙ４３").code == PUBLISHED


@pytest.mark.parametrize(("code", "failed"), [
    ("", "empty"),
    ("91350100M000100Y4", "length"),
    ("91350100M000100Y433", "length"),
    ("91350100M000100I43", "character"),  # I is not used
    ("91350100M0001O0Y43", "character"),  # nor O
    ("B1350100M000100Y43", "authority"),
    ("95350100M000100Y43", "category"),  # 工商 has categories 1-3
    ("91990100M000100Y43", "division"),  # no province 99
    ("9135A100M000100Y43", "division"),
    ("91350100M000100Y53", "organisation_code"),
    ("91350100M000100Y44", "check_character"),
])
def test_each_check_fails_with_its_code_and_message(code, failed):
    with pytest.raises(USCCError) as caught:
        parse_uscc(code)
    error = caught.value
    assert error.code == failed and error.message == MESSAGES[failed]
    assert error.message.zh and error.message.en and code[:10] not in str(error) or not code
    assert error.as_dict()["field"] == "uscc"


def test_every_message_exists_in_both_languages():
    for message in MESSAGES.values():
        assert message.zh != message.en and message.zh and message.en

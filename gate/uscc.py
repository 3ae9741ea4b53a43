"""Unified social credit codes of mainland organisations (统一社会信用代码, GB 32100-2015).

Eighteen characters from ``0-9A-HJ-NPQRTUWXY`` (no I, O, S, V, Z):

==========  ==========================================================================
position    meaning
==========  ==========================================================================
1           registration authority (登记管理部门代码): 1 机构编制, 5 民政, 9 工商 /
            市场监管, Y 其他, and the authorities added to the code list since (2-8, A, N)
2           organisation category (机构类别代码), one of that authority's (CATEGORIES)
3-8         the registering authority's administrative division (GB/T 2260): six digits,
            a province-level prefix, or 100000 for national authorities
9-17        the organisation code (主体标识码, GB 11714): eight characters and its own
            check character at 17: weights 3 7 9 10 5 8 4 2 (values 0-9, A=10 ... Z=35),
            C = 11 - (sum mod 11), 10 -> X, 11 -> 0
18          check character: the value of each of characters 1-17 in the alphabet above
            (0-9, A=10 ... Y=30) times 3^(i-1) mod 31, C18 = 31 - (sum mod 31), 31 -> 0
==========  ==========================================================================

``parse_uscc`` returns the code normalised (NFKC, upper case, spaces removed) or raises
:class:`USCCError` naming the failed check (``empty``, ``length``, ``character``,
``authority``, ``category``, ``division``, ``organisation_code``, ``check_character``) in
Chinese and English, like gate/documents.py. Messages never contain the code itself.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from gate.i18n import Text

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: the value is the index
LENGTH = 18
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714: A=10 ... Z=35

# Registration authority -> its organisation categories (9: "other" of that authority).
CATEGORIES = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    "2": "19",    # 外交: 外国常驻新闻机构, 其他
    "3": "1234569",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会...
    "4": "19",    # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",   # 旅游: 外国 / 港澳台旅游部门常驻代表机构, 其他
    "7": "129",   # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",    # 工会: 基层工会, 其他
    "9": "123",   # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",    # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",     # 其他
}
# GB/T 2260 province-level prefixes; 100000 is the division of national authorities.
PROVINCES = frozenset("""
11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54
61 62 63 64 65 71 81 82
""".split())
NATIONAL_DIVISION = "100000"

MESSAGES = {
    "empty": Text("请填写统一社会信用代码", "Give the unified social credit code"),
    "length": Text("统一社会信用代码应为 18 位", "A unified social credit code has 18 characters"),
    "character": Text("统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z）",
                      "A unified social credit code holds digits and capital letters "
                      "other than I, O, S, V and Z"),
    "authority": Text("统一社会信用代码第 1 位（登记管理部门代码）无效",
                      "Character 1 (the registration authority) is not a known one"),
    "category": Text("统一社会信用代码第 2 位（机构类别代码）与登记管理部门不符",
                     "Character 2 (the organisation category) is not one of its "
                     "registration authority's"),
    "division": Text("统一社会信用代码第 3-8 位（登记管理机关行政区划码）无效",
                     "Characters 3-8 (the administrative division) are not a valid division"),
    "organisation_code": Text("统一社会信用代码第 9-17 位（组织机构代码）校验位不符",
                              "Characters 9-17 (the organisation code) fail their check "
                              "character"),
    "check_character": Text("统一社会信用代码校验位（第 18 位）不符，请核对是否输错",
                            "The check character (character 18) does not match: "
                            "check for a typing mistake"),
}


class USCCError(ValueError):
    """A code that fails a check: ``code`` names it, ``message`` says it in zh and en."""

    def __init__(self, code: str):
        self.code = code
        self.message = MESSAGES[code]
        super().__init__(self.message.en)

    def as_dict(self) -> dict:
        return {"code": self.code, "field": "uscc", "message": self.message.as_dict()}


@dataclass(frozen=True)
class USCC:
    """A valid code. ``code`` is the normalised 18 characters."""

    code: str

    @property
    def authority(self) -> str:
        return self.code[0]

    @property
    def category(self) -> str:
        return self.code[1]

    @property
    def division(self) -> str:
        return self.code[2:8]

    @property
    def organisation_code(self) -> str:
        return self.code[8:17]


def normalize_uscc(text: str | None) -> str:
    """Full-width forms made ASCII, white space and hyphens removed, upper case."""
    value = unicodedata.normalize("NFKC", text or "")
    return "".join(value.replace("-", " ").split()).upper()


def check_character(body: str) -> str:
    """The 18th character for the first 17 (which must be in ALPHABET)."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(body, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(body: str) -> str:
    """GB 11714's check character for an organisation code's first eight characters."""
    total = sum(ORG_CODE_VALUES.index(char) * weight
                for char, weight in zip(body, ORG_CODE_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def parse_uscc(text: str | None) -> USCC:
    """The code, or USCCError naming the first check it fails (in the table's order)."""
    code = normalize_uscc(text)
    if not code:
        raise USCCError("empty")
    if len(code) != LENGTH:
        raise USCCError("length")
    if any(char not in ALPHABET for char in code):
        raise USCCError("character")
    if code[0] not in CATEGORIES:
        raise USCCError("authority")
    if code[1] not in CATEGORIES[code[0]]:
        raise USCCError("category")
    division = code[2:8]
    if not division.isdigit() or (division[:2] not in PROVINCES
                                  and division != NATIONAL_DIVISION):
        raise USCCError("division")
    if organisation_check_character(code[8:16]) != code[16]:
        raise USCCError("organisation_code")
    if check_character(code[:17]) != code[17]:
        raise USCCError("check_character")
    return USCC(code)


def is_valid_uscc(text: str | None) -> bool:
    try:
        parse_uscc(text)
    except USCCError:
        return False
    return True

"""Masked display of document numbers and names, the only form staff screens and passes show.

No national rule fixes the pattern; fairgate shows the first character and the last four of
a number (``1*************803X``) and a name as surname plus ``*`` (``张*``, ``ERIKSSON A.``).
A Latin-script name with no given name to abbreviate (one word, ``Madonna``) would show in
full that way, so it is masked like a number instead: its first letter and one ``*`` per
remaining letter, each part of a hyphenated word on its own (``M******``, ``A***-M****``).
"""
from __future__ import annotations

import re
import unicodedata

from gate.documents import normalize_number

MASK = "*"
SHORT_NUMBER_LENGTH = 6  # up to this many characters only the last two are shown
GATE_VISIBLE = 2  # characters of a document a kiosk ledger keeps (see mask_for_gate)

# Two-character Chinese surnames (simplified and traditional forms): kept whole so that
# 欧阳娜娜 reads 欧阳*, not 欧*.
COMPOUND_SURNAMES = frozenset("""
欧阳 歐陽 司马 司馬 诸葛 諸葛 上官 东方 東方 皇甫 尉迟 尉遲 公孙 公孫 慕容 长孙 長孫 宇文 司徒
夏侯 令狐 端木 轩辕 軒轅 独孤 獨孤 南宫 南宮 钟离 鍾離 司空 呼延 澹台 澹臺 万俟 萬俟 闻人 聞人
赫连 赫連 太史 申屠 公羊 濮阳 濮陽 公冶 宗政 太叔 仲孙 仲孫 鲜于 鮮于 闾丘 閭丘 百里 东郭 東郭
西门 西門 拓跋 第五 左丘 梁丘 谷梁 穀梁 乐正 樂正 漆雕 巫马 巫馬 段干 淳于 单于 單于
""".split())

# Scripts that write the surname first and names without spaces.
_SURNAME_FIRST_RANGES = (
    (0x3400, 0x4DBF),    # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),    # CJK Unified Ideographs
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs
    (0x20000, 0x3134F),  # CJK Extensions B-G (rare characters in names)
    (0xAC00, 0xD7AF),    # Hangul syllables
)


def mask_document(number: str) -> str:
    """First character, ``*`` for the middle, last four; short numbers show the last two."""
    text = normalize_number(number)
    if len(text) <= 2:
        return MASK * len(text)  # too short to show anything safely
    if len(text) <= SHORT_NUMBER_LENGTH:
        return MASK * (len(text) - 2) + text[-2:]
    return text[0] + MASK * (len(text) - 5) + text[-4:]


def mask_for_gate(masked: str) -> str:
    """What the kiosks get of a document: its last two characters only (``**...*3X``).

    Takes the number or its :func:`mask_document` form (both end in the same characters).
    A stolen ledger is attacked by guessing numbers; every character it shows cuts the
    guesses: the staff form ``1*************803X`` names the province group, the whole
    sequence number and the check character, which leaves 1 number in 11,000 of the rest;
    the last two leave 1 in 110 (bench/ledger_attack.py counts them).
    """
    text = masked or ""
    if len(text) <= GATE_VISIBLE:
        return MASK * len(text)
    return MASK * (len(text) - GATE_VISIBLE) + text[-GATE_VISIBLE:]


def mask_name(name: str) -> str:
    """``张*`` / ``欧阳*`` for Chinese names, ``ERIKSSON A.`` for Latin-script ones."""
    text = " ".join(unicodedata.normalize("NFKC", name or "").split())
    if not text:
        return ""
    if _writes_surname_first(text[0]):
        compact = text.replace(" ", "")
        if len(compact) > 2 and compact[:2] in COMPOUND_SURNAMES:
            return compact[:2] + MASK
        return compact[0] + MASK
    return _mask_spaced_name(text)


def _mask_spaced_name(text: str) -> str:
    """``SURNAME, Given`` when there is a comma, otherwise the last word is the surname."""
    if "," in text:
        surname, _, given = text.partition(",")
    else:
        given, _, surname = text.rpartition(" ")
    initial = next((char for char in given if char.isalnum()), "")
    surname = surname.strip().upper()
    if not initial:
        # Nothing to abbreviate: the surname alone would be the whole name.
        return _mask_word(surname)
    return " ".join(part for part in (surname, f"{initial.upper()}.") if part)


def _mask_word(word: str) -> str:
    """``M******`` / ``A***-M****``: the first letter of each hyphen- or space-separated part,
    ``*`` for each further letter; punctuation (apostrophes, dots) is masked too."""
    return "".join(
        piece if piece in ("-", " ") or not piece else piece[0] + MASK * (len(piece) - 1)
        for piece in re.split(r"([- ])", word))


def _writes_surname_first(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _SURNAME_FIRST_RANGES)

"""Field types shared by the schemas."""
from __future__ import annotations

import functools
import sys
import unicodedata

from marshmallow import ValidationError, fields, validate

from gate.i18n import LANGUAGES, Text

CONTROL_CATEGORIES = ("Cc", "Cf", "Cs", "Co")


def has_control_characters(value: str) -> bool:
    """Control, format (bidi overrides, zero-width), surrogate or private-use characters."""
    return any(unicodedata.category(ch) in CONTROL_CATEGORIES for ch in value)


class TextRefused(ValueError):
    """Typed text a rule refuses: ``code`` (``control``, ``blank``, ``too_long``) and the
    bilingual message a person sees."""

    def __init__(self, code: str, message: Text):
        super().__init__(message.en)
        self.code = code
        self.message = message


TEXT_MESSAGES = {
    "control": Text("不能包含控制字符。", "Must not contain control characters."),
    "blank": Text("不能为空白。", "Must not be blank."),
    "too_long": Text("内容过长。", "Too long."),
}


def clean_text(value: str | None, *, max_length: int | None = None, allow_blank: bool = False,
               messages: dict[str, Text] = TEXT_MESSAGES) -> str:
    """Text typed by a person: NFC-normalised and trimmed; refused (TextRefused) when it holds
    control or invisible characters, is blank, or is longer than ``max_length``."""
    text = unicodedata.normalize("NFC", value or "").strip()
    if has_control_characters(text):
        raise TextRefused("control", messages["control"])
    if not text and not allow_blank:
        raise TextRefused("blank", messages["blank"])
    if max_length is not None and len(text) > max_length:
        raise TextRefused("too_long", messages["too_long"])
    return text


NAME_MAX_LENGTH = 100
NAME_MESSAGES = {
    "control": Text("姓名不能包含控制字符或不可见字符（如文字方向控制符、零宽字符）",
                    "A name must not contain control or invisible characters (such as "
                    "text-direction overrides or zero-width spaces)"),
    "blank": Text("请填写证件上的姓名", "Enter the name as it is written on the document"),
    "too_long": Text(f"姓名最多 {NAME_MAX_LENGTH} 个字符",
                     f"A name has at most {NAME_MAX_LENGTH} characters"),
}


def clean_person_name(value: str | None) -> str:
    """The one rule for a person's name, wherever it comes from (the API, the booking form,
    a group's CSV, the desk): every run of white space (a line break in a spreadsheet cell
    too) made one space, then :func:`clean_text` with the name's messages, so any other
    control or invisible character, a blank name or one over 100 characters is refused.
    Raises TextRefused."""
    return clean_text(" ".join((value or "").split()), max_length=NAME_MAX_LENGTH,
                      messages=NAME_MESSAGES)


class CleanString(fields.String):
    """Text typed by a person: trimmed, NFC-normalised, no control characters. Its Length
    validators' maximum holds for the text as sent too (the OpenAPI ``maxLength``), so
    white space around the text does not make a longer value acceptable."""

    default_error_messages = {
        "control": TEXT_MESSAGES["control"].en,
        "blank": TEXT_MESSAGES["blank"].en,
    }

    def __init__(self, *args, allow_blank: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_blank = allow_blank

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        for validator in self.validators:
            if isinstance(validator, validate.Length) and validator.max is not None \
                    and len(text) > validator.max:
                validator(text)  # raises its own message
        try:
            return clean_text(text, allow_blank=self.allow_blank)
        except TextRefused as err:
            raise self.make_error(err.code) from None

    def openapi_properties(self, pattern: str | None = None) -> dict:
        """The JSON Schema of what this field accepts; ``pattern``: that of its Regexp
        validator (which sees the trimmed text), if any."""
        return text_schema(text_pattern(pattern, allow_blank=self.allow_blank))


class PersonName(fields.String):
    """A person's name, checked by :func:`clean_person_name` (messages translated in
    schemas.errors) and loaded as sent: the service's actions normalise it, once for every
    channel, into what is stored. At most NAME_MAX_LENGTH characters as sent, too (the
    OpenAPI ``maxLength``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > NAME_MAX_LENGTH:
            raise ValidationError(NAME_MESSAGES["too_long"].en)
        try:
            clean_person_name(text)
        except TextRefused as err:
            raise ValidationError(err.message.en) from None
        return text

    def openapi_properties(self, pattern: str | None = None) -> dict:
        return text_schema(name_pattern())


class StrictBoolean(fields.Boolean):
    """Only JSON true/false: a consent given as "yes" or 1 is not consent."""

    truthy = {True}
    falsy = {False}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):  # 1 == True: the sets alone would take 1 and 0
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class JsonInteger(fields.Integer):
    """An integer as JSON has it (JSON Schema's ``integer``): 3 or 3.0; not true, not "3"."""

    def _deserialize(self, value, attr, data, **kwargs):
        whole = isinstance(value, int) or isinstance(value, float) and value.is_integer()
        if isinstance(value, bool) or not whole:
            raise self.make_error("invalid", input=value)
        return int(value)


CONSENT_MESSAGE = Text("请阅读并同意个人信息处理规则", "Consent to the use of your data is required")


class Consent(StrictBoolean):
    """Consent to the processing rules: JSON true only (the OpenAPI ``enum: [true]``)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Equal(True, error=CONSENT_MESSAGE.en))


validate_lang = validate.OneOf(LANGUAGES)  # "Must be one of: zh, en."


# Regular expressions of the text rules, for the OpenAPI document ---------------------------
#
# clean_text trims what str.strip() trims (white space; some of it, a tab or a line break, is
# a control character too), then refuses any control, format, surrogate or private-use
# character left and an empty text. The document says the same with character classes
# computed from the same Unicode data, written so that ECMA-262 (u flag), Python and Rust
# read them alike (\uXXXX; astral characters as themselves):
# - ``pattern``, over the Basic Multilingual Plane, where all white space is (an astral
#   character counts as a visible one there);
# - ``not: {pattern}``, no astral control or private-use character anywhere. Kept apart, the
#   pattern's classes stay small: a generator enumerates a class, and the private-use planes
#   alone hold 131,068 characters.
# Surrogates are left out (Rust's classes cannot name them; decoded JSON text has none). NFC
# normalisation is not expressed: a text it lengthens past a limit is the document's one
# blind spot.

@functools.cache
def _character_classes() -> dict[str, str]:
    controls, astral, spaces = set(), [], set()
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char.isspace():
            spaces.add(code)
        if unicodedata.category(char) in ("Cc", "Cf", "Co"):
            (controls.add if code <= 0xFFFF else astral.append)(code)
    return {
        "space": _class_items(sorted(spaces)),  # trimmed
        "control": _class_items(sorted(controls)),  # refused
        "control_not_space": _class_items(sorted(controls - spaces)),
        "control_or_space": _class_items(sorted(controls | spaces)),
        "astral_control": _class_items(astral),  # refused
    }


def _class_items(codes: list[int]) -> str:
    """Sorted code points as the inside of a regular-expression character class."""
    items, start = [], None
    for index, code in enumerate(codes):
        if start is None:
            start = code
        if index + 1 < len(codes) and codes[index + 1] == code + 1:
            continue
        items.append(_class_char(start) if start == code
                     else f"{_class_char(start)}-{_class_char(code)}")
        start = None
    return "".join(items)


def _class_char(code: int) -> str:
    return f"\\u{code:04X}" if code <= 0xFFFF else chr(code)


def text_schema(pattern: str) -> dict:
    """``pattern`` and the astral characters no typed text may hold."""
    astral = f"[{_character_classes()['astral_control']}]"
    return {"pattern": pattern, "not": {"type": "string", "pattern": astral}}


def text_pattern(inner: str | None = None, *, allow_blank: bool = False) -> str:
    """What :class:`CleanString` accepts as sent (but for astral characters, see
    :func:`text_schema`): white space around a text that has no control character and
    begins and ends with a visible one; with ``inner`` (an anchored regular expression no
    match of which begins or ends with white space), around a match of it."""
    c = _character_classes()
    space, visible, ordinary = (f"[{c['space']}]", f"[^{c['control_or_space']}]",
                                f"[^{c['control']}]")
    if inner is not None:
        core = inner.removeprefix("^").removesuffix("$")
    else:
        core = f"{visible}(?:{ordinary}*{visible})?"
        if allow_blank:
            core = f"(?:{core})?"
    return f"^{space}*(?:{core}){space}*$"


def name_pattern() -> str:
    """What :func:`clean_person_name` accepts (but for astral characters): white space of
    any kind anywhere (runs of it become one space), no other control character, at least
    one visible character."""
    c = _character_classes()
    allowed, visible = f"[^{c['control_not_space']}]", f"[^{c['control_or_space']}]"
    return f"^{allowed}*{visible}{allowed}*$"

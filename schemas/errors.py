"""The one error shape: ``{"error": {"code", "message", "fields"}}``.

marshmallow speaks English; the service answers in the request's language, so its standard
messages are translated here (messages we raise ourselves are already bilingual).
"""
from __future__ import annotations

import re

from marshmallow import Schema, fields

from schemas.fields import CONSENT_MESSAGE, NAME_MESSAGES

ZH_MESSAGES = {
    "Missing data for required field.": "缺少必填项。",
    "Unknown field.": "未知字段。",
    "Field may not be null.": "不能为空。",
    "Not a valid string.": "不是有效的文本。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid boolean.": "不是有效的布尔值（true 或 false）。",
    "Not a valid date.": "不是有效的日期（YYYY-MM-DD）。",
    "Not a valid email address.": "电子邮箱格式不正确。",
    "Invalid input type.": "输入类型不正确。",
    "Invalid input.": "输入无效。",
    "Not a valid list.": "不是有效的列表。",
    "Must not contain control characters.": "不能包含控制字符。",
    "Must not be blank.": "不能为空白。",
    "Not a valid phone number.": "电话号码格式不正确。",
    "Must be one of: zh, en.": "只能是 zh 或 en。",
    "Invalid JSON body.": "请求内容不是有效的 JSON。",
    "JSON nested too deeply.": "JSON 嵌套层数过多。",
    # schemas.gate.ConfirmationCodeField
    "Not a confirmation code (8 letters and digits, no 0, 1, I or O).":
        "不是有效的确认码（8位字母和数字，不含 0、1、I、O）。",
}
ZH_MESSAGES.update({text.en: text.zh for text in (*NAME_MESSAGES.values(), CONSENT_MESSAGE)})
_PATTERNS = [
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "长度不能超过 {0}。"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "长度不能少于 {0}。"),
    (re.compile(r"^Must be one of: (.*)\.$"), "只能是以下之一：{0}。"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "长度须在 {0} 到 {1} 之间。"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "不能小于 {0}。"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "不能大于 {0}。"),
]


def translate(message: str, lang: str) -> str:
    if lang != "zh":
        return message
    if message in ZH_MESSAGES:
        return ZH_MESSAGES[message]
    for pattern, template in _PATTERNS:
        match = pattern.match(message)
        if match:
            return template.format(*match.groups())
    return message


def flatten_errors(errors, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested error dict -> ``{"document.number": "message"}``."""
    flat: dict[str, str] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "_schema"
            flat.update(flatten_errors(value, path))
    elif isinstance(errors, list):
        if all(isinstance(item, str) for item in errors):
            flat[prefix] = " ".join(errors)
        else:
            for item in errors:
                flat.update(flatten_errors(item, prefix))
    else:
        flat[prefix] = str(errors)
    return flat


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)

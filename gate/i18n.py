"""Bilingual text: every message a visitor or gate operator sees exists in zh and en."""
from __future__ import annotations

from typing import NamedTuple

LANGUAGES = ("zh", "en")


class Text(NamedTuple):
    """A message in Simplified Chinese and English."""

    zh: str
    en: str

    def format(self, **values) -> "Text":
        return Text(self.zh.format(**values), self.en.format(**values))

    def in_language(self, lang: str | None) -> str:
        return self.zh if (lang or "").lower().startswith("zh") else self.en

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}

"""Language selection: explicit choice (URL ?lang= or the session) first, then the browser."""
from __future__ import annotations

from flask import current_app, g, request, session

from gate.i18n import Text


def select_locale() -> str:
    wanted = request.args.get("lang") or session.get("lang")
    if wanted in current_app.config["LANGUAGES"]:
        return wanted
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "zh"


def request_language(body_lang: str | None = None) -> str:
    """The language of an API answer: the body's ``lang``, else the request's locale."""
    if body_lang in ("zh", "en"):
        return body_lang
    if g.get("lang") in ("zh", "en"):
        return g.lang
    if request.args.get("lang") in ("zh", "en"):
        return request.args["lang"]
    return request.accept_languages.best_match(("zh", "en")) or "en"


def pick(text: Text, lang: str) -> str:
    return text.in_language(lang)

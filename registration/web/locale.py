"""Language and formatting helpers for the visitor pages.

The language comes from ``?lang=`` in the URL (remembered in the session, so a switch sticks
as the visitor moves on), else the session, else the browser's Accept-Language; see
``registration.i18n.request_language``. The switch links to the same page with another
``lang``.
"""
from __future__ import annotations

from datetime import date, time
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask, current_app, request, session
from flask_babel import get_locale

from gate.i18n import Text

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
HTML_LANG = {"zh": "zh-Hans", "en": "en"}
DAY_PATTERNS = {
    "short": {"zh": "M月d日 EEE", "en": "EEE d MMM"},
    "long": {"zh": "y年M月d日 EEEE", "en": "EEEE d MMMM y"},
}


def current_lang() -> str:
    """The language Flask-Babel renders in: the request's (``request_language``), or the
    one an email is forced to (``force_locale``)."""
    locale = get_locale()
    return locale.language if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


def tr(text: Text | None) -> str:
    """A bilingual service message in the page's language."""
    return "" if text is None else text.in_language(current_lang())


def other_lang(text: Text | None) -> str:
    return "" if text is None else text.in_language("en" if current_lang() == "zh" else "zh")


def switch_url(lang: str) -> str:
    """This page in another language (GET; query arguments other than ``lang`` kept, except
    any that looks like a document number: a number typed into a URL is not echoed)."""
    from registration.services.audit import carries_document

    args = [(k, v) for k, v in request.args.items(multi=True)
            if k != "lang" and not carries_document(v)]
    return request.path + "?" + urlencode([*args, ("lang", lang)])


def day_label(day: date, style: str = "short") -> str:
    return format_date(day, DAY_PATTERNS[style][current_lang()], locale=current_lang())


def hours(starts: time, ends: time) -> str:
    return f"{starts:%H:%M}–{ends:%H:%M}"


def number(value: int) -> str:
    return format_decimal(value, locale=current_lang())


def remember_language() -> None:
    """``?lang=`` picks the language for this and the following pages."""
    wanted = request.args.get("lang")
    if request.path.startswith("/api/"):
        return  # JSON clients send ``lang`` per request and keep no session
    if wanted in current_app.config["LANGUAGES"] and session.get("lang") != wanted:
        session["lang"] = wanted


def init_app(app: Flask) -> None:
    app.before_request(remember_language)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        tr=tr, other_lang=other_lang, current_lang=current_lang, switch_url=switch_url,
        language_names=LANGUAGE_NAMES, html_lang=HTML_LANG,
    )
    app.jinja_env.filters.update(day_label=day_label, number=number)
    app.jinja_env.globals["hours"] = hours

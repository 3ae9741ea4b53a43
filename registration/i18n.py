"""The language of a request's answer: pages, emails and JSON errors alike."""
from __future__ import annotations

from flask import current_app, g, request, session


def request_language(explicit: str | None = None) -> str:
    """In order: ``explicit`` (an API body's ``lang``), the ``lang`` of the JSON body being
    loaded (``g.lang``), ``?lang=`` in the URL, the choice remembered in the session, the
    browser's Accept-Language, else the default: ``JSON_DEFAULT_LOCALE`` for a JSON answer,
    ``BABEL_DEFAULT_LOCALE`` for a page.

    Also Flask-Babel's locale selector, so page text and service messages always agree."""
    from registration.errors import wants_json  # (that module answers in this language)

    config = current_app.config
    languages = config["LANGUAGES"]
    for wanted in (explicit, g.get("lang"), request.args.get("lang"), session.get("lang")):
        if wanted in languages:
            return wanted
    return (request.accept_languages.best_match(languages)
            or config["JSON_DEFAULT_LOCALE" if wants_json() else "BABEL_DEFAULT_LOCALE"])

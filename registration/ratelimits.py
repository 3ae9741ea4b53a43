"""Rate limits per document: however many addresses an attacker rotates through, the tries
on one document (booking it; looking up or cancelling its appointment) share one bucket.

The key is the document's blind index (the keyed HMAC that bookings store,
registration/services/identity.py), cut to 32 hex characters, so the limiter's store
(Redis in production) never holds a document number. A request naming no document counts
in a bucket of its own per client address.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_limiter.util import get_remote_address

from gate.documents import infer_document_type, normalize_number, parse_document
from registration.extensions import limiter
from registration.services.identity import vault

MAX_TYPED = 100  # characters of a typed number looked at (longer ones are invalid anyway)


def per_document(setting: str, scope: str, **options):
    """A limit (the setting ``setting``) per document, shared by every route in ``scope``."""
    return limiter.shared_limit(lambda: current_app.config[setting], scope,
                                key_func=document_key, **options)


def document_key() -> str:
    try:
        number, doc_type, country = _named_document()
        if number:
            return "doc:" + document_bucket(number, doc_type, country)
    except Exception:  # noqa: BLE001 - a failing key function would look like a store outage
        pass
    return "addr:" + (get_remote_address() or "")


def document_bucket(number: str, doc_type: str | None = None,
                    country: str | None = None) -> str:
    """The document's blind index; a keyed hash of the normalised number if it is invalid."""
    try:
        kind = doc_type or infer_document_type(number)
        if kind:
            return vault().blind_index(parse_document(kind, number, country or None))[:32]
    except ValueError:  # DocumentError: an invalid document still gets its own bucket
        pass
    index_key = current_app.extensions["fairgate.keys"].index_key
    return hmac.new(index_key, b"ratelimit|" + normalize_number(number).encode(),
                    hashlib.sha256).hexdigest()[:32]


def _named_document() -> tuple[str | None, str | None, str | None]:
    """(number, type, country) as the request typed them: JSON body or form fields."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None, None, None
        document = body.get("document")
        if isinstance(document, dict):
            return (_text(document.get("number")), _text(document.get("type")),
                    _text(document.get("country")))
        return _text(body.get("document_number")), None, None
    form = request.form
    return (_text(form.get("document_number")), _text(form.get("document_type")),
            _text(form.get("document_country")))


def _text(value) -> str | None:
    return value[:MAX_TYPED] if isinstance(value, str) and value.strip() else None

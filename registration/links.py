"""Absolute links for what leaves the service (emails, calendar files): always built from
``PUBLIC_URL``, never from the request's Host header, which the client chooses."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def public_url_for(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values, _external=True)`` on the configured public address.

    Works inside and outside a request; ``PUBLIC_URL`` may carry a path prefix
    (``https://example.org/fairgate``) when a proxy serves the app under one."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)

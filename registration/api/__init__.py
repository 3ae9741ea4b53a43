"""The JSON API under /api (visitor endpoints in v1; gate endpoints join them later)."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api")

from registration.api import (  # noqa: E402,F401
    appointments, devices, gate, gate_openapi, openapi, passes, venues, waitlist,
    waitlist_openapi,
)
from registration.api import organisations, organisations_openapi  # noqa: E402,F401
from registration.api import credentials, credentials_openapi  # noqa: E402,F401
from registration.api import forums, forums_openapi  # noqa: E402,F401
from registration.api import forum_waitlist, forum_waitlist_openapi  # noqa: E402,F401

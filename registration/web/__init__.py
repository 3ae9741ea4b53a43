"""Server-rendered pages (visitor pages, staff pages) and the health endpoint.

Their error pages come from registration/errors.py, with the API's JSON errors."""
from __future__ import annotations

from flask import Flask

from registration.web import (
    groups, health, locale, manage, passes, public, scan, security, staff, waitlist,
)


def init_app(app: Flask) -> None:
    locale.init_app(app)
    security.init_app(app)
    app.register_blueprint(health.blueprint)
    for module in (public, passes, manage, groups, waitlist, scan):
        app.register_blueprint(module.blueprint)
    staff.init_app(app)

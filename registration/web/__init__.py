"""Server-rendered pages (visitor pages, staff pages) and the health endpoint.

Their error pages come from registration/errors.py, with the API's JSON errors."""
from __future__ import annotations

from flask import Flask

from registration.web import (
    credentials, forums, groups, health, locale, manage, passes, public, scan, security, staff,
    waitlist,
)


def init_app(app: Flask) -> None:
    locale.init_app(app)
    security.init_app(app)
    app.register_blueprint(health.blueprint)
    for module in (public, passes, manage, groups, waitlist, scan, forums):
        app.register_blueprint(module.blueprint)
    app.register_blueprint(credentials.blueprint)
    from registration.web import forum_waitlist  # imports the forum pages' helpers

    app.register_blueprint(forum_waitlist.blueprint)
    staff.init_app(app)
    from registration.web import org  # the organisation portal (/org/)

    app.register_blueprint(org.blueprint)
    from registration.web import org_register  # its public registration form

    app.register_blueprint(org_register.blueprint)

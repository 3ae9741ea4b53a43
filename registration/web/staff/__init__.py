"""The staff console under /staff/: log-in, walk-in desk, operations, dashboard, exports,
audit log and purge (docs/staff-console.md). Who may see what: ``access.py``."""
from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("staff", __name__, url_prefix="/staff")

from registration.web.staff import (  # noqa: E402,F401
    appointments, audit, dashboard, desk, devices, exports, login, navigation, operations,
)
from registration.web.staff import badges, messages  # noqa: E402,F401
from registration.web.staff import review  # noqa: E402,F401
from registration.web.staff import zones  # noqa: E402,F401
from registration.web.staff import rooms  # noqa: E402,F401
from registration.web.staff import attention, forum_seats  # noqa: E402,F401
from registration.web.staff.access import check_session  # noqa: E402

blueprint.before_request(check_session)


def init_app(app: Flask) -> None:
    navigation.init_app(app)
    app.register_blueprint(blueprint)

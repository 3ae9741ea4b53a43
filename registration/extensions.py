"""Flask extensions, created unbound here and bound to an app in ``create_app``."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from registration.hardening import address_in
from registration.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()  # staff sessions (registration/web/staff)


@limiter.request_filter
def _exempt_address() -> bool:
    """The venue's own desks and kiosks (``RATELIMIT_EXEMPT``) are never rate-limited.

    Limits key on ``request.remote_addr``: the client itself, or with ``PROXY_HOPS`` set the
    address the trusted proxies saw (registration/hardening.py)."""
    return address_in(request.remote_addr,
                      current_app.extensions.get("fairgate.ratelimit_exempt", ()))

"""Configuration defaults.

Order of precedence (later wins): these defaults -> ``instance/fairgate.cfg`` ->
``FAIRGATE_*`` environment variables -> the ``config`` mapping given to ``create_app``.
"""
from __future__ import annotations

from datetime import timedelta


class Defaults:
    ENV = "development"  # "production" refuses to start without keys on disk
    SECRET_KEY = None  # taken from the instance key file when unset
    DATABASE_URL = None  # None: SQLite file in the instance folder
    REPLICA_DATABASE_URL = None  # a read replica for live dashboards (optional)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    JSON_SORT_KEYS = False

    KEY_FILE = "fairgate-keys.json"  # relative to the instance folder unless absolute

    # Consent: the text version a visitor agrees to is recorded with each appointment.
    CONSENT_VERSION = "2026-09-v1"
    # How many days after a fair day identity data is kept before `fairgate purge` erases it.
    RETENTION_DAYS = 30
    # Fair days can be booked from this many days ahead up to the day itself.
    BOOKING_HORIZON_DAYS = 60
    # A delegation booking may hold at most this many members.
    GROUP_MAX_MEMBERS = 200

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # If Redis goes away, each server keeps limiting from its own memory until it returns.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_BOOKING = "20/minute;200/hour"
    RATELIMIT_LOOKUP = "10/minute;60/hour"
    RATELIMIT_CANCEL = "10/minute;60/hour"

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")

    # None: Secure unless the app runs in debug or testing mode (set it to 0 to serve plain
    # HTTP to other hosts, 1 to force it).
    SESSION_COOKIE_SECURE = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    WTF_CSRF_TIME_LIMIT = None

    # Staff console (docs/staff-console.md).
    STAFF_PASSWORD_HASH = "scrypt"  # werkzeug method string; scrypt:32768:8:1 by default
    STAFF_PASSWORD_MIN_LENGTH = 10
    STAFF_LOCKOUT_THRESHOLD = 5  # failed log-ins in a row lock the account ...
    STAFF_LOCKOUT_MINUTES = 15  # ... for this long
    STAFF_SESSION_IDLE_MINUTES = 60  # a staff session ends after this long without a request
    STAFF_SESSION_MAX_HOURS = 12  # and this long after logging in, whatever happens
    RATELIMIT_STAFF_LOGIN = "20/minute;200/hour"  # log-in attempts per client address
    DESK_CONSENT_VERSION = "2026-09-desk-v1"  # the notice desk staff read out to walk-ins
    DASHBOARD_POLL_SECONDS = 5
    DEVICE_OFFLINE_SECONDS = 120  # a kiosk silent for longer shows as offline

    LOG_JSON = False  # production: one JSON object per log line, with the request id
    LOG_LEVEL = "INFO"
    LOG_REQUESTS = False

    FAIR_NAME_ZH = "中国国际服务贸易交易会"
    FAIR_NAME_EN = "China International Fair for Trade in Services"

"""Configuration defaults.

Order of precedence (later wins): these defaults -> ``instance/fairgate.cfg`` ->
``FAIRGATE_*`` environment variables -> the ``config`` mapping given to ``create_app``.
"""
from __future__ import annotations

from datetime import timedelta

from gate.rules import DEFAULT_TIMEZONE


class ConfigurationError(RuntimeError):
    """The service refuses to start: each line says what to set (English / Chinese)."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class Defaults:
    # "production" refuses to start without keys on disk, or with any setting of
    # registration/hardening.py's production checks left unsafe.
    ENV = "development"
    SECRET_KEY = None  # taken from the instance key file when unset (the safe choice)
    DATABASE_URL = None  # None: SQLite file in the instance folder
    REPLICA_DATABASE_URL = None  # a read replica for live dashboards (optional)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    JSON_SORT_KEYS = False

    KEY_FILE = "fairgate-keys.json"  # relative to the instance folder unless absolute

    # The address visitors use: every link in emails and calendar files starts with it,
    # never with the request's Host header. None: http://127.0.0.1:<FAIRGATE_PORT> in
    # development; production refuses to start without it (https://...).
    PUBLIC_URL = None
    # Host names the service answers to ("fairgate.example.org", ".example.org" for every
    # subdomain); any other Host header is refused with 400. None: any host in development
    # (so `make run` works from the LAN); production refuses to start without it.
    TRUSTED_HOSTS = None
    # Proxies in front of the app that append X-Forwarded-For/-Proto/-Host (load balancer: 1;
    # load balancer and nginx on the host: 2). 0: the headers are ignored, whoever sends them.
    PROXY_HOPS = 0

    # Request bodies above these sizes are refused with 413 before they are read.
    MAX_JSON_BYTES = 64 * 1024  # JSON API requests
    MAX_BATCH_BYTES = 4 * 1024 * 1024  # kiosk event batches and delegation bookings (JSON)
    MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # the group CSV upload form (the CSV: 1 MB at most)
    MAX_CONTENT_LENGTH = 128 * 1024  # every other request (HTML forms)
    MAX_JSON_DEPTH = 20  # JSON nested deeper is refused with 422

    # /metrics: open to these addresses / networks, or to `Authorization: Bearer <token>`.
    METRICS_TOKEN = None
    METRICS_ALLOW = ("127.0.0.1", "::1")

    # Consent: the text version a visitor agrees to is recorded with each appointment.
    CONSENT_VERSION = "2026-09-v1"
    # How many days after a fair day identity data is kept before `fairgate purge` erases it.
    RETENTION_DAYS = 30
    # Fair days can be booked from this many days ahead up to the day itself.
    BOOKING_HORIZON_DAYS = 60
    # Every date a fair day may have (`fairgate day set`, the staff console, bookings, the
    # audit log's day filter), as YYYY-MM-DD; kept within what a pass can carry (2020-2199).
    FAIR_DAY_EARLIEST = "2020-01-01"
    FAIR_DAY_LATEST = "2099-12-31"
    # A delegation booking (API or CSV upload) may hold at most this many members.
    GROUP_MAX_MEMBERS = 200

    # Outgoing email (registration/services/mail.py): SMTP when MAIL_SMTP_HOST is set, else
    # one .eml file per message in MAIL_OUTBOX (None: <instance folder>/outbox).
    MAIL_SMTP_HOST = None
    MAIL_SMTP_PORT = 587
    MAIL_SMTP_USERNAME = None  # None: no log-in
    MAIL_SMTP_PASSWORD = None
    MAIL_SMTP_SECURITY = "starttls"  # or "ssl", "none"
    MAIL_SMTP_TIMEOUT = 10  # seconds
    MAIL_SENDER = "CIFTIS fairgate <no-reply@fairgate.invalid>"
    MAIL_OUTBOX = None

    # Outgoing SMS (registration/services/messages.py): through the HTTP gateway when
    # SMS_GATEWAY_URL is set (docs/credentials.md "SMS"), else one file per message in
    # SMS_OUTBOX (None: <instance folder>/sms-outbox). Delivery after the commit; a failure
    # is retried after SMS_RETRY_BASE_SECONDS * 2**(attempts-1), at most SMS_MAX_ATTEMPTS.
    SMS_GATEWAY_URL = None
    SMS_GATEWAY_TOKEN = None
    SMS_GATEWAY_TIMEOUT = 5  # seconds
    SMS_OUTBOX = None
    SMS_MAX_ATTEMPTS = 5
    SMS_RETRY_BASE_SECONDS = 30
    # Deliver after the commit in a background thread, so no response waits for the gateway
    # (None: yes, except under TESTING, where delivery is inline and ordered).
    SMS_DELIVER_IN_BACKGROUND = None
    # One-time phone codes of organisation contacts: lifetime, tries, least gap between two.
    PHONE_CODE_TTL_SECONDS = 600
    PHONE_CODE_MAX_ATTEMPTS = 5
    PHONE_CODE_RESEND_SECONDS = 60

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # If Redis goes away, each server keeps limiting from its own memory until it returns.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_BOOKING = "20/minute;200/hour"
    RATELIMIT_LOOKUP = "10/minute;60/hour"
    RATELIMIT_CANCEL = "10/minute;60/hour"
    # Per document (its blind index), whatever address the tries come from: booking (API
    # and form), and look-up and cancel together (API and form).
    RATELIMIT_BOOKING_PER_DOCUMENT = "10/minute;30/hour"
    RATELIMIT_LOOKUP_PER_DOCUMENT = "10/minute;30/hour"
    # Addresses or networks never rate-limited: the venue's own desk PCs and kiosks.
    RATELIMIT_EXEMPT: tuple = ()
    # Online verify of a bare ID card (a document number look-up), per gate device.
    RATELIMIT_GATE_VERIFY_DOCUMENT = "120/minute"

    # The language of an answer when neither the request (body `lang`, ?lang=, the session)
    # nor the browser (Accept-Language) names one: pages and emails, and JSON answers (the
    # API, /healthz, the staff console's .json; machine clients read English).
    BABEL_DEFAULT_LOCALE = "zh"
    JSON_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = DEFAULT_TIMEZONE  # a venue's local time follows its own zone
    LANGUAGES = ("zh", "en")

    # None: Secure in production only (plain HTTP works in development from any machine);
    # an explicit 1 or 0 wins, but production refuses to start with 0.
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

    HSTS_MAX_AGE = 365 * 24 * 3600  # Strict-Transport-Security in production (0: none)

    # The gate API for kiosks and handhelds (docs/sync-protocol.md).
    GATE_ENROLL_CODE_TTL_HOURS = 24  # a one-time enrolment code expires after this
    RATELIMIT_ENROLL = "10/minute;50/hour"  # enrolment attempts per client address
    GATE_MANIFEST_PAGE_SIZE = 5000  # manifest items per page unless ?limit=
    GATE_MANIFEST_PAGE_MAX = 20000  # the largest ?limit= accepted (more: 422)
    GATE_MANIFEST_DAYS_AHEAD = 1  # ?date= may name today .. today + this many days
    GATE_MANIFEST_INDEX_BUDGET_SECONDS = 2.0  # time a page may spend computing look-up indexes
    GATE_EVENT_BATCH_MAX = 1000  # events per upload; more is 413 (the kiosk splits the batch)
    GATE_CLOCK_SKEW_SECONDS = 300  # events later than now + this: future_timestamp
    GATE_EVENT_MAX_AGE_HOURS = 48  # events older than this: stale_timestamp
    GATE_LEASE_MAX_REQUEST = 1000  # credits one lease request may ask for (more: 422)
    # A kiosk's entry-credit stock is sized to keep it admitting this many minutes offline at
    # its peak rate over the last GATE_STOCK_RATE_WINDOW_MINUTES, while the venue is at most
    # half full (then less; docs/gate-rules.md "Stock sized to the gate").
    GATE_STOCK_COVER_MINUTES = 10.0
    GATE_STOCK_RATE_WINDOW_MINUTES = 15.0
    # Exhibitors' staff enter from this venue-local time (HH:MM) on fair days whose
    # exhibitors_open is not set; the public from the day's opening (gate/rules.py).
    EXHIBITORS_OPEN = "08:00"

    # Kiosk ID-card look-up index (gate/lookup.py, docs/sync-protocol.md section 3.1):
    # Argon2id with these parameters, pinned per venue-day when its first index is computed.
    # One index costs about 80 ms of one core and 96 MiB (bench/ledger_attack.py): the price
    # of every guess against a stolen kiosk ledger, and of every ID card a kiosk reads (two
    # lanes: its two cores share it). Lower them for tests only.
    GATE_LOOKUP_KDF_TIME_COST = 1
    GATE_LOOKUP_KDF_MEMORY_KIB = 98304
    GATE_LOOKUP_KDF_PARALLELISM = 2

    # The waiting room in front of booking (docs/waiting-room.md): "memory" (one process:
    # `make run`, tests) or redis://host:port/db, shared by every app server. Redis down:
    # the room refuses with 503, it never opens to everyone.
    WAITING_ROOM_STORE = "memory"
    WAITING_ROOM_RATE = 20  # admissions per second per venue-day until staff change it
    WAITING_ROOM_PREQUEUE_MINUTES = 10  # arrivals this long before the opening are shuffled
    WAITING_ROOM_TICKET_HOURS = 12  # a place in line is kept this long
    WAITING_ROOM_ADMISSION_MINUTES = 10  # time to send the booking form once admitted
    WAITING_ROOM_REFRESH_SECONDS = 10  # the queue page refreshes itself at most this often
    # Booking requests per second on a day without a scheduled opening above which the
    # room switches on for WAITING_ROOM_SURGE_MINUTES (0: never; staff can change it live).
    WAITING_ROOM_SURGE_PER_SECOND = 0
    WAITING_ROOM_SURGE_MINUTES = 10
    # Proof of work (ALTCHA, SHA-256, self-hosted): the largest number a client may have to
    # try (the cost; about half of it on average). Staff raise it live during an attack.
    POW_MAX_NUMBER = 50000
    POW_CHALLENGE_SECONDS = 300  # a challenge must be solved within this time
    # Whether booking and look-up ask a proof of work outside the waiting room too (staff
    # can switch it on live); the queue entrance always asks one.
    POW_ON_BOOKING = False
    RATELIMIT_QUEUE_JOIN = "20/minute;100/hour"  # queue entrance per client address
    RATELIMIT_QUEUE_JOIN_PER_DOCUMENT = "5/minute;20/hour"

    # The waiting list of a full day (docs/waiting-list.md): a freed place is held for the
    # first in line for this long (hours) after the offer mail; then it passes to the next.
    WAITLIST_OFFER_HOURS = 2.0
    RATELIMIT_WAITLIST = "10/minute;60/hour"  # joining / withdrawing, per client address
    # A forum's waiting list (docs/forums.md): a seat given back is held for the first in
    # line for this long (minutes), never past the forum's start.
    FORUM_OFFER_MINUTES = 120

    # Organisations (docs/credentials.md "Organisations"): a portal sign-in link is good
    # once for this many hours; an exhibitor's default badge quota is one badge per
    # EXHIBITOR_M2_PER_BADGE m² of stand (floor, at least one). Registering and asking for
    # a new sign-in link are rate limited per client address.
    ORG_SIGN_IN_HOURS = 24
    EXHIBITOR_M2_PER_BADGE = 3
    RATELIMIT_ORGANISATIONS = "10/minute;60/hour"
    RATELIMIT_ORG_SIGN_IN_LINK = "5/minute;20/hour"

    # Individual credential applications (docs/credentials.md "Individual applications"):
    # professional visitors are reviewed only when PROFESSIONAL_REVIEW is on (media always,
    # online never). Applying and looking up are rate limited like bookings.
    PROFESSIONAL_REVIEW = False
    RATELIMIT_CREDENTIALS = "10/minute;60/hour"

    LOG_JSON = False  # production: one JSON object per log line, with the request id
    LOG_LEVEL = "INFO"
    LOG_REQUESTS = False

    FAIR_NAME_ZH = "中国国际服务贸易交易会"
    FAIR_NAME_EN = "China International Fair for Trade in Services"

"""Settings of the gate API, with their defaults (override as FAIRGATE_<NAME>).

Kept beside the gate services rather than in ``registration.config.Defaults`` so that the
gate part is self-contained; docs/sync-protocol.md lists them.
"""
from __future__ import annotations

from flask import current_app

GATE_DEFAULTS = {
    "GATE_ENROLL_CODE_TTL_HOURS": 24,       # a one-time enrolment code expires after this
    "RATELIMIT_ENROLL": "10/minute;50/hour",  # enrolment attempts per client address
    "GATE_MANIFEST_PAGE_SIZE": 5000,         # manifest items per page unless ?limit=
    "GATE_MANIFEST_PAGE_MAX": 20000,         # largest ?limit= accepted
    "GATE_MANIFEST_DAYS_AHEAD": 1,           # ?date= may name today .. today + this many days
    "GATE_EVENT_BATCH_MAX": 1000,            # events per upload; more is 413
    "GATE_CLOCK_SKEW_SECONDS": 300,          # events later than now + this: future_timestamp
    "GATE_EVENT_MAX_AGE_HOURS": 48,          # events older than this: stale_timestamp
    "GATE_LEASE_MAX_REQUEST": 1000,          # credits one lease request may ask for
}


def setting(name: str):
    return current_app.config.get(name, GATE_DEFAULTS[name])

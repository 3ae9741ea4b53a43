"""The audit log: every staff action, who did it, when, and what.

Entries are only ever added (``record``); nothing here or anywhere else updates or deletes
one. Targets and details name confirmation codes, pass serials, device ids and masked
values, never a plain document number or name.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from registration.extensions import db
from registration.models import AuditEntry, StaffUser
from registration.services.calendar import utc_now

PAGE_SIZE = 50

# The actions the console records (the audit page offers them as a filter).
ACTIONS = (
    "login", "login_failed", "login_locked", "logout",
    "desk_booking", "desk_found", "label_printed",
    "venue_set", "gate_added", "day_set", "slot_set",
    "device_code_issued", "device_revoked", "pass_revoked",
    "appointments_searched", "export", "purge",
)


def record(action: str, user: StaffUser | None = None, *, username: str | None = None,
           venue: str | None = None, target: str | None = None, details: dict | None = None,
           remote_addr: str | None = None, now: datetime | None = None) -> AuditEntry:
    """Add one entry (the caller commits, together with the action itself)."""
    entry = AuditEntry(
        at=now or utc_now(), staff_user_id=user.id if user is not None else None,
        username=(user.username if user is not None else (username or "?"))[:60],
        action=action, venue_code=venue, target=(target or None) and target[:120],
        details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)[:1000]
        if details else None,
        remote_addr=(remote_addr or None) and remote_addr[:45],
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    username: str | None = None
    venue: str | None = None
    day: date | None = None  # Beijing time


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def entries(wanted: AuditFilter, page: int = 1, *, zone: str = "Asia/Shanghai") -> AuditPage:
    """Newest first, ``PAGE_SIZE`` a page."""
    query = select(AuditEntry)
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.username:
        query = query.where(AuditEntry.username == wanted.username)
    if wanted.venue:
        query = query.where(AuditEntry.venue_code == wanted.venue)
    if wanted.day:
        start = datetime.combine(wanted.day, time(0), ZoneInfo(zone))
        query = query.where(AuditEntry.at >= start, AuditEntry.at < start + timedelta(days=1))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return AuditPage(list(rows), page, pages, total)


def details_of(entry: AuditEntry) -> dict:
    return json.loads(entry.details) if entry.details else {}

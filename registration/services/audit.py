"""The audit log: every staff action, who did it, when, and what.

Entries are only ever added (``record``); nothing changes one afterwards except the retention
purge, which erases the (masked) identity data of entries about purged days once
(``erase_identity``; the database trigger allows exactly that one change). Targets and
details name confirmation codes, pass serials, device ids and masked values, never a plain
document number or name: ``record`` masks anything shaped like a document number on the
way in (``scrub``), and a failed log-in keeps the typed username only when it cannot be a
password (``typed_username``).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select

from gate.rules import DEFAULT_TIMEZONE
from gate.documents import DocumentError, DocumentType, infer_document_type, parse_document
from gate.masking import mask_document
from registration.extensions import db
from registration.models import AuditAction, AuditEntry, StaffUser
from registration.services.calendar import utc_now

PAGE_SIZE = 50
UNKNOWN_USER = "?"
ERASED = "—"

# The actions the console records (the audit page offers them as a filter).
ACTIONS = tuple(action.value for action in AuditAction)
# Detail keys that hold what a person typed: every number-like run in them is masked.
FREE_TEXT_KEYS = frozenset({"query", "reason"})
# Detail keys that hold (masked) identity data, or free text that may name a person (a
# revocation's reason): erased by the retention purge.
IDENTITY_KEYS = frozenset({"document", "name", "query", "reason"})

DOCUMENT_DIGITS = 5  # this many digits (however spaced) may be most of a document number
_SEPARATOR = "[\\s\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d]"
# Digits split by spaces or dashes, led by up to three letters (E12345678, H12345678,
# ABC123...) and maybe ended by X: the shapes of document numbers as people type them.
_NUMBER_RUN = re.compile(
    f"(?<![0-9])[A-Za-z]{{0,3}}[0-9](?:{_SEPARATOR}*[0-9])*(?:{_SEPARATOR}*[Xx])?(?![0-9])",
    re.ASCII)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_CHECKED_TYPES = (DocumentType.CN_RESIDENT_ID, DocumentType.HK_MO_RESIDENCE_PERMIT,
                  DocumentType.TW_RESIDENCE_PERMIT, DocumentType.FOREIGN_PERMANENT_RESIDENT_ID)


def _compact(text: str) -> str:
    return re.sub(_SEPARATOR, "", unicodedata.normalize("NFKC", text or "")).upper()


def digit_count(text: str) -> int:
    return sum(char in "0123456789" for char in _compact(text))


def looks_like_document(text: str | None) -> bool:
    """True for anything that may be (most of) an identity-document number, once full-width
    forms, spaces and dashes are normalised: five or more digits, or the shape of a document
    type. An ISO date (``2026-09-10``) is not one."""
    if not text or _ISO_DAY.fullmatch(text.strip()):
        return False
    return digit_count(text) >= DOCUMENT_DIGITS or infer_document_type(_compact(text)) is not None


def carries_document(value: str | None) -> bool:
    """Whether a URL query value holds something like a document number; for a value that
    is itself a path (``next=/staff/...?q=...``) only its own query values count."""
    if value and value.startswith("/"):
        return any(looks_like_document(item) for _, item in
                   parse_qsl(urlsplit(value).query, keep_blank_values=True))
    return looks_like_document(value)


def _checked_document(run: str) -> bool:
    """A run that is a valid number with a check character (resident ID and the permits)."""
    number = _compact(run)
    if len(number) not in (15, 18):
        return False
    likely = infer_document_type(number)
    if likely not in _CHECKED_TYPES:
        return False
    try:
        parse_document(likely, number)
    except DocumentError:
        return False
    return True


def scrub(text: str, *, free_text: bool = False) -> str:
    """``text`` with document numbers masked (``1*************803X``). Always: valid
    check-digit numbers (resident IDs, permits) in any spacing or width. With
    ``free_text`` (what a person typed): every run of five or more digits, ISO dates
    excepted."""
    if not text:
        return text
    text = unicodedata.normalize("NFKC", text)

    def masked(match: re.Match) -> str:
        run = match.group(0)
        if free_text and digit_count(run) >= DOCUMENT_DIGITS and not _ISO_DAY.fullmatch(run):
            return mask_document(run)
        return mask_document(run) if _checked_document(run) else run

    return _NUMBER_RUN.sub(masked, text)


def typed_username(typed: str | None) -> str:
    """What a failed log-in with no such account records as the username: the text when it
    is a well-formed username too short to be a password, ``?`` otherwise (people type
    their password into the username field)."""
    from registration.services.staff import USERNAME_RE  # staff imports this module

    name = (typed or "").strip().lower()
    shortest_password = int(current_app.config["STAFF_PASSWORD_MIN_LENGTH"])
    if USERNAME_RE.fullmatch(name) and len(name) < shortest_password:
        return name
    return UNKNOWN_USER


def _scrubbed(value, free_text: bool):
    if isinstance(value, str):
        return scrub(value, free_text=free_text)
    if isinstance(value, dict):
        return {key: _scrubbed(item, free_text or key in FREE_TEXT_KEYS)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(item, free_text) for item in value]
    return value


def record(action: str, user: StaffUser | None = None, *, username: str | None = None,
           venue: str | None = None, target: str | None = None, details: dict | None = None,
           remote_addr: str | None = None, now: datetime | None = None,
           label: str | None = None) -> AuditEntry:
    """Add one entry (the caller commits, together with the action itself). ``username``
    (no account) is what was typed at a failed log-in: see ``typed_username``; ``label``
    names an actor that is not a staff account (``cli:root``, ``device 7``)."""
    if user is not None:
        name = user.username
    elif label:
        name = label
    else:
        name = typed_username(username) if username else UNKNOWN_USER
    details = _scrubbed(details, False) if details else None
    target = scrub(target) if target else None
    entry = AuditEntry(
        at=now or utc_now(), staff_user_id=user.id if user is not None else None,
        username=name[:60], action=action, venue_code=venue, target=target and target[:120],
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


def entries(wanted: AuditFilter, page: int = 1, *, zone: str = DEFAULT_TIMEZONE) -> AuditPage:
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


def erase_identity(*, recorded_before: datetime, codes, now: datetime | None = None) -> int:
    """Erase the (masked) identity data in entries recorded before ``recorded_before`` or
    about one of the appointments ``codes`` (a select of confirmation codes): documents,
    names, search queries and revocation reasons become ``—``; who did what when stays.
    Each entry is erased once (the trigger refuses any other change). Returns how many
    entries were erased."""
    now = now or utc_now()
    mentions = [AuditEntry.details.like(f'%"{key}": %') for key in sorted(IDENTITY_KEYS)]
    rows = db.session.scalars(select(AuditEntry).where(
        AuditEntry.identity_erased_at.is_(None), AuditEntry.details.is_not(None),
        or_(*mentions), or_(AuditEntry.at < recorded_before, AuditEntry.target.in_(codes)),
    ).order_by(AuditEntry.id)).all()
    erased = 0
    for entry in rows:
        details = details_of(entry)
        if not IDENTITY_KEYS & details.keys():
            continue
        entry.details = json.dumps({key: ERASED if key in IDENTITY_KEYS else value
                                    for key, value in details.items()},
                                   ensure_ascii=False, sort_keys=True)
        entry.identity_erased_at = now
        erased += 1
    db.session.flush()
    return erased

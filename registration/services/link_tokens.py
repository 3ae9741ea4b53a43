"""Secrets of the links that leave the service by mail or SMS (waiting-list offers of a day
and of a forum, organisations' sign-in links), and the local time such a message states.

A link carries a random token; only its SHA-256 is stored, so a copy of the database opens
no offer. The hash is looked up directly (a unique column): the token has 256 bits, so a
timing leak of the comparison tells nothing useful.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh URL-safe link token (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str | None) -> str:
    """What is stored of a token (and what a link's token is looked up by)."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def local_time_label(moment: datetime, timezone: str) -> str:
    """``2026-09-10 14:05 (Asia/Shanghai)``: a deadline as a visitor reads it, in the
    venue's time zone, named so nobody abroad misreads it."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"

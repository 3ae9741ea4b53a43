"""Who may do what on the staff console: the one decorator, session expiry, audit helper.

| area                                  | desk | supervisor | admin |
|---------------------------------------|------|------------|-------|
| walk-in desk, labels, search          | own  | own        | all   |
| live dashboard                        | own  | own        | all   |
| days, slots, gates, devices, passes,  | -    | own        | all   |
| zones and forums, forum seats         |      |            |       |
| exports and daily report              | -    | own        | all   |
| venues, audit log, purge,             | -    | -          | all   |
| check-in texts (they span venues)     |      |            |       |

"own": the account's venue only; another venue's code in a URL answers 403.

A session ends when it is idle or old (``session_expired``) and when the account's session
version moved on (``StaffUser.get_id`` stores ``id:version``; ``load_user`` refuses an older
one): logout, deactivation, a new password and a lock-out end every session of the account.
"""
from __future__ import annotations

import time
from datetime import date
from functools import wraps
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from gate.i18n import Text
from registration.actions.actors import Actor
from registration.errors import error_response, wants_json
from registration.extensions import login_manager
from registration.i18n import request_language
from registration.models import StaffRole, StaffUser, Venue
from registration.services import audit as audit_service
from registration.services import staff as staff_service
from registration.services import venues as venue_service

ALL = (StaffRole.ADMIN, StaffRole.SUPERVISOR, StaffRole.DESK)
MANAGERS = (StaffRole.ADMIN, StaffRole.SUPERVISOR)
ADMIN = (StaffRole.ADMIN,)
LOGIN_AT, SEEN_AT = "staff_login_at", "staff_seen_at"

LOGIN_NEEDED = Text("请先登录", "Please log in")
FORBIDDEN = Text("无权访问", "Forbidden")
NOT_FOUND = Text("没有这个场馆", "Unknown venue")


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """The session's account while its session version is current (else the session ended)."""
    return staff_service.session_user(user_id)


def start_session(user: StaffUser) -> None:
    """A fresh session for a new log-in (only the chosen language survives)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    session[LOGIN_AT] = session[SEEN_AT] = int(time.time())


def end_session() -> None:
    logout_user()
    for key in (LOGIN_AT, SEEN_AT):
        session.pop(key, None)


def session_expired() -> bool:
    """True (and the session ended) when it was idle too long or is too old."""
    now = time.time()
    config = current_app.config
    login_at, seen_at = session.get(LOGIN_AT, 0), session.get(SEEN_AT, 0)
    if (now - seen_at > config["STAFF_SESSION_IDLE_MINUTES"] * 60
            or now - login_at > config["STAFF_SESSION_MAX_HOURS"] * 3600):
        end_session()
        return True
    if now - seen_at >= 30:  # do not rewrite the cookie on every dashboard poll
        session[SEEN_AT] = int(now)
    return False


def check_session() -> None:
    """Before every staff request: end an expired session, or one whose account logged out
    elsewhere, was deactivated, got a new password or was locked (the view then asks to log
    in)."""
    g.session_expired = g.session_ended = False
    if current_user.is_authenticated:
        if session_expired():
            g.session_expired = True
    elif session.get("_user_id"):  # a session the user loader refused
        end_session()
        g.session_ended = True


def without_documents(target: str) -> str:
    """``target`` (a path with a query) without query arguments that look like a document
    number: nothing typed into a URL is echoed into a redirect."""
    parts = urlsplit(target)
    args = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in args if not audit_service.carries_document(value)]
    if len(kept) == len(args):
        return target
    return parts.path + ("?" + urlencode(kept) if kept else "")


def _login_needed():
    if wants_json():
        return error_response(401, "login_required", LOGIN_NEEDED.in_language(
            request_language()))
    flash("session_ended" if g.get("session_ended") else
          "session_expired" if g.get("session_expired") else "login_needed", "warning")
    target = without_documents(request.full_path.rstrip("?")) if request.method == "GET" \
        else None
    return redirect(url_for("staff.login", next=target) if target else url_for("staff.login"))


def _forbidden():
    if wants_json():
        return error_response(403, "forbidden", FORBIDDEN.in_language(request_language()))
    abort(403)


def staff_required(roles: tuple[str, ...] = ALL, venue_scoped: bool = True):
    """Only logged-in staff with one of ``roles``; with ``venue_scoped`` the view's
    ``venue`` argument (a code in the URL) must be the account's own venue (admins: any),
    and the view receives the ``Venue``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _login_needed()
            if current_user.role not in roles:
                return _forbidden()
            if venue_scoped:
                code = (kwargs.get("venue") or "").upper()
                if not current_user.may_see_venue(code):
                    return _forbidden()
                venue = venue_service.get_venue(code)
                if venue is None:
                    if wants_json():
                        return error_response(404, "venue_not_found", NOT_FOUND.in_language(
                            request_language()))
                    abort(404)
                kwargs["venue"] = venue
                g.staff_venue = venue
            return view(*args, **kwargs)

        return wrapped

    return decorator


def home_venue() -> Venue | None:
    """The account's venue; for admins the venue of ``?venue=`` or none."""
    if current_user.is_admin:
        return venue_service.get_venue(request.args.get("venue", ""))
    return current_user.venue


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


def safe_next(target: str | None) -> str | None:
    """Only staff pages of this site are followed after log-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/") \
            or target.startswith("//") or "\\" in target:
        return None
    return without_documents(target)


def staff_actor() -> Actor:
    """The logged-in staff member making this request, for actions."""
    return Actor.staff(current_user._get_current_object(), request.remote_addr)


def audit(action: str, *, venue: str | None = None, target: str | None = None,
          details: dict | None = None, user: StaffUser | None = None,
          username: str | None = None):
    """Record a staff action for the current request (committed with the action)."""
    actor = user or (current_user if current_user.is_authenticated else None)
    return audit_service.record(action, actor, username=username, venue=venue, target=target,
                                details=details, remote_addr=request.remote_addr)

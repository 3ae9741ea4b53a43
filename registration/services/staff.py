"""Staff accounts: creation, password check and lock-out after repeated failures.

Passwords are hashed with scrypt (werkzeug.security; salt and parameters in the stored
string, so a stronger setting later still verifies old hashes). After
``STAFF_LOCKOUT_THRESHOLD`` failures in a row an account is locked for
``STAFF_LOCKOUT_MINUTES``; while it is locked even the right password is refused.

Logging out, deactivation, a new password and a lock-out end every session of the account
at once (``end_sessions``: the session version in the database moves on, and each app
server's user loader refuses a session that carries an older one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from gate.i18n import Text
from registration.extensions import db
from registration.models import StaffRole, StaffUser, Venue
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, ServiceError, invalid_field

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,59}")
BAD_CREDENTIALS = Text("用户名或密码错误", "Wrong username or password")


class LoginRefused(ServiceError):
    status = 401


@dataclass(frozen=True)
class Lockout:
    threshold: int
    minutes: int


def lockout_policy() -> Lockout:
    return Lockout(int(current_app.config["STAFF_LOCKOUT_THRESHOLD"]),
                   int(current_app.config["STAFF_LOCKOUT_MINUTES"]))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["STAFF_PASSWORD_HASH"])


@lru_cache(maxsize=4)
def _decoy_hash(method: str) -> str:
    return generate_password_hash("not a real password", method=method)


def check_password_strength(password: str) -> None:
    minimum = int(current_app.config["STAFF_PASSWORD_MIN_LENGTH"])
    if len(password or "") < minimum:
        raise invalid_field("password", Text(f"密码至少需要 {minimum} 个字符",
                                             f"A password has at least {minimum} characters"),
                            "weak_password")
    if len(password) > 200:
        raise invalid_field("password", Text("密码过长", "The password is too long"),
                            "weak_password")


def create_user(username: str, role: str, password: str, venue_code: str | None = None
                ) -> StaffUser:
    """A new staff account (the caller commits). Desk and supervisor accounts need a venue."""
    username = (username or "").strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise invalid_field("username", Text("用户名为 2-60 个小写字母、数字或 . _ -",
                                             "A username is 2-60 lower-case letters, digits, "
                                             ". _ or -"))
    try:
        staff_role = StaffRole(role)
    except ValueError:
        raise invalid_field("role", Text("角色应为 admin、supervisor 或 desk",
                                         "The role is admin, supervisor or desk")) from None
    venue = None
    if venue_code:
        venue = db.session.scalar(select(Venue).where(Venue.code == venue_code.strip().upper()))
        if venue is None:
            raise invalid_field("venue", Text("没有这个场馆", "Unknown venue"), "unknown_venue")
    elif staff_role is not StaffRole.ADMIN:
        raise invalid_field("venue", Text("现场和主管账号须指定场馆",
                                          "Desk and supervisor accounts need a venue"))
    check_password_strength(password)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise Conflict("username_taken", Text("该用户名已存在", "This username is taken"),
                       {"username": Text("该用户名已存在", "This username is taken")})
    user = StaffUser(username=username, password_hash=hash_password(password), role=staff_role,
                     venue=venue, active=True, failed_logins=0)
    db.session.add(user)
    db.session.flush()
    return user


def end_sessions(user: StaffUser) -> None:
    """End every session of the account, on every app server (the caller commits)."""
    # One UPDATE in the database, so two bumps at once both count.
    user.session_version = StaffUser.session_version + 1
    db.session.flush()


def set_password(user: StaffUser, password: str) -> None:
    """A new password (also unlocks the account); sessions begun with the old one end."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    end_sessions(user)


def deactivate(user: StaffUser) -> None:
    """The account can no longer log in, and its open sessions end (audit entries stay)."""
    user.active = False
    end_sessions(user)


def session_user(user_id: str) -> StaffUser | None:
    """The account of a session that stored ``id:version`` (``StaffUser.get_id``), if the
    account is active and the version still current; ``None`` otherwise (the session has
    ended: logged out, deactivated, new password, locked out, or from before versions)."""
    ident, _, version = (user_id or "").partition(":")
    if not (ident + version).isascii() or not ident.isdigit() or not version.isdigit():
        return None
    user = get_user(int(ident))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def get_user(user_id: int) -> StaffUser | None:
    return db.session.get(StaffUser, user_id)


def find_user(username: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(
        StaffUser.username == (username or "").strip().lower()))


def minutes_locked(user: StaffUser, now: datetime) -> int:
    """Whole minutes (rounded up) the account stays locked; 0 when it is not locked."""
    if user.locked_until is None or user.locked_until <= now:
        return 0
    return max(1, -(-int((user.locked_until - now).total_seconds()) // 60))


def authenticate(username: str, password: str, *, now: datetime | None = None) -> StaffUser:
    """The account if the password is right and the account may log in; ``LoginRefused``
    (``bad_credentials`` or ``locked``) otherwise. The caller commits either way, so that
    failures are counted and audited."""
    now = now or utc_now()
    user = find_user(username)
    if user is None:
        # Same work as for a real account, so timing does not tell which usernames exist.
        check_password_hash(_decoy_hash(current_app.config["STAFF_PASSWORD_HASH"]),
                            password or "")
        raise LoginRefused("bad_credentials", BAD_CREDENTIALS)
    minutes = minutes_locked(user, now)
    if minutes:
        raise _locked(minutes)
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        _count_failure(user, now)
        minutes = minutes_locked(user, now)
        if minutes:
            raise _locked(minutes)
        raise LoginRefused("bad_credentials", BAD_CREDENTIALS)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    return user


def _locked(minutes: int) -> LoginRefused:
    return LoginRefused("locked", Text(
        f"登录失败次数过多，该账号已被锁定，请 {minutes} 分钟后再试",
        f"Too many failed attempts: this account is locked. Try again in {minutes} "
        f"minute{'s' if minutes != 1 else ''}."))


def _count_failure(user: StaffUser, now: datetime) -> None:
    """One more failure, counted in the database (two requests at once both count); the
    threshold-th failure in a row locks the account and starts the count again."""
    policy = lockout_policy()
    table = StaffUser.__table__
    db.session.execute(update(table).where(table.c.id == user.id)
                       .values(failed_logins=table.c.failed_logins + 1))
    db.session.refresh(user)
    if user.failed_logins >= policy.threshold:
        user.failed_logins = 0
        user.locked_until = now + timedelta(minutes=policy.minutes)
        end_sessions(user)  # someone is guessing: open sessions end too
    db.session.flush()


def list_users() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.username)))

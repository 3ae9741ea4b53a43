"""What the staff pages' header shows: the sections the account may open, its role."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from gate.rules import DEFAULT_TIMEZONE
from registration.models import StaffRole
from registration.web.staff.access import ADMIN, ALL, MANAGERS

SECTIONS = (
    # endpoint, label, roles, endpoint prefix that marks it current
    ("staff.desk_start", _l("Walk-in desk"), ALL, ("staff.desk", "staff.appointment")),
    ("staff.badges_start", _l("Badges"), ALL, ("staff.badge",)),
    ("staff.dashboard_start", _l("Dashboard"), ALL, ("staff.dashboard",)),
    ("staff.search_start", _l("Appointments"), ALL, ("staff.search",)),
    ("staff.operations_start", _l("Operations"), MANAGERS,
     ("staff.operations", "staff.day", "staff.venues", "staff.devices", "staff.gate",
      "staff.slot", "staff.enroll")),
    ("staff.review", _l("Review"), MANAGERS, ("staff.review",)),
    ("staff.waiting_room_page", _l("Waiting room"), MANAGERS, ("staff.waiting_room",)),
    ("staff.exports_start", _l("Exports"), MANAGERS, ("staff.export",)),
    ("staff.messages_page", _l("Text messages"), MANAGERS, ("staff.message",)),
    ("staff.audit_log", _l("Audit log"), ADMIN, ("staff.audit",)),
    ("staff.purge", _l("Purge"), ADMIN, ("staff.purge",)),
)
ROLE_LABELS = {StaffRole.ADMIN: _l("Administrator"), StaffRole.SUPERVISOR: _l("Supervisor"),
               StaffRole.DESK: _l("Desk staff")}


def staff_sections() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    here = request.endpoint or ""
    return [{"url": url_for(endpoint), "label": label,
             "current": any(here.startswith(prefix) for prefix in prefixes)}
            for endpoint, label, roles, prefixes in SECTIONS
            if current_user.role in roles]


def local_time(moment: datetime | str | None, seconds: bool = False, clock: bool = False,
               zone: str | None = None) -> str:
    """A UTC timestamp as local time: ``2026-09-10 14:05`` (or only ``14:05:09``) in ``zone``,
    else in the time zone of the page's venue, else in the default zone (Beijing)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    venue = g.get("staff_venue")
    zone = zone or (venue.timezone if venue is not None else None) or DEFAULT_TIMEZONE
    local = moment.astimezone(ZoneInfo(zone))
    if clock:
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(staff_sections=staff_sections, staff_role_labels=ROLE_LABELS)
    app.jinja_env.filters["local_time"] = local_time

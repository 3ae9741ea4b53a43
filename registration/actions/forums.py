"""Forums (sessions) for operators: the command line and the staff operations page.
``set_forum`` normalises what was typed, keeps what was not given (``KEEP``) from the
forum as it is, calls services/forums.py (which holds every rule) and audits ``forum_set``
with the values that changed. The caller's unit of work commits."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gate.i18n import Text
from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.actions.zones import changes
from registration.models import Forum
from registration.services import forums as forum_service
from registration.services import zones as zone_service
from registration.services.errors import Conflict, invalid_field
from registration.services.operations import KEEP

FORUM_EXISTS = Text("该论坛编号已存在，请在列表中编辑",
                    "This forum code exists already: edit it in the list")
# What a new forum must be given, by field (the command's option in brackets).
REQUIRED = {
    "zone": Text("新论坛须指定区域（--zone）", "A new forum needs its zone (--zone)"),
    "title_zh": Text("新论坛须填写中文标题（--title-zh）",
                     "A new forum needs its title in Chinese (--title-zh)"),
    "title_en": Text("新论坛须填写英文标题（--title-en）",
                     "A new forum needs its title in English (--title-en)"),
    "starts": Text("新论坛须给出开始时间（--start）", "A new forum needs its start (--start)"),
    "ends": Text("新论坛须给出结束时间（--end）", "A new forum needs its end (--end)"),
    "seats": Text("新论坛须给出座位数（--seats）", "A new forum needs its seats (--seats)"),
}
DEFAULTS = {"kinds": (), "registration_opens": None, "registration_closes": None,
            "doors_open_minutes": 30, "admit_until_minutes": 20}


def _local(moment: datetime | None, timezone: str) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="minutes")


def forum_state(forum: Forum) -> dict:
    """What an audit entry shows of a forum (times in the venue's time zone)."""
    timezone = forum.zone.venue.timezone
    return {"zone": forum.zone.code, "title_zh": forum.title_zh[:60],
            "title_en": forum.title_en[:80], "starts": _local(forum.starts, timezone),
            "ends": _local(forum.ends, timezone), "seats": forum.seats,
            "kinds": forum.kind_list,
            "registration_opens": _local(forum.registration_opens, timezone),
            "registration_closes": _local(forum.registration_closes, timezone),
            "doors_open_minutes": forum.doors_open_minutes,
            "admit_until_minutes": forum.admit_until_minutes}


def _current(forum: Forum) -> dict:
    return {"zone": forum.zone.code, "title_zh": forum.title_zh, "title_en": forum.title_en,
            "starts": forum.starts, "ends": forum.ends, "seats": forum.seats,
            "kinds": forum.kind_list, "registration_opens": forum.registration_opens,
            "registration_closes": forum.registration_closes,
            "doors_open_minutes": forum.doors_open_minutes,
            "admit_until_minutes": forum.admit_until_minutes}


def set_forum(actor: Actor, code: str, *, in_venue: str | None = None, new_only: bool = False,
              **given) -> Forum:
    """Create or change a forum from the settings ``given`` (the service's keywords, with
    ``zone`` for its zone code); a setting left out or ``KEEP`` keeps the forum's value (a
    new forum needs zone, titles, start, end and seats). ``in_venue``: the zone must be one
    of that venue's (a staff page of one venue); ``new_only`` refuses an existing code."""
    code = zone_service.normal_code(code)
    unknown = set(given) - set(REQUIRED) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown forum settings: {sorted(unknown)}")
    current = forum_service.get_forum(code)
    if current is not None and new_only:
        raise Conflict("forum_exists", FORUM_EXISTS, {"code": FORUM_EXISTS})
    if current is not None and in_venue and current.zone.venue.code != in_venue:
        raise invalid_field("code", FORUM_EXISTS, "forum_in_other_venue")
    settings = _current(current) if current is not None else dict(DEFAULTS)
    settings.update({key: value for key, value in given.items() if value is not KEEP})
    for field, message in REQUIRED.items():
        if settings.get(field) is None or settings.get(field) == "":
            raise invalid_field(field, message, "forum_details_required")
    zone_code = str(settings.pop("zone")).strip().upper()
    if in_venue:
        zone = zone_service.get_zone(zone_code)
        if zone is None or zone.venue.code != in_venue:
            raise invalid_field("zone", forum_service.UNKNOWN_ZONE, "unknown_zone")
    before = forum_state(current) if current is not None else None
    forum = forum_service.set_forum(code, zone_code=zone_code, **settings)
    audit(actor, "forum_set", venue=forum.zone.venue.code, target=forum.code,
          details=changes(before, forum_state(forum)))
    return forum

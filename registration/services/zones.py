"""Zones of a venue (halls, forum rooms, lounges) and their door gates (docs/forums.md).

Every rule a database constraint would enforce is checked here first, so an operator's
mistake is one clear zh/en message naming the field, never a refused INSERT. The caller
commits.
"""
from __future__ import annotations

import re
from datetime import time

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from gate.i18n import Text
from gate.passes import PassKind
from gate.vocabulary import ZoneKind
from registration.extensions import db
from registration.models import Forum, Gate, Venue, Zone, join_codes
from registration.services.errors import invalid_field

CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,19}")
UNKNOWN_VENUE = Text("没有这个场馆", "Unknown venue")
BAD_CODE = Text("编号须为 1 到 20 个大写字母、数字、- 或 _",
                "A code is 1 to 20 upper-case letters, digits, - or _")
BAD_KIND = Text("区域类型须为 " + "、".join(k.value for k in ZoneKind),
                "The zone kind must be one of " + ", ".join(k.value for k in ZoneKind))
BAD_CAPACITY = Text("容量须为正整数（不限请留空）",
                    "The capacity must be a whole number of 1 or more (leave it out for none)")
MAX_PEOPLE = 1_000_000  # a capacity or a forum's seats, as a day's quota at most
TOO_MANY = Text("不能超过 1,000,000", "At most 1,000,000")
BAD_CLOSES = Text("关闭时间须为 HH:MM（如 21:30；留空则随场馆闭馆）",
                  "A closing time is HH:MM, e.g. 21:30 (leave it out for the venue's)")
OTHER_VENUE = Text("该区域编号已属于另一个场馆", "This zone code belongs to another venue")
NAME_REQUIRED = Text("请填写中英文名称", "Give the name in Chinese and in English")
NAME_TOO_LONG = Text("名称过长（中文最多 100 字，英文最多 150 字）",
                     "The name is too long (100 characters in Chinese, 150 in English)")
KIND_NAMES = ", ".join(k.value for k in PassKind if k is not PassKind.online)


def unknown_pass_kind(code: str) -> Text:
    return Text(f"没有这种证件类型：{code}（可用：{KIND_NAMES}）",
                f"Unknown pass kind: {code} (use {KIND_NAMES})")


def capacity_below_seats(seats: int) -> Text:
    return Text(f"容量不能少于本区域论坛的座位数（{seats}）",
                f"The capacity cannot be below the seats of a forum in this zone ({seats})")


def gate_taken(code: str, owner: str) -> Text:
    return Text(f"闸机 {code} 已属于 {owner}，不能用作本区域的门",
                f"Gate {code} belongs to {owner}: it cannot be a door of this zone")


def normal_code(value: str | None, field: str = "code") -> str:
    code = (value or "").strip().upper()
    if not CODE_RE.fullmatch(code):
        raise invalid_field(field, BAD_CODE, "invalid_code")
    return code


def pass_kinds(values) -> list[str]:
    """Pass-kind codes (a list, or one comma-separated text), checked and sorted; 422 on
    an unknown one (online has no gate pass, so it names no zone or forum)."""
    if isinstance(values, str):
        values = values.split(",")
    codes = set()
    for value in values or ():
        code = str(value).strip().lower()
        if not code:
            continue
        if code not in PassKind._value2member_map_ or code == PassKind.online.value:
            raise invalid_field("kinds", unknown_pass_kind(code), "unknown_kind")
        codes.add(code)
    joined = join_codes(sorted(codes))
    if len(joined) > 120:  # every kind fits: only a repeated list could get here
        raise invalid_field("kinds", unknown_pass_kind(joined[:20]), "unknown_kind")
    return sorted(codes)


def _names(name_zh: str | None, name_en: str | None, field: str = "name",
           limits: tuple[int, int] = (100, 150)) -> tuple[str, str]:
    zh, en = " ".join((name_zh or "").split()), " ".join((name_en or "").split())
    if not zh:
        raise invalid_field(f"{field}_zh", NAME_REQUIRED, "name_required")
    if not en:
        raise invalid_field(f"{field}_en", NAME_REQUIRED, "name_required")
    if len(zh) > limits[0] or len(en) > limits[1]:
        raise invalid_field(field, NAME_TOO_LONG, "name_too_long")
    return zh, en


def closing_time(value) -> time | None:
    """The zone's own closing time (everyone inside is checked out then), or None."""
    if value is None or isinstance(value, time) and value.tzinfo is None:
        return value
    try:
        parsed = time.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid_field("closes", BAD_CLOSES, "invalid_closes") from None
    if parsed.tzinfo is not None:
        raise invalid_field("closes", BAD_CLOSES, "invalid_closes")
    return parsed


def zone_kind(value) -> ZoneKind:
    try:
        return ZoneKind(str(value or "").strip().lower())
    except ValueError:
        raise invalid_field("kind", BAD_KIND, "invalid_kind") from None


def set_zone(venue_code: str, code: str, *, kind, name_zh: str, name_en: str,
             capacity: int | None = None, gates=(), kinds=(), closes=None) -> Zone:
    """Create or change a zone and its door gates. ``gates``: door gate codes (new ones are
    created in the venue); none for a new zone makes one gate coded like the zone.
    ``closes``: its own closing time (a time or ``HH:MM``; None: the venue's)."""
    venue = db.session.scalar(select(Venue).where(
        Venue.code == (venue_code or "").strip().upper()))
    if venue is None:
        raise invalid_field("venue", UNKNOWN_VENUE, "unknown_venue")
    code = normal_code(code)
    kind = zone_kind(kind)
    if capacity is not None and (isinstance(capacity, bool) or int(capacity) < 1):
        raise invalid_field("capacity", BAD_CAPACITY, "invalid_capacity")
    if capacity is not None and int(capacity) > MAX_PEOPLE:
        raise invalid_field("capacity", TOO_MANY, "invalid_capacity")
    zh, en = _names(name_zh, name_en)
    allowed = pass_kinds(kinds)
    closes = closing_time(closes)
    zone = db.session.scalar(select(Zone).where(Zone.code == code))
    if zone is not None and zone.venue_id != venue.id:
        raise invalid_field("code", OTHER_VENUE, "zone_in_other_venue")
    if zone is not None and capacity is not None:  # set_forum keeps seats within it too
        seats = db.session.scalar(select(func.max(Forum.seats)).where(Forum.zone_id == zone.id))
        if seats is not None and seats > int(capacity):
            raise invalid_field("capacity", capacity_below_seats(seats), "capacity_below_seats")
    gate_codes = [normal_code(g, "gate") for g in gates or ()]
    if not gate_codes and (zone is None or not _gates_of(zone)):
        gate_codes = [code]
    # Every gate is checked before anything is written.
    found = {g.code: g for g in db.session.scalars(
        select(Gate).where(Gate.code.in_(gate_codes)).options(selectinload(Gate.zone)))}
    for gate_code, gate in found.items():
        mine = zone is not None and gate.zone_id == zone.id
        if not mine:
            owner = (gate.zone.code if gate.zone is not None
                     else f"{_venue_code(gate.venue_id)} (entrance)")
            raise invalid_field("gate", gate_taken(gate_code, owner), "gate_taken")
    if zone is None:
        zone = Zone(venue_id=venue.id, code=code)
        db.session.add(zone)
    zone.kind, zone.name_zh, zone.name_en = kind, zh, en
    zone.capacity = int(capacity) if capacity is not None else None
    zone.kinds = join_codes(allowed)
    zone.closes = closes
    db.session.flush()
    for gate_code in dict.fromkeys(gate_codes):
        if gate_code not in found:
            db.session.add(Gate(venue_id=venue.id, code=gate_code, name=en[:100],
                                zone_id=zone.id))
    db.session.flush()
    return zone


def _venue_code(venue_id: int) -> str:
    return db.session.scalar(select(Venue.code).where(Venue.id == venue_id)) or "?"


def _gates_of(zone: Zone) -> list[Gate]:
    return list(db.session.scalars(select(Gate).where(Gate.zone_id == zone.id)
                                   .order_by(Gate.code)))


def gates_of(zone: Zone) -> list[Gate]:
    """The zone's door gates, by code."""
    return _gates_of(zone)


def zones_of(venue_code: str | None = None) -> list[Zone]:
    """Every zone (of one venue), by venue then code."""
    query = (select(Zone).join(Venue).options(selectinload(Zone.venue))
             .order_by(Venue.code, Zone.code))
    if venue_code:
        query = query.where(Venue.code == venue_code.strip().upper())
    return list(db.session.scalars(query))


def get_zone(code: str) -> Zone | None:
    return db.session.scalar(select(Zone).where(Zone.code == (code or "").strip().upper()))


def zone_for_gate(gate: Gate) -> Zone | None:
    """The zone a gate is a door of (None: an entrance of the venue)."""
    if gate is None or gate.zone_id is None:
        return None
    return db.session.get(Zone, gate.zone_id)

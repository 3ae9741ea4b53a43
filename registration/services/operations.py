"""Operations on venues, fair days and slots (CLI now, staff console later)."""
from __future__ import annotations

import enum
import re
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gate.i18n import Text
from gate.passes import MAX_VENUE_LENGTH, PassKind
from gate.rules import DEFAULT_TIMEZONE
from registration.extensions import db
from registration.models import FairDay, Gate, TimeSlot, Venue, join_codes
from registration.services.calendar import check_fair_day
from registration.services.errors import Conflict, InvalidInput, NotFound, invalid_field
from schemas.fields import TextRefused, clean_text

MAX_QUOTA = 1_000_000


class Keep(enum.Enum):
    """An argument left as it is (where None means "none", e.g. no occupancy limit)."""

    KEEP = "keep"


KEEP = Keep.KEEP
GATE_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")
SLOT_CODE = re.compile(r"[A-Za-z0-9_-]{1,20}")


def set_venue(code: str, name_zh: str, name_en: str, timezone: str | None = None,
              gates: list[str] | None = None, id_check_kinds: list[str] | None = None) -> Venue:
    """Create or rename a venue; ``timezone`` None keeps the venue's zone (a new venue:
    DEFAULT_TIMEZONE); ``id_check_kinds`` (when given) are the pass kinds that must also
    show the holder's ID card at this venue's gates."""
    code = code.strip().upper()
    # The code travels inside every pass; longer codes would push the QR to a denser version.
    if not re.fullmatch(f"[A-Z0-9]{{1,{MAX_VENUE_LENGTH}}}", code):
        raise invalid_field("code", Text(f"场馆代码只能是 1-{MAX_VENUE_LENGTH} 位字母或数字",
                                         f"A venue code is 1-{MAX_VENUE_LENGTH} letters or digits"))
    name_zh = _venue_name("name_zh", name_zh, 100, Text(
        "场馆中文名称须为 1-100 个字符，不含控制字符",
        "The Chinese name is 1-100 characters, without control characters"))
    name_en = _venue_name("name_en", name_en, 150, Text(
        "场馆英文名称须为 1-150 个字符，不含控制字符",
        "The English name is 1-150 characters, without control characters"))
    if timezone is not None and not _known_timezone(timezone):
        raise invalid_field("timezone", Text(f"未知的时区，如 {DEFAULT_TIMEZONE}",
                                             f"Unknown time zone, e.g. {DEFAULT_TIMEZONE}"))
    venue = db.session.scalar(select(Venue).where(Venue.code == code))
    gate_codes = [_gate_code(gate_code, venue) for gate_code in gates or []]
    if venue is None:
        venue = Venue(code=code, name_zh=name_zh, name_en=name_en,
                      timezone=timezone or DEFAULT_TIMEZONE)
        db.session.add(venue)
    else:
        venue.name_zh, venue.name_en = name_zh, name_en
        venue.timezone = timezone or venue.timezone
    if id_check_kinds is not None:
        venue.id_check_kinds = join_codes(sorted(_pass_kinds(id_check_kinds)))
    for gate_code in dict.fromkeys(gate_codes):
        if db.session.scalar(select(Gate).where(Gate.code == gate_code)) is None:
            db.session.add(Gate(venue=venue, code=gate_code, name=gate_code))
    _flush("code")
    return venue


def _venue_name(field: str, value: str, limit: int, message: Text) -> str:
    try:
        return clean_text(value, max_length=limit)
    except TextRefused:
        raise invalid_field(field, message) from None


def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name or "")
    except (ValueError, ZoneInfoNotFoundError):
        return False
    return True


def _gate_code(code: str, venue: Venue | None) -> str:
    """A gate code for ``venue``: well-formed, and not a gate of another venue."""
    code = (code or "").strip().upper()
    if not GATE_CODE.fullmatch(code):
        message = Text(f"闸口代码 {code!r} 无效：1-20 位字母、数字或连字符，如 CNCC-E1",
                       f"Gate code {code!r} is not valid: 1-20 letters, digits or dashes, "
                       f"e.g. CNCC-E1")
        raise invalid_field("gates", message)
    existing = db.session.scalar(select(Gate).where(Gate.code == code))
    if existing is not None and (venue is None or existing.venue_id != venue.id):
        other = existing.venue.code
        message = Text(f"闸口 {code} 已属于场馆 {other}", f"Gate {code} belongs to venue {other}")
        raise Conflict("gate_exists", message, {"gates": message})
    return code


def _pass_kinds(names: list[str]) -> set[str]:
    known = {kind.value for kind in PassKind}
    chosen = {name.strip().lower() for name in names if name.strip()}
    if not chosen <= known:
        raise invalid_field("id_check_kinds", Text(
            "证件核验的通行证类型只能是：" + "、".join(sorted(known)),
            "ID-check pass kinds are: " + ", ".join(sorted(known))))
    return chosen


CONCURRENT_CHANGE = Text(
    "保存时数据刚被改动（如新的预约），未保存任何内容，请重试",
    "Something changed at the same moment (a booking came in, or another change): nothing "
    "was saved, try again")


def _flush(field: str) -> None:
    """Flush; a constraint the database refuses (a change racing this one: every rule is
    checked above) becomes one clear 409 on ``field``. The caller rolls back."""
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("concurrent_change", CONCURRENT_CHANGE,
                       {field: CONCURRENT_CHANGE}) from None


def set_day(venue_code: str, day: date, *, quota: int, opens: time | None = None,
            closes: time | None = None, occupancy_limit: int | None | Keep = KEEP,
            walk_in_reserve: int | None = None) -> FairDay:
    """Create or change a venue-day. A quota never goes below what is already booked, nor
    below the walk-in reserve (given, or the day's current one). ``occupancy_limit`` None
    removes the limit; KEEP leaves it (a new day then has none)."""
    venue = db.session.scalar(select(Venue).where(Venue.code == venue_code.strip().upper()))
    if venue is None:
        raise NotFound("venue_not_found", Text("没有这个场馆", "Unknown venue"))
    check_fair_day(day)
    if quota < 0 or quota > MAX_QUOTA:
        raise invalid_field("quota", Text("名额须在 0 到 1000000 之间",
                                          "The quota must be between 0 and 1,000,000"))
    if occupancy_limit not in (None, KEEP) and not 1 <= occupancy_limit <= MAX_QUOTA:
        raise invalid_field("occupancy_limit", Text("瞬时容量须在 1 到 1000000 之间",
                                                    "The occupancy limit must be between 1 "
                                                    "and 1,000,000"))
    if walk_in_reserve is not None and not 0 <= walk_in_reserve <= MAX_QUOTA:
        raise invalid_field("walk_in_reserve", Text("现场预留须在 0 到 1000000 之间",
                                                    "The walk-in reserve must be between 0 "
                                                    "and 1,000,000"))
    fair_day = db.session.scalar(
        select(FairDay).where(FairDay.venue_id == venue.id, FairDay.date == day)
    )
    booked = 0 if fair_day is None else fair_day.booked
    if quota < booked:
        raise InvalidInput("quota_below_booked", Text(
            f"名额不能少于已预约人数（{booked}）",
            f"The quota cannot go below the {booked} places already booked"),
            {"quota": Text(f"不能少于 {booked}", f"At least {booked}")})
    if walk_in_reserve is not None and walk_in_reserve > quota:
        raise invalid_field("walk_in_reserve", Text(
            f"现场预留须在 0 到名额之间（名额为 {quota}）",
            f"The walk-in reserve must be 0..quota (the quota is {quota})"),
            "reserve_above_quota")
    reserve = walk_in_reserve if walk_in_reserve is not None else (
        0 if fair_day is None else fair_day.walk_in_reserve)
    if quota < reserve:
        raise InvalidInput("quota_below_reserve", Text(
            f"名额不能少于现场预留（{reserve}）：请同时降低现场预留",
            f"The quota cannot go below the walk-in reserve of {reserve}: lower the reserve "
            f"as well"),
            {"quota": Text(f"不能少于现场预留 {reserve}",
                           f"At least the walk-in reserve, {reserve}")})
    if fair_day is None:
        fair_day = FairDay(venue=venue, date=day, opens=opens or time(9, 0),
                           closes=closes or time(17, 0), quota=quota, booked=0,
                           walk_in_booked=0, walk_in_reserve=0)
        db.session.add(fair_day)
    fair_day.quota = quota
    if opens is not None:
        fair_day.opens = opens
    if closes is not None:
        fair_day.closes = closes
    if fair_day.opens >= fair_day.closes:
        raise invalid_field("closes", Text("闭馆时间须晚于开馆时间", "Closing must be after opening"))
    if occupancy_limit is not KEEP:
        fair_day.occupancy_limit = occupancy_limit
    fair_day.walk_in_reserve = reserve
    _flush("quota")
    return fair_day


def add_gate(venue_code: str, code: str, name: str = "") -> Gate:
    """A new gate of the venue; gate codes are unique across all venues."""
    venue = db.session.scalar(select(Venue).where(Venue.code == venue_code.strip().upper()))
    if venue is None:
        raise NotFound("venue_not_found", Text("没有这个场馆", "Unknown venue"))
    code = (code or "").strip().upper()
    if not GATE_CODE.fullmatch(code):
        raise invalid_field("code", Text("闸口代码为 1-20 位字母、数字或连字符，如 CNCC-E1",
                                         "A gate code is 1-20 letters, digits or dashes, "
                                         "e.g. CNCC-E1"))
    if db.session.scalar(select(Gate.id).where(Gate.code == code)) is not None:
        message = Text(f"闸口代码 {code} 已存在", f"There is already a gate {code}")
        raise Conflict("gate_exists", message, {"code": message})
    gate = Gate(venue=venue, code=code, name=(name or "").strip()[:100] or code)
    db.session.add(gate)
    _flush("code")
    return gate


def set_slot(fair_day: FairDay, code: str, starts: time, ends: time, quota: int) -> TimeSlot:
    code = (code or "").strip()
    if not SLOT_CODE.fullmatch(code):
        raise invalid_field("code", Text("时段代码为 1-20 位字母、数字、_ 或 -",
                                         "A slot code is 1-20 letters, digits, _ or -"))
    if not 0 <= quota <= MAX_QUOTA:
        raise invalid_field("quota", Text("名额须在 0 到 1000000 之间",
                                          "The quota must be between 0 and 1,000,000"))
    if starts >= ends:
        raise invalid_field("ends", Text("结束时间须晚于开始时间", "The end must be after the start"))
    slot = next((s for s in fair_day.slots if s.code == code), None)
    if slot is None:
        slot = TimeSlot(fair_day=fair_day, code=code, starts=starts, ends=ends, quota=quota,
                        booked=0)
        db.session.add(slot)
    else:
        if quota < slot.booked:
            raise InvalidInput("quota_below_booked", Text(
                f"时段名额不能少于已预约人数（{slot.booked}）",
                f"The slot quota cannot go below the {slot.booked} places already booked"),
                {"quota": Text(f"不能少于 {slot.booked}", f"At least {slot.booked}")})
        slot.starts, slot.ends, slot.quota = starts, ends, quota
    _flush("quota")
    return slot

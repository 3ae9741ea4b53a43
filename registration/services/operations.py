"""Operations on venues, fair days and slots (CLI now, staff console later)."""
from __future__ import annotations

import re
from datetime import date, time

from sqlalchemy import select

from gate.i18n import Text
from gate.passes import MAX_VENUE_LENGTH, PassKind
from registration.extensions import db
from registration.models import FairDay, Gate, TimeSlot, Venue
from registration.services.errors import Conflict, InvalidInput, NotFound, invalid_field

MAX_QUOTA = 1_000_000
GATE_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")
SLOT_CODE = re.compile(r"[A-Za-z0-9_-]{1,20}")


def set_venue(code: str, name_zh: str, name_en: str, timezone: str = "Asia/Shanghai",
              gates: list[str] | None = None, id_check_kinds: list[str] | None = None) -> Venue:
    """Create or rename a venue; ``id_check_kinds`` (when given) are the pass kinds that
    must also show the holder's ID card at this venue's gates."""
    code = code.strip().upper()
    # The code travels inside every pass; longer codes would push the QR to a denser version.
    if not re.fullmatch(f"[A-Z0-9]{{1,{MAX_VENUE_LENGTH}}}", code):
        raise invalid_field("code", Text(f"场馆代码只能是 1-{MAX_VENUE_LENGTH} 位字母或数字",
                                         f"A venue code is 1-{MAX_VENUE_LENGTH} letters or digits"))
    venue = db.session.scalar(select(Venue).where(Venue.code == code))
    if venue is None:
        venue = Venue(code=code, name_zh=name_zh, name_en=name_en, timezone=timezone)
        db.session.add(venue)
    else:
        venue.name_zh, venue.name_en, venue.timezone = name_zh, name_en, timezone
    if id_check_kinds is not None:
        venue.id_check_kinds = ",".join(sorted(_pass_kinds(id_check_kinds)))
    for gate_code in gates or []:
        if db.session.scalar(select(Gate).where(Gate.code == gate_code)) is None:
            db.session.add(Gate(venue=venue, code=gate_code, name=gate_code))
    return venue


def _pass_kinds(names: list[str]) -> set[str]:
    known = {kind.value for kind in PassKind}
    chosen = {name.strip().lower() for name in names if name.strip()}
    if not chosen <= known:
        raise invalid_field("id_check_kinds", Text(
            "证件核验的通行证类型只能是：" + "、".join(sorted(known)),
            "ID-check pass kinds are: " + ", ".join(sorted(known))))
    return chosen


def set_day(venue_code: str, day: date, *, quota: int, opens: time | None = None,
            closes: time | None = None, occupancy_limit: int | None = None,
            walk_in_reserve: int | None = None) -> FairDay:
    """Create or change a venue-day. A quota never goes below what is already booked."""
    venue = db.session.scalar(select(Venue).where(Venue.code == venue_code.strip().upper()))
    if venue is None:
        raise NotFound("venue_not_found", Text("没有这个场馆", "Unknown venue"))
    if quota < 0 or quota > MAX_QUOTA:
        raise invalid_field("quota", Text("名额须在 0 到 1000000 之间",
                                          "The quota must be between 0 and 1,000,000"))
    if occupancy_limit is not None and not 1 <= occupancy_limit <= MAX_QUOTA:
        raise invalid_field("occupancy_limit", Text("瞬时容量须在 1 到 1000000 之间",
                                                    "The occupancy limit must be between 1 "
                                                    "and 1,000,000"))
    fair_day = db.session.scalar(
        select(FairDay).where(FairDay.venue_id == venue.id, FairDay.date == day)
    )
    if fair_day is None:
        fair_day = FairDay(venue=venue, date=day, opens=opens or time(9, 0),
                           closes=closes or time(17, 0), quota=quota, booked=0,
                           walk_in_booked=0, walk_in_reserve=0)
        db.session.add(fair_day)
    elif quota < fair_day.booked:
        raise InvalidInput("quota_below_booked", Text(
            f"名额不能少于已预约人数（{fair_day.booked}）",
            f"The quota cannot go below the {fair_day.booked} places already booked"),
            {"quota": Text(f"不能少于 {fair_day.booked}", f"At least {fair_day.booked}")})
    fair_day.quota = quota
    if opens is not None:
        fair_day.opens = opens
    if closes is not None:
        fair_day.closes = closes
    if fair_day.opens >= fair_day.closes:
        raise invalid_field("closes", Text("闭馆时间须晚于开馆时间", "Closing must be after opening"))
    if occupancy_limit is not None:
        fair_day.occupancy_limit = occupancy_limit
    if walk_in_reserve is not None:
        if not 0 <= walk_in_reserve <= quota:
            raise invalid_field("walk_in_reserve", Text("现场预留须在 0 到名额之间",
                                                        "The walk-in reserve must be 0..quota"))
        fair_day.walk_in_reserve = walk_in_reserve
    db.session.flush()
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
    db.session.flush()
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
    db.session.flush()
    return slot

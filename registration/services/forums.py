"""Forums (sessions) held in a venue's zones: setting them and listing them (docs/forums.md).

Times are aware datetimes (UTC stored); a time typed without an offset is read in the
venue's timezone. A forum's day is its start's date in the venue's timezone and must be a
fair day of the zone's venue. The caller commits.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from gate.i18n import Text
from gate.passes import PassKind
from registration.extensions import db
from registration.models import FairDay, Forum, Venue, Zone, join_codes, split_codes
from registration.services.errors import invalid_field
from registration.services.zones import MAX_PEOPLE, TOO_MANY, _names, normal_code, pass_kinds

UNKNOWN_ZONE = Text("没有这个区域", "Unknown zone")
BAD_TIME = Text("时间须为 ISO 8601 格式（如 2026-09-05T09:30 或带时区 +08:00）",
                "A time is ISO 8601 (e.g. 2026-09-05T09:30, or with an offset like +08:00)")
ORDER = Text("结束时间须晚于开始时间", "The end must come after the start")
NOT_FAIR_DAY = Text("该场馆当日不是展会日", "That day is not a fair day of the zone's venue")
OTHER_DAY = Text("论坛须在开始当天结束", "A forum must end on the day it starts")
BAD_SEATS = Text("座位数须为正整数", "The seats must be a whole number of 1 or more")
BELOW_TAKEN = Text("座位数不能少于已预约的座位", "The seats cannot go below the seats already taken")
OVER_CAPACITY = Text("座位数不能多于该区域的容量", "The seats cannot exceed the zone's capacity")
BAD_MINUTES = Text("分钟数须为 0 到 720 之间的整数", "Minutes are a whole number from 0 to 720")
WINDOW_ORDER = Text("报名截止须晚于报名开始", "Registration must close after it opens")
CLOSES_LATE = Text("报名须在论坛结束前截止", "Registration must close before the forum ends")
MOVED_WITH_SEATS = Text("已有人预约座位的论坛不能改到另一天或另一个场馆",
                        "A forum with seats taken cannot move to another day or venue")
KIND_NOT_IN_ZONE = Text("该证件类型不能进入此区域", "This pass kind is not admitted to the zone")
TITLE = "title"


def overlap_message(other: str) -> Text:
    return Text(f"与同一房间的论坛 {other} 时间重叠", f"Overlaps forum {other} in the same room")


def parse_time(value, venue: Venue, field: str) -> datetime:
    """An aware datetime from a datetime or ISO text; naive means the venue's local time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise invalid_field(field, BAD_TIME, "invalid_time") from None
    if not isinstance(value, datetime):
        raise invalid_field(field, BAD_TIME, "invalid_time")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(venue.timezone))
    return value.astimezone(ZoneInfo("UTC"))


def _whole(value, field: str, message: Text, low: int, high: int | None = None) -> int:
    if isinstance(value, bool):
        raise invalid_field(field, message, f"invalid_{field}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid_field(field, message, f"invalid_{field}") from None
    if number != value and not isinstance(value, str) or number < low \
            or (high is not None and number > high):
        raise invalid_field(field, message, f"invalid_{field}")
    return number


def set_forum(code: str, *, zone_code: str, title_zh: str, title_en: str, starts, ends,
              seats: int, kinds=(), registration_opens=None, registration_closes=None,
              doors_open_minutes: int = 30, admit_until_minutes: int = 20) -> Forum:
    """Create or change a forum; every rule a constraint enforces is checked first."""
    code = normal_code(code)
    zone = db.session.scalar(select(Zone).where(Zone.code == (zone_code or "").strip().upper())
                             .options(joinedload(Zone.venue)))
    if zone is None:
        raise invalid_field("zone", UNKNOWN_ZONE, "unknown_zone")
    venue = zone.venue
    zh, en = _names(title_zh, title_en, TITLE, (200, 300))
    starts = parse_time(starts, venue, "starts")
    ends = parse_time(ends, venue, "ends")
    if not starts < ends:
        raise invalid_field("ends", ORDER, "invalid_times")
    local_day = local_date(starts, venue)
    if local_date(ends, venue) != local_day and ends.astimezone(
            ZoneInfo(venue.timezone)).time() != datetime.min.time():
        raise invalid_field("ends", OTHER_DAY, "invalid_times")
    fair_day = db.session.scalar(select(FairDay).where(FairDay.venue_id == venue.id,
                                                       FairDay.date == local_day))
    if fair_day is None:
        raise invalid_field("starts", NOT_FAIR_DAY, "not_fair_day")
    seats = _whole(seats, "seats", BAD_SEATS, 1)
    if seats > MAX_PEOPLE:
        raise invalid_field("seats", TOO_MANY, "invalid_seats")
    if zone.capacity is not None and seats > zone.capacity:
        raise invalid_field("seats", OVER_CAPACITY, "seats_over_capacity")
    doors = _whole(doors_open_minutes, "doors_open_minutes", BAD_MINUTES, 0, 720)
    admits = _whole(admit_until_minutes, "admit_until_minutes", BAD_MINUTES, 0, 720)
    opens = parse_time(registration_opens, venue, "registration_opens") \
        if registration_opens not in (None, "") else None
    closes = parse_time(registration_closes, venue, "registration_closes") \
        if registration_closes not in (None, "") else None
    if opens is not None and closes is not None and not opens < closes:
        raise invalid_field("registration_closes", WINDOW_ORDER, "invalid_window")
    if closes is not None and closes > ends:
        raise invalid_field("registration_closes", CLOSES_LATE, "invalid_window")
    allowed = pass_kinds(kinds)
    zone_kinds = zone.allowed_kinds
    if zone_kinds is not None and allowed and not set(allowed) <= {k.value for k in zone_kinds}:
        raise invalid_field("kinds", KIND_NOT_IN_ZONE, "kind_not_in_zone")
    forum = db.session.scalar(select(Forum).where(Forum.code == code).with_for_update())
    if forum is not None and forum.seats_taken:
        if seats < forum.seats_taken:
            raise invalid_field("seats", BELOW_TAKEN, "seats_below_taken")
        old_zone = db.session.get(Zone, forum.zone_id)
        if old_zone.venue_id != venue.id or forum_day(forum) != local_day:
            raise invalid_field("starts", MOVED_WITH_SEATS, "moved_with_seats")
    if zone.seated:
        clash = db.session.scalar(select(Forum.code).where(
            Forum.zone_id == zone.id, Forum.starts < ends, Forum.ends > starts,
            Forum.code != code).limit(1))
        if clash is not None:
            raise invalid_field("starts", overlap_message(clash), "room_overlap")
    if forum is None:
        forum = Forum(code=code, seats_taken=0)
        db.session.add(forum)
    forum.zone_id, forum.title_zh, forum.title_en = zone.id, zh, en
    forum.starts, forum.ends, forum.seats = starts, ends, seats
    forum.kinds = join_codes(allowed)
    forum.registration_opens, forum.registration_closes = opens, closes
    forum.doors_open_minutes, forum.admit_until_minutes = doors, admits
    db.session.flush()
    db.session.refresh(forum)
    return forum


def local_date(moment: datetime, venue: Venue) -> date:
    return moment.astimezone(ZoneInfo(venue.timezone)).date()


def forum_day(forum: Forum) -> date:
    """The forum's day: its start's date in the venue's timezone."""
    return local_date(forum.starts, forum.zone.venue)


def fair_day_of(forum: Forum) -> FairDay | None:
    """The venue-day the forum is held on."""
    return db.session.scalar(select(FairDay).where(FairDay.venue_id == forum.zone.venue_id,
                                                   FairDay.date == forum_day(forum)))


def get_forum(code: str) -> Forum | None:
    return db.session.scalar(select(Forum).where(Forum.code == (code or "").strip().upper())
                             .options(joinedload(Forum.zone).joinedload(Zone.venue)))


def kind_may_register(forum: Forum, kind: PassKind | str) -> bool:
    codes = split_codes(forum.kinds)
    return not codes or str(PassKind(kind).value) in codes


def listing(*, day: date | None = None, venue: str | None = None, kind=None,
            query: str | None = None) -> list[Forum]:
    """Forums by start: of a day (the venue's local date), a venue, open to a pass kind,
    whose code or title contains ``query``."""
    statement = (select(Forum).join(Forum.zone).join(Zone.venue)
                 .options(joinedload(Forum.zone).joinedload(Zone.venue))
                 .order_by(Forum.starts, Forum.code))
    if venue:
        statement = statement.where(Venue.code == venue.strip().upper())
    if query and query.strip():
        words = f"%{query.strip().lower()}%"
        statement = statement.where(or_(func.lower(Forum.code).like(words),
                                        func.lower(Forum.title_zh).like(words),
                                        func.lower(Forum.title_en).like(words)))
    forums = list(db.session.scalars(statement))
    if day is not None:
        forums = [f for f in forums if forum_day(f) == day]
    if kind:
        forums = [f for f in forums if kind_may_register(f, kind)]
    return forums


def sessions_of_zone(zone: Zone, day: date) -> list[Forum]:
    """The zone's forums on ``day`` (the venue's local date), by start."""
    forums = db.session.scalars(select(Forum).where(Forum.zone_id == zone.id)
                                .order_by(Forum.starts, Forum.code))
    return [f for f in forums if local_date(f.starts, zone.venue) == day]

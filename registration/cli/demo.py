"""`fairgate demo`: the two CIFTIS venues with fair days from today on, a forum room with
forums on the first days, a VIP lounge and a media centre."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from gate.rules import DEFAULT_TIMEZONE
from registration.cli.common import transaction
from registration.services import forums, operations, zones

VENUES = (
    ("CNCC", "国家会议中心", "China National Convention Center",
     ["CNCC-E1", "CNCC-E2", "CNCC-E3", "CNCC-W1"]),
    ("SHOUGANG", "首钢园", "Shougang Park", ["SHOUGANG-N1", "SHOUGANG-S1", "SHOUGANG-S2"]),
)
DAY_QUOTA = {"CNCC": 20000, "SHOUGANG": 15000}
OCCUPANCY = {"CNCC": 8000, "SHOUGANG": 6000}
SLOTS = (("AM", time(9, 0), time(12, 0), 6000), ("MID", time(12, 0), time(15, 0), 5000),
         ("PM", time(15, 0), time(18, 0), 4000))
# Zones: (venue, code, kind, zh, en, capacity, kinds admitted); each gets one door gate
# coded like it.
ZONES = (
    ("CNCC", "CNCC-R301", "forum_room", "301 会议室", "Room 301", 300, ()),
    ("CNCC", "CNCC-VIP", "vip_lounge", "贵宾休息室", "VIP lounge", 80, ("guest",)),
    ("CNCC", "CNCC-MEDIA", "media_centre", "新闻中心", "Media centre", 200, ("media", "staff")),
)
# Forums of Room 301 on each of the first FORUM_DAYS days: (suffix, start, end, seats, zh, en).
FORUMS = (
    ("AM", time(9, 30), time(11, 30), 250, "全球服务贸易峰会", "Global Trade in Services Summit"),
    ("PM", time(14, 0), time(16, 0), 200, "数字贸易发展论坛", "Digital Trade Forum"),
)
FORUM_DAYS = 3


def seed_demo(today: date, days: int = 5) -> None:
    for code, name_zh, name_en, gates in VENUES:
        operations.set_venue(code, name_zh, name_en, gates=gates)
    for offset in range(days):
        day = today + timedelta(days=offset)
        for code, *_ in VENUES:
            fair_day = operations.set_day(
                code, day, quota=DAY_QUOTA[code], opens=time(9, 0), closes=time(18, 0),
                occupancy_limit=OCCUPANCY[code], walk_in_reserve=DAY_QUOTA[code] // 10,
            )
            if code == "SHOUGANG" and offset == 1:  # one day with entry time slots
                for slot_code, starts, ends, quota in SLOTS:
                    operations.set_slot(fair_day, slot_code, starts, ends, quota)
    for venue, code, kind, name_zh, name_en, capacity, kinds in ZONES:
        zones.set_zone(venue, code, kind=kind, name_zh=name_zh, name_en=name_en,
                       capacity=capacity, kinds=kinds)
    beijing = ZoneInfo(DEFAULT_TIMEZONE)
    for offset in range(min(days, FORUM_DAYS)):
        day = today + timedelta(days=offset)
        for suffix, starts, ends, seats, title_zh, title_en in FORUMS:
            # Coded by date: seeding again on a later day adds forums, never moves one
            # that has seats taken.
            forums.set_forum(f"F{day:%m%d}-{suffix}", zone_code="CNCC-R301",
                             title_zh=title_zh, title_en=title_en,
                             starts=datetime.combine(day, starts, tzinfo=beijing),
                             ends=datetime.combine(day, ends, tzinfo=beijing), seats=seats)


@click.command("demo")
@click.option("--days", type=click.IntRange(1, 30), default=5, show_default=True)
@with_appcontext
def demo_command(days: int):
    """Seed (or refresh) the CIFTIS demo: CNCC and Shougang Park, fair days from today on."""
    today = datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()  # the demo venues' zone
    with transaction():
        seed_demo(today, days)
    click.echo(f"demo ready: 2 venues, {days} fair days from {today} "
               "(Shougang Park has time slots on the second day); forums in CNCC Room 301 "
               f"on the first {min(days, FORUM_DAYS)} days, a VIP lounge and a media centre")

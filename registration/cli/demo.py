"""`fairgate demo`: the two CIFTIS venues with fair days from today on."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from gate.rules import DEFAULT_TIMEZONE
from registration.cli.common import transaction
from registration.services import operations

VENUES = (
    ("CNCC", "国家会议中心", "China National Convention Center",
     ["CNCC-E1", "CNCC-E2", "CNCC-E3", "CNCC-W1"]),
    ("SHOUGANG", "首钢园", "Shougang Park", ["SHOUGANG-N1", "SHOUGANG-S1", "SHOUGANG-S2"]),
)
DAY_QUOTA = {"CNCC": 20000, "SHOUGANG": 15000}
OCCUPANCY = {"CNCC": 8000, "SHOUGANG": 6000}
SLOTS = (("AM", time(9, 0), time(12, 0), 6000), ("MID", time(12, 0), time(15, 0), 5000),
         ("PM", time(15, 0), time(18, 0), 4000))


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


@click.command("demo")
@click.option("--days", type=click.IntRange(1, 30), default=5, show_default=True)
@with_appcontext
def demo_command(days: int):
    """Seed (or refresh) the CIFTIS demo: CNCC and Shougang Park, fair days from today on."""
    today = datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()  # the demo venues' zone
    with transaction():
        seed_demo(today, days)
    click.echo(f"demo ready: 2 venues, {days} fair days from {today} "
               "(Shougang Park has time slots on the second day)")

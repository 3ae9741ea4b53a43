"""A door kiosk against the real service: enrolled at a forum room's door, it syncs the
room's manifest (zone, today's session, seats), loses the service, admits the seat holder
and refuses a pass without a seat (no_seat) on its own, then uploads; the service's zone
presence shows the holder inside the room, and the room's pool counts the entry."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def room_now(app):
    """``room_now(day)``: room CNCC-R301 (capacity 50) with forum F-NOW, whose door window
    is open now: it starts this minute and admits for 12 hours, until midnight at most."""
    from registration.extensions import db
    from registration.services import forums, zones

    def build(day) -> datetime:
        now = datetime.now(BEIJING).replace(second=0, microsecond=0)
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING)
        with app.app_context():
            zones.set_zone("CNCC", "CNCC-R301", kind="forum_room", name_zh="301会议室",
                           name_en="Room 301", capacity=50)
            forums.set_forum("F-NOW", zone_code="CNCC-R301", title_zh="数字贸易论坛",
                             title_en="Digital trade forum", starts=now, ends=midnight,
                             seats=10, admit_until_minutes=720)
            db.session.commit()
        return now

    return build


def reserve(app, booking: dict, at: datetime) -> None:
    from registration.extensions import db
    from registration.services import seats

    with app.app_context():
        seats.reserve("F-NOW", code=booking["code"], document_number=booking["number"],
                      now=at)
        db.session.commit()


def test_a_door_kiosk_offline_admits_the_seat_holder_only(
        app, gate_day, room_now, book_passes, station, live_service, service_events):
    from registration.extensions import db
    from registration.models import CheckInEvent, OccupancyPool, PassPresence, ZonePresence

    day = gate_day()
    starts = room_now(day)
    holder, other = book_passes(day, 2)
    reserve(app, holder, starts - timedelta(minutes=1))
    door = station("CNCC-R301", name="door")
    door.sync.round()
    assert door.ledger.get("zone")["code"] == "CNCC-R301"
    assert door.ledger.seats(holder["serial"]) == {"F-NOW"}
    assert door.ledger.seats(other["serial"]) == frozenset()

    live_service.stop()
    door.online = False
    admitted = door.gate.decide_text(holder["token"]).verdict
    refused = door.gate.decide_text(other["token"]).verdict
    assert (admitted.admit, admitted.reason.value) == (True, "ok")
    assert (refused.admit, refused.reason.value) == (False, "no_seat")

    live_service.start()
    door.online = True
    report = door.sync.round()
    assert (report.uploaded, report.anomalies) == (2, [])
    events = service_events()
    assert [(e["serial"], e["reason"], e["offline"]) for e in events] == [
        (holder["serial"], "ok", True), (other["serial"], "no_seat", True)]
    with app.app_context():
        inside = db.session.scalar(select(ZonePresence).where(
            ZonePresence.serial == holder["serial"]))
        assert (inside.inside, inside.entries) == (True, 1)
        assert db.session.scalar(select(PassPresence)) is None  # the entrance's, untouched
        assert all(e.zone_id == inside.zone_id for e in db.session.scalars(
            select(CheckInEvent)))
        pool = db.session.scalar(select(OccupancyPool).where(
            OccupancyPool.zone_id == inside.zone_id))
        assert (pool.occupancy_limit, pool.inside) == (50, 1)
    # The next pull brings the room's presence back as the service keeps it.
    door.sync.round()
    assert door.ledger.presence(holder["serial"], day).inside

"""Check-out at closing time: `fairgate gate checkout VENUE [--zone] [--at]` and `--due` (the
timer): whoever the gates still count inside is out, the day's inside counts end at zero,
the next day starts from zero and admits the same pass again; audited gate_checked_out."""
from __future__ import annotations

import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=BEIJING)


@pytest.fixture
def cli(app):
    def run(*args: str):
        return app.test_cli_runner().invoke(args=["gate", "checkout", *args])
    return run


@pytest.fixture
def guest_pass(app, issue_credential, make_resident_id):
    """``guest_pass(first, last)`` -> (serial, token) of a guest credential's one pass."""
    from registration.extensions import db
    from registration.models import Credential

    def build(first, last):
        code = issue_credential("guest", make_resident_id(), first, last, venue="CNCC")
        with app.app_context():
            credential = db.session.scalar(select(Credential).where(Credential.code == code))
            return credential.current_pass.serial, credential.current_pass.token

    return build


@pytest.fixture
def scan(app):
    """``scan(device, token, when, direction="in")`` -> the reason of an online verify
    decided at ``when`` (the service's own verify, committed as a request would)."""
    from registration.extensions import db
    from registration.models import Device
    from registration.services import verify

    def run(device, token, when, direction="in"):
        with app.app_context():
            result = verify.verify_scan(db.session.get(Device, device.id), token, direction,
                                        device.gate, now=when)
            db.session.commit()
            return result.verdict.reason

    return run


@pytest.fixture
def room(app):
    """``room(code="CNCC-R301", closes=None)``: a forum room of CNCC with capacity 50."""
    from registration.extensions import db
    from registration.services import zones

    def build(code="CNCC-R301", closes=None, venue="CNCC"):
        with app.app_context():
            zone = zones.set_zone(venue, code, kind="forum_room", name_zh="会议室",
                                  name_en="Room", capacity=50)
            zone.closes = closes  # no command sets it yet: the zone's own closing time
            db.session.commit()
        return code

    return build


@pytest.fixture
def in_room(app):
    """``in_room(serial, day, zone_code, when)``: the pass entered the room, kept by the
    presence service as a door's admission keeps it."""
    from registration.extensions import db
    from registration.models import Pass, Venue, Zone
    from registration.services import presence

    def run(serial, day, zone_code, when):
        with app.app_context():
            zone = db.session.scalar(select(Zone).where(Zone.code == zone_code))
            held = db.session.scalar(select(Pass).where(Pass.serial == serial))
            venue = db.session.get(Venue, zone.venue_id)
            facts = {serial: presence.PassFacts(held.appointment_id, "guest")}
            presence.ensure_rows({(serial, day)}, venue.id, facts, zone.id)
            assert presence.advance(presence.read_row(serial, day, zone.id), "in",
                                    zone_code, when, zone.id)
            db.session.commit()

    return run


def inside(app, day, zone_code=None) -> int:
    from registration.extensions import db
    from registration.models import Venue, Zone
    from registration.services import dashboard, presence

    with app.app_context():
        if zone_code:
            zone = db.session.scalar(select(Zone).where(Zone.code == zone_code))
            return presence.inside_count(zone.id, day)
        venue = db.session.scalar(select(Venue).where(Venue.code == "CNCC"))
        return dashboard.venue_day_numbers(venue, day)["inside"]


def pool_inside(app, day) -> int:
    from registration.services import leases
    from registration.services.venues import find_fair_day

    with app.app_context():
        return leases.pool_summary(find_fair_day("CNCC", day))["inside"]


def checkouts(app) -> list[dict]:
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        return [{"venue": e.venue_code, "target": e.target, **json.loads(e.details)}
                for e in db.session.scalars(select(AuditEntry).where(
                    AuditEntry.action == "gate_checked_out").order_by(AuditEntry.id))]


def test_inside_at_closing_is_checked_out_and_admitted_again_the_next_day(
        app, cli, make_fair_day, make_device, guest_pass, scan):
    yesterday = make_fair_day("CNCC", offset=-1, closes=time(18, 0), occupancy_limit=100)
    today = make_fair_day("CNCC", offset=0, occupancy_limit=100)
    device = make_device("CNCC")
    stays, token = guest_pass(yesterday, today)
    _, leaves = guest_pass(yesterday, today)
    assert scan(device, token, at(yesterday, "10:00")) == "ok"
    assert scan(device, leaves, at(yesterday, "10:05")) == "ok"
    assert scan(device, leaves, at(yesterday, "11:00"), "out") == "ok_exit"
    assert (inside(app, yesterday), pool_inside(app, yesterday)) == (1, 1)

    done = cli("CNCC", "--at", f"{yesterday.isoformat()}T18:00")
    assert done.exit_code == 0, done.output
    assert done.output == (f"CNCC {yesterday.isoformat()} 18:00: 1 checked out / "
                           f"CNCC {yesterday.isoformat()} 18:00：签出 1 人\n")
    assert (inside(app, yesterday), pool_inside(app, yesterday)) == (0, 0)
    [entry] = checkouts(app)
    assert entry["venue"] == "CNCC" and entry["target"] == f"CNCC {yesterday.isoformat()}"
    assert (entry["people"], entry["zone"], entry["automatic"]) == (1, None, False)
    assert entry["at"] == at(yesterday, "18:00").astimezone(ZoneInfo("UTC")).isoformat()

    again = cli("CNCC", "--at", f"{yesterday.isoformat()}T18:00")
    assert again.exit_code == 0 and again.output == "nobody to check out / 无人需要签出\n"
    assert len(checkouts(app)) == 1  # nothing changed, nothing audited

    assert (inside(app, today), pool_inside(app, today)) == (0, 0)  # the new day: zero
    assert scan(device, token, at(today, "09:00")) == "ok"
    assert (inside(app, today), pool_inside(app, today)) == (1, 1)
    assert inside(app, yesterday) == 0


def test_someone_let_in_after_the_cutoff_stays_inside(app, cli, make_fair_day, make_device,
                                                      guest_pass, scan):
    yesterday = make_fair_day("CNCC", offset=-1)
    device = make_device("CNCC")
    _, early = guest_pass(yesterday, yesterday)
    _, late = guest_pass(yesterday, yesterday)
    assert scan(device, early, at(yesterday, "10:00")) == "ok"
    assert scan(device, late, at(yesterday, "19:00")) == "ok"
    done = cli("CNCC", "--at", f"{yesterday.isoformat()} 18:30")
    assert done.exit_code == 0 and "1 checked out" in done.output
    assert inside(app, yesterday) == 1


def test_the_timer_checks_out_the_days_whose_closing_has_passed(
        app, make_fair_day, make_device, guest_pass, scan, room, in_room):
    yesterday = make_fair_day("CNCC", offset=-1, closes=time(18, 0))
    today = make_fair_day("CNCC", offset=0)
    device = make_device("CNCC")
    serial, token = guest_pass(yesterday, today)
    room("CNCC-R301")
    assert scan(device, token, at(yesterday, "10:00")) == "ok"
    in_room(serial, yesterday, "CNCC-R301", at(yesterday, "10:30"))
    assert scan(device, token, at(today, "08:00")) == "ok"
    runner = app.test_cli_runner()

    done = runner.invoke(args=["gate", "checkout", "--due"])
    assert done.exit_code == 0, done.output
    # Yesterday is over: checked out at its closing; its room too. Today is still open.
    assert done.output.splitlines() == [
        f"CNCC {yesterday.isoformat()} 18:00: 1 checked out (rooms: CNCC-R301 1) / "
        f"CNCC {yesterday.isoformat()} 18:00：签出 1 人（会议室等区域：CNCC-R301 1）"]
    assert (inside(app, yesterday), inside(app, yesterday, "CNCC-R301")) == (0, 0)
    assert inside(app, today) == 1
    [entry] = checkouts(app)
    assert (entry["people"], entry["rooms"], entry["in_rooms"], entry["automatic"]) == (
        1, {"CNCC-R301": 1}, 1, True)
    assert runner.invoke(args=["gate", "checkout", "--due"]).output == \
        "nobody to check out / 无人需要签出\n"


def test_a_room_closing_before_the_venue_is_checked_out_at_its_own_time(
        app, make_fair_day, make_device, guest_pass, scan, room, in_room):
    from registration.actions import checkout
    from registration.actions.actors import Actor
    from registration.extensions import db
    from registration.services import leases
    from registration.services.venues import find_fair_day
    from registration.services.zones import get_zone

    today = make_fair_day("CNCC", offset=0)
    device = make_device("CNCC")
    serial, token = guest_pass(today, today)
    room("CNCC-R301", closes=time(12, 0))
    room("CNCC-R302")
    assert scan(device, token, at(today, "09:00")) == "ok"
    in_room(serial, today, "CNCC-R301", at(today, "09:30"))
    other, _ = guest_pass(today, today)
    in_room(other, today, "CNCC-R302", at(today, "09:40"))
    with app.app_context():
        assert leases.take_place(find_fair_day("CNCC", today), get_zone("CNCC-R301"))
        db.session.commit()
    with app.app_context():
        assert checkout.check_out_due(Actor.operator(), now=at(today, "11:59")) == []
        [done] = checkout.check_out_due(Actor.operator(), now=at(today, "12:10"))
        db.session.commit()
        assert (done.zone, done.people, done.pools_emptied) == ("CNCC-R301", 1, 1)
    assert inside(app, today, "CNCC-R301") == 0
    assert inside(app, today, "CNCC-R302") == 1  # closes with the venue
    assert inside(app, today) == 1  # still in the venue
    [entry] = checkouts(app)
    assert entry["target"] == "CNCC-R301" and entry["zone"] == "CNCC-R301"


def test_one_zone_by_hand(app, cli, make_fair_day, make_device, guest_pass, scan, room,
                          in_room):
    yesterday = make_fair_day("CNCC", offset=-1)
    device = make_device("CNCC")
    serial, token = guest_pass(yesterday, yesterday)
    room("CNCC-R301")
    assert scan(device, token, at(yesterday, "09:00")) == "ok"
    in_room(serial, yesterday, "CNCC-R301", at(yesterday, "09:30"))
    done = cli("cncc", "--zone", "cncc-r301", "--at", f"{yesterday.isoformat()}T12:00")
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"CNCC-R301 {yesterday.isoformat()} 12:00: 1 checked out")
    assert (inside(app, yesterday, "CNCC-R301"), inside(app, yesterday)) == (0, 1)


@pytest.mark.parametrize("args, english, chinese", [
    (["NOPE"], "Unknown venue", "没有这个场馆"),
    (["CNCC", "--zone", "CNCC-R999"], "Unknown zone", "没有这个区域"),
    (["CNCC", "--zone", "SG-H1"], "This zone is not at this venue", "该区域不属于这个场馆"),
    (["CNCC", "--at", "yesterday at six"], "time", "时间"),
    (["CNCC", "--at", "2999-01-01T10:00"], "cannot be later than now", "不能晚于现在"),
    (["CNCC", "--at", "2020-01-02T18:00"], "CNCC has no fair day on 2020-01-02",
     "CNCC 在 2020-01-02 没有展期"),
    ([], "Name a VENUE, or give --due", "请指定场馆"),
    (["--due", "--zone", "CNCC-R301"], "--due takes no --zone or --at", "不能与"),
])
def test_each_operator_mistake_is_one_line(app, cli, make_fair_day, room, args, english,
                                           chinese):
    make_fair_day("CNCC", offset=0)
    make_fair_day("SHOUGANG", offset=0)
    room("SG-H1", venue="SHOUGANG")
    done = cli(*args)
    assert done.exit_code == 1
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and english in lines[0] and chinese in lines[0], done.output
    assert "Traceback" not in done.output and "SELECT" not in done.output
    assert checkouts(app) == []


def test_a_late_upload_from_before_the_closing_is_checked_out_by_the_next_run(
        app, make_fair_day, make_device, guest_pass, scan):
    yesterday = make_fair_day("CNCC", offset=-1, closes=time(18, 0))
    online, offline = make_device("CNCC"), make_device("CNCC", "CNCC-E2")
    serial, token = guest_pass(yesterday, yesterday)
    assert scan(online, token, at(yesterday, "10:00")) == "ok"
    assert scan(online, token, at(yesterday, "16:00"), "out") == "ok_exit"
    runner = app.test_cli_runner()
    assert "nobody" in runner.invoke(args=["gate", "checkout", "--due"]).output
    # A kiosk that was offline all afternoon uploads a re-entry at 17:30 the next morning.
    upload = app.test_client().post("/api/v1/gate/events", headers=offline.headers, json={
        "events": [{"id": "late-1", "gate": offline.gate, "direction": "in", "admit": True,
                    "reason": "ok_reentry", "pass_serial": serial, "offline": True,
                    "scanned_at": at(yesterday, "17:30").isoformat()}]})
    assert upload.status_code == 200, upload.get_json()
    assert inside(app, yesterday) == 1
    done = runner.invoke(args=["gate", "checkout", "--due"])
    assert done.output.startswith(f"CNCC {yesterday.isoformat()} 18:00: 1 checked out")
    assert inside(app, yesterday) == 0


def test_a_room_closing_after_the_venue_keeps_its_people_until_its_own_time(
        app, make_fair_day, guest_pass, room, in_room):
    from registration.actions import checkout
    from registration.actions.actors import Actor
    from registration.extensions import db

    today = make_fair_day("CNCC", offset=0, closes=time(18, 0))
    room("CNCC-R301")
    room("CNCC-R302", closes=time(22, 0))
    day_session, _ = guest_pass(today, today)
    evening, _ = guest_pass(today, today)
    in_room(day_session, today, "CNCC-R301", at(today, "15:00"))
    in_room(evening, today, "CNCC-R302", at(today, "17:30"))
    with app.app_context():
        [venue] = checkout.check_out_due(Actor.operator(), now=at(today, "18:05"))
        db.session.commit()
        assert (venue.zone, venue.rooms, venue.at) == (None, {"CNCC-R301": 1},
                                                       at(today, "18:00"))
    assert (inside(app, today, "CNCC-R301"), inside(app, today, "CNCC-R302")) == (0, 1)
    with app.app_context():
        assert checkout.check_out_due(Actor.operator(), now=at(today, "21:55")) == []
        [late] = checkout.check_out_due(Actor.operator(), now=at(today, "22:05"))
        db.session.commit()
        assert (late.zone, late.people, late.at) == ("CNCC-R302", 1, at(today, "22:00"))
    assert inside(app, today, "CNCC-R302") == 0
    assert [e["target"] for e in checkouts(app)] == [f"CNCC {today.isoformat()}",
                                                     "CNCC-R302"]

"""`fairgate zone set / list` and `fairgate forum set / list`: what an operator sees, the
audit entries in their name, and one clear English / Chinese line (exit 1) for every
mistake, database constraints included."""
from __future__ import annotations

import getpass
import json

import pytest
from sqlalchemy import func, select

OPERATOR = f"cli:{getpass.getuser()}"[:60]
ROOM = ("zone", "set", "CNCC", "CNCC-R301", "--kind", "forum_room", "--name-zh", "301会议室",
        "--name-en", "Room 301", "--capacity", "200")


@pytest.fixture
def cli(app):
    """``cli("zone", "list")`` -> click's result (output holds stdout and stderr)."""
    def run(*args: str):
        return app.test_cli_runner().invoke(args=list(args))
    return run


@pytest.fixture
def fair(make_fair_day):
    """CNCC open tomorrow and the day after, SHOUGANG tomorrow: the first day."""
    day = make_fair_day("CNCC", offset=1)
    make_fair_day("CNCC", offset=2)
    make_fair_day("SHOUGANG", offset=1)
    return day


@pytest.fixture
def room(cli, fair):
    """CNCC-R301 (capacity 200) with forum F-1 (09:30-11:00 tomorrow, 120 seats)."""
    assert cli(*ROOM).exit_code == 0
    made = cli("forum", "set", "F-1", "--zone", "CNCC-R301", "--title-zh", "数字贸易论坛",
               "--title-en", "Digital trade forum", "--start", f"{fair}T09:30",
               "--end", f"{fair}T11:00", "--seats", "120", "--kinds", "visitor,professional")
    assert made.exit_code == 0, made.output
    return fair


@pytest.fixture
def audit_entries(app):
    """``audit_entries("zone_set")`` -> [(username, venue, target, details)] oldest first."""
    from registration.extensions import db
    from registration.models import AuditEntry

    def read(action: str):
        with app.app_context():
            return [(e.username, e.venue_code, e.target, json.loads(e.details or "null"))
                    for e in db.session.scalars(select(AuditEntry).where(
                        AuditEntry.action == action).order_by(AuditEntry.id))]

    return read


@pytest.fixture
def seats_taken(app):
    """``seats_taken("F-1", 5)``: people hold that many seats (as the seat service counts)."""
    from registration.extensions import db
    from registration.models import Forum

    def set_taken(code: str, taken: int):
        with app.app_context():
            db.session.execute(Forum.__table__.update().where(Forum.code == code)
                               .values(seats_taken=taken))
            db.session.commit()

    return set_taken


def test_a_zone_is_created_changed_listed_and_audited(cli, fair, audit_entries):
    made = cli("zone", "set", "cncc", " cncc-mc ", "--kind", "MEDIA_CENTRE", "--name-zh",
               "新闻中心", "--name-en", "  Media   centre ", "--kinds", "media,guest",
               "--gate", "cncc-mc1", "--gate", "CNCC-MC2")
    assert made.exit_code == 0, made.output
    assert made.output.strip() == (
        "zone CNCC-MC created / 已创建: CNCC  media_centre  no limit  venue's  guest,media  "
        "CNCC-MC1,CNCC-MC2  新闻中心 / Media centre")
    changed = cli("zone", "set", "CNCC", "CNCC-MC", "--capacity", "80", "--closes", "21:30")
    assert changed.exit_code == 0, changed.output
    assert "changed / 已更改" in changed.output and "  80  21:30  guest,media  " in changed.output
    assert cli(*ROOM).exit_code == 0
    listed = cli("zone", "list", "--venue", "cncc")
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "code\tvenue\tkind\tcapacity\tcloses\tkinds\tgates\tname",
        "CNCC-MC\tCNCC\tmedia_centre\t80\t21:30\tguest,media\tCNCC-MC1,CNCC-MC2\t"
        "新闻中心 / Media centre",
        "CNCC-R301\tCNCC\tforum_room\t200\tvenue's\tall kinds\tCNCC-R301\t301会议室 / Room 301"]
    assert cli("zone", "list", "--venue", "SHOUGANG").output.count("\n") == 1  # header only
    [created, capacity, _] = audit_entries("zone_set")
    assert created[:3] == (OPERATOR, "CNCC", "CNCC-MC")
    assert created[3]["before"] is None
    assert created[3]["after"]["gates"] == ["CNCC-MC1", "CNCC-MC2"]
    assert capacity == (OPERATOR, "CNCC", "CNCC-MC",
                        {"before": {"capacity": None, "closes": None},
                         "after": {"capacity": 80, "closes": "21:30"}})


def test_capacity_none_and_an_empty_kinds_list_lift_the_limits(cli, fair):
    assert cli(*ROOM, "--kinds", "media", "--closes", "20:00").exit_code == 0
    lifted = cli("zone", "set", "CNCC", "CNCC-R301", "--capacity", "none", "--kinds", "",
                 "--closes", "none")
    assert lifted.exit_code == 0, lifted.output
    assert "no limit  venue's  all kinds" in lifted.output


def test_a_forum_is_created_changed_listed_and_audited(cli, room, seats_taken, audit_entries):
    day = room
    assert cli("forum", "set", "F-1", "--seats", "150", "--doors-open", "45").exit_code == 0
    seats_taken("F-1", 7)
    assert cli("zone", "set", "SHOUGANG", "SG-H1", "--kind", "hall", "--name-zh", "一号馆",
               "--name-en", "Hall 1").exit_code == 0
    other = cli("forum", "set", "f-sg", "--zone", "sg-h1", "--title-zh", "文旅", "--title-en",
                "Culture", "--start", f"{day}T14:00+08:00", "--end", f"{day}T15:00+08:00",
                "--seats", "30")
    assert other.exit_code == 0, other.output
    listed = cli("forum", "list", "--day", day.isoformat())
    assert listed.output.splitlines() == [
        "code\tday\ttime\tzone\tseats taken/total\tkinds\ttitle",
        f"F-1\t{day}\t09:30-11:00\tCNCC-R301\t7/150\tprofessional,visitor\t"
        "数字贸易论坛 / Digital trade forum",
        f"F-SG\t{day}\t14:00-15:00\tSG-H1\t0/30\tall kinds\t文旅 / Culture"]
    assert [line.split("\t")[0] for line in
            cli("forum", "list", "--venue", "shougang").output.splitlines()[1:]] == ["F-SG"]
    assert cli("forum", "list", "--day", "2030-01-01").output.count("\n") == 1
    [created, changed] = audit_entries("forum_set")[:2]
    assert created[:3] == (OPERATOR, "CNCC", "F-1")
    assert created[3]["after"]["starts"] == f"{day}T09:30+08:00"
    assert created[3]["after"]["doors_open_minutes"] == 30
    assert changed == (OPERATOR, "CNCC", "F-1",
                       {"before": {"seats": 120, "doors_open_minutes": 30},
                        "after": {"seats": 150, "doors_open_minutes": 45}})


def test_seats_never_go_below_those_taken(cli, room, seats_taken):
    seats_taken("F-1", 100)
    below = cli("forum", "set", "F-1", "--seats", "99")
    assert below.exit_code == 1
    assert "--seats: The seats cannot go below the seats already taken" in below.output
    assert "不能少于已预约的座位" in below.output
    assert cli("forum", "set", "F-1", "--seats", "100").exit_code == 0


# (arguments, English, Chinese): each is one line, exit 1, and saves nothing.
ZONE_MISTAKES = [
    (("NOWHERE", "CNCC-R302"), "Unknown venue (see fairgate venue list)", "没有这个场馆"),
    (("CNCC", "bad code"), "CODE: A code is 1 to 20 upper-case letters", "编号须为"),
    (("CNCC", "CNCC-R3020000000000000"), "CODE: A code is 1 to 20", "编号须为"),
    (("CNCC", "CNCC-R302", "--kind", "lounge"), "--kind: The zone kind must be one of hall",
     "区域类型须为"),
    (("CNCC", "CNCC-R302", "--capacity", "0"), "--capacity: The capacity must be a whole",
     "容量须为正整数"),
    (("CNCC", "CNCC-R302", "--capacity", "-1"), "--capacity: The capacity must be a whole",
     "容量须为正整数"),
    (("CNCC", "CNCC-R302", "--capacity", "abc"), "--capacity: The capacity must be a whole",
     "容量须为正整数"),
    (("CNCC", "CNCC-R302", "--capacity", "2.5"), "--capacity: The capacity must be a whole",
     "容量须为正整数"),
    (("CNCC", "CNCC-R302", "--capacity", "9" * 20), "--capacity: At most 1,000,000",
     "不能超过 1,000,000"),
    (("CNCC", "CNCC-R302", "--kinds", "media,gust"), "--kinds: Unknown pass kind: gust",
     "没有这种证件类型"),
    (("CNCC", "CNCC-R302", "--kinds", "online"), "--kinds: Unknown pass kind: online",
     "没有这种证件类型"),
    (("CNCC", "CNCC-R302", "--gate", "CNCC-E1"),
     "--gate: Gate CNCC-E1 belongs to CNCC (entrance)", "不能用作本区域的门"),
    (("CNCC", "CNCC-R302", "--gate", "CNCC-R301"),
     "--gate: Gate CNCC-R301 belongs to CNCC-R301", "不能用作本区域的门"),
    (("CNCC", "CNCC-R302", "--gate", "bad gate"), "--gate: A code is 1 to 20", "编号须为"),
    (("CNCC", "CNCC-R302", "--name-zh", " "), "--name-zh: Give the name in Chinese",
     "请填写中英文名称"),
    (("CNCC", "CNCC-R302", "--name-en", "x" * 151), "--name-zh/--name-en: The name is too long",
     "名称过长"),
    (("SHOUGANG", "CNCC-R301"), "CODE: This zone code belongs to another venue",
     "该区域编号已属于另一个场馆"),
    (("CNCC", "CNCC-R302", "--closes", "25:00"), "--closes: A closing time is HH:MM",
     "关闭时间须为 HH:MM"),
    (("CNCC", "CNCC-R302", "--closes", "evening"), "--closes: A closing time is HH:MM",
     "关闭时间须为 HH:MM"),
    (("CNCC", "CNCC-R302", "--closes", "21:00+08:00"), "--closes: A closing time is HH:MM",
     "关闭时间须为 HH:MM"),
]
NEW_ROOM = ("--kind", "forum_room", "--name-zh", "302会议室", "--name-en", "Room 302")


@pytest.mark.parametrize(("arguments", "english", "chinese"), ZONE_MISTAKES)
def test_zone_mistakes_are_one_clear_line(cli, room, audit_entries, arguments, english,
                                          chinese):
    before = audit_entries("zone_set")
    result = cli("zone", "set", *arguments[:2], *NEW_ROOM, *arguments[2:])
    assert result.exit_code == 1
    assert english in result.output and chinese in result.output
    assert_one_line(result.output)
    assert audit_entries("zone_set") == before


def test_a_new_zone_needs_its_kind_and_names(cli, fair):
    result = cli("zone", "set", "CNCC", "CNCC-R302", "--kind", "forum_room")
    assert result.exit_code == 1
    assert "A new zone needs its kind and its names" in result.output
    assert "give --kind, --name-zh and --name-en" in result.output and "新区域" in result.output
    assert_one_line(result.output)


def test_a_capacity_below_a_forums_seats_is_refused(cli, room):
    result = cli("zone", "set", "CNCC", "CNCC-R301", "--capacity", "119")
    assert result.exit_code == 1
    assert "cannot be below the seats of a forum in this zone (120)" in result.output
    assert "容量不能少于" in result.output
    assert cli("zone", "set", "CNCC", "CNCC-R301", "--capacity", "120").exit_code == 0


def assert_one_line(output: str) -> None:
    assert len(output.strip().splitlines()) == 1, output
    for leak in ("Traceback", "sqlalchemy", "SELECT", "INSERT", "UPDATE", "psycopg"):
        assert leak not in output


def forum_mistakes(day, later, far):
    """(arguments after ``forum set F-2``, English, Chinese)."""
    good = {"--zone": "CNCC-R301", "--title-zh": "绿色金融", "--title-en": "Green finance",
            "--start": f"{day}T13:00", "--end": f"{day}T14:30", "--seats": "50"}

    def args(**changes):
        options = {**good, **{f"--{k.replace('_', '-')}": v for k, v in changes.items()}}
        return [item for key, value in options.items() if value is not None
                for item in (key, value)]

    return [
        (args(zone="CNCC-R999"), "Unknown zone (make it first with fairgate zone set",
         "没有这个区域"),
        (args(zone=None), "A new forum needs its zone (--zone)", "新论坛须指定区域"),
        (args(title_en=None), "A new forum needs its title in English", "英文标题"),
        (args(start=None), "A new forum needs its start (--start)", "开始时间"),
        (args(seats=None), "A new forum needs its seats (--seats)", "座位数"),
        (args(start="tomorrow"), "--start: A time is ISO 8601", "ISO 8601"),
        (args(end="14:30"), "--end: A time is ISO 8601", "ISO 8601"),
        (args(end=f"{day}T12:00"), "--end: The end must come after the start", "结束时间须晚于"),
        (args(end=f"{day}T13:00"), "--end: The end must come after the start", "结束时间须晚于"),
        (args(end=f"{later}T10:00"), "--end: A forum must end on the day it starts",
         "论坛须在开始当天结束"),
        (args(start=f"{far}T10:00", end=f"{far}T11:00"),
         "--start: That day is not a fair day of the zone's venue (make the day first with "
         "fairgate day set)", "不是展会日"),
        (args(seats="0"), "--seats: The seats must be a whole number of 1 or more", "座位数须为"),
        (args(seats="-3"), "--seats: The seats must be a whole number", "座位数须为"),
        (args(seats="many"), "--seats: The seats must be a whole number", "座位数须为"),
        (args(seats="201"), "--seats: The seats cannot exceed the zone's capacity", "容量"),
        (["--zone", "CNCC-H1", *args()[2:-2], "--seats", "1000001"],
         "--seats: At most 1,000,000", "不能超过 1,000,000"),
        (args(kinds="visitor,vip"), "--kinds: Unknown pass kind: vip", "没有这种证件类型"),
        (args(doors_open="-1"), "--doors-open: Minutes are a whole number from 0 to 720",
         "分钟数"),
        (args(admit_until="721"), "--admit-until: Minutes are a whole number from 0 to 720",
         "分钟数"),
        (args(admit_until="ten"), "--admit-until: Minutes are a whole number", "分钟数"),
        (args(registration_opens="soon"), "--registration-opens: A time is ISO 8601", "ISO"),
        (args(registration_opens=f"{day}T10:00", registration_closes=f"{day}T09:00"),
         "--registration-closes: Registration must close after it opens", "报名截止须晚于"),
        (args(registration_closes=f"{day}T15:00"),
         "--registration-closes: Registration must close before the forum ends",
         "报名须在论坛结束前截止"),
        (args(start=f"{day}T10:30", end=f"{day}T12:00"),
         "--start: Overlaps forum F-1 in the same room", "时间重叠"),
        (args(title_zh="长" * 201), "--title-zh/--title-en: The name is too long", "名称过长"),
        (["--zone", "CNCC-MC", *args()[2:], "--kinds", "visitor"],
         "--kinds: This pass kind is not admitted to the zone", "不能进入此区域"),
    ]


def test_forum_mistakes_are_one_clear_line(cli, room, audit_entries):
    from datetime import timedelta

    day = room
    assert cli("zone", "set", "CNCC", "CNCC-MC", "--kind", "media_centre", "--name-zh", "新闻中心",
               "--name-en", "Media centre", "--kinds", "media").exit_code == 0
    assert cli("zone", "set", "CNCC", "CNCC-H1", "--kind", "hall", "--name-zh", "一号馆",
               "--name-en", "Hall 1").exit_code == 0
    before = audit_entries("forum_set")
    cases = forum_mistakes(day, day + timedelta(days=1), day + timedelta(days=40))
    for arguments, english, chinese in cases:
        result = cli("forum", "set", "F-2", *arguments)
        assert result.exit_code == 1, (arguments, result.output)
        assert english in result.output and chinese in result.output, result.output
        assert_one_line(result.output)
    assert audit_entries("forum_set") == before
    assert "F-2" not in cli("forum", "list").output


def test_a_bad_forum_code_and_bad_list_filters_are_one_line(cli, room):
    for arguments, english in ((("forum", "set", "F 2", "--seats", "3"), "CODE: A code is 1"),
                               (("forum", "list", "--day", "tomorrow"),
                                "--day: A day is YYYY-MM-DD"),
                               (("forum", "list", "--venue", "NOWHERE"),
                                "--venue: Unknown venue"),
                               (("zone", "list", "--venue", "NOWHERE"), "Unknown venue")):
        result = cli(*arguments)
        assert result.exit_code == 1 and english in result.output, result.output
        assert_one_line(result.output)


def _break(app, change):
    """Run ``change(session)`` and flush: the IntegrityError the database raised."""
    from sqlalchemy.exc import IntegrityError

    from registration.extensions import db

    with app.app_context():
        try:
            change(db.session)
            db.session.flush()
        except IntegrityError as exc:
            db.session.rollback()
            return exc
        raise AssertionError("the database accepted it")


def _forum(session, **values):
    from registration.models import Forum

    session.execute(Forum.__table__.update().where(Forum.code == "F-1").values(**values))


def _zone_copy(session, code="CNCC-R301"):
    from registration.models import Venue, Zone

    venue = session.scalar(select(Venue).where(Venue.code == "CNCC"))
    session.add(Zone(venue_id=venue.id, code=code, kind="hall", name_zh="x", name_en="x"))


def _forum_copy(session):
    from registration.models import Forum, Zone

    original = session.scalar(select(Forum).where(Forum.code == "F-1"))
    zone = session.scalar(select(Zone).where(Zone.code == "CNCC-R301"))
    session.add(Forum(code="F-1", zone_id=zone.id, title_zh="x", title_en="x",
                      starts=original.starts, ends=original.ends, seats=1))


def _gate_copy(session):
    from registration.models import Gate, Venue

    venue = session.scalar(select(Venue).where(Venue.code == "CNCC"))
    session.add(Gate(venue_id=venue.id, code="CNCC-R301", name="copy"))


def _capacity_zero(session):
    from registration.models import Zone

    session.execute(Zone.__table__.update().values(capacity=0))


def _ends_at_start(session):
    from registration.models import Forum

    session.execute(Forum.__table__.update().values(ends=Forum.starts))


# A change racing the command's own checks: the constraint it breaks, in one line.
CONSTRAINTS = [
    (_capacity_zero, "a zone's capacity must be 1 or more"),
    (_ends_at_start, "a forum must end after it starts"),
    (lambda s: _forum(s, seats_taken=121), "a forum's seats cannot go below the seats taken"),
    (lambda s: _forum(s, seats_taken=-1), "seats taken cannot be negative"),
    (lambda s: _forum(s, doors_open_minutes=-5), "door minutes cannot be negative"),
    (_zone_copy, "a zone with this code exists already"),
    (_forum_copy, "a forum with this code exists already"),
    (_gate_copy, "a gate with this code exists already"),
]


@pytest.mark.parametrize(("change", "meaning"), CONSTRAINTS,
                         ids=[meaning.split()[2] + str(n) for n, (_, meaning)
                              in enumerate(CONSTRAINTS)])
def test_each_zone_and_forum_constraint_reads_as_one_clear_line(app, room, change, meaning):
    from registration.cli.common import database_error_line

    line = database_error_line(_break(app, change))
    assert line.startswith(f"The database refused the change: {meaning}; nothing was saved / ")
    assert "数据库拒绝了这项更改" in line
    assert_one_line(line)


def test_a_negative_seat_count_reads_as_one_clear_line(app, room):
    from registration.cli.common import database_error_line

    # seats -1 breaks "seats >= 0" and "seats_taken <= seats" at once: either is named.
    line = database_error_line(_break(app, lambda s: _forum(s, seats=-1)))
    assert ("a forum's seats cannot be negative" in line
            or "a forum's seats cannot go below the seats taken" in line), line
    assert_one_line(line)


def test_the_real_command_prints_one_line_and_no_traceback(fairgate):
    fairgate("venue", "set", "CNCC", "--name-zh", "国家会议中心", "--name-en", "CNCC")
    result = fairgate("zone", "set", "CNCC", "CNCC-R301", "--kind", "forum_room", "--name-zh",
                      "301", "--name-en", "Room 301", "--capacity", "lots", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: --capacity: The capacity must be a whole number of 1 or more (leave it out "
        "for none) / --capacity：容量须为正整数（不限请留空）")
    made = fairgate("zone", "set", "CNCC", "CNCC-R301", "--kind", "forum_room", "--name-zh",
                    "301", "--name-en", "Room 301")
    assert made.stdout.startswith("zone CNCC-R301 created / 已创建")
    listed = fairgate("forum", "list")
    assert listed.stdout.splitlines() == ["code\tday\ttime\tzone\tseats taken/total\tkinds\ttitle"]


def test_nothing_is_left_half_written_after_a_refused_gate(app, cli, fair):
    from registration.extensions import db
    from registration.models import Gate, Zone

    result = cli("zone", "set", "CNCC", "CNCC-R302", *NEW_ROOM, "--gate", "CNCC-R302A",
                 "--gate", "CNCC-E1")
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Zone)) == 0
        assert db.session.scalar(select(Gate.code).where(Gate.code == "CNCC-R302A")) is None

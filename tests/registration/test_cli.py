"""The `fairgate` command as an operator runs it: real processes, one line per error."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

FAIRGATE = str(Path(sys.executable).with_name("fairgate"))


def test_demo_seeds_both_venues_with_a_slot_day(fairgate):
    assert "demo ready" in fairgate("demo").stdout
    listing = fairgate("venue", "list").stdout
    assert "CNCC\t国家会议中心 / China National Convention Center" in listing
    assert "SHOUGANG\t首钢园 / Shougang Park" in listing
    zones, forums = fairgate("zone", "list").stdout, fairgate("forum", "list").stdout
    assert "CNCC-R301" in zones and "CNCC-VIP" in zones and "CNCC-MEDIA" in zones
    assert forums.count("CNCC-R301") == 6  # two forums on each of the first three days
    fairgate("demo")  # running it again changes nothing and does not fail
    assert fairgate("venue", "list").stdout == listing
    assert fairgate("zone", "list").stdout == zones
    assert fairgate("forum", "list").stdout == forums


def test_day_set_creates_and_changes_a_day(fairgate):
    fairgate("demo")
    day = (date.today() + timedelta(days=20)).isoformat()
    out = fairgate("day", "set", "cncc", day, "--quota", "300", "--occupancy-limit", "120",
                   "--walk-in-reserve", "30", "--opens", "08:30", "--closes", "17:00").stdout
    assert f"CNCC {day}: quota 300, booked 0, reserve 30, 08:30-17:00" in out


@pytest.mark.parametrize("args,message", [
    (("day", "set", "NOWHERE", "2030-01-01", "--quota", "5"), "Unknown venue"),
    (("day", "set", "CNCC", "2030-02-30", "--quota", "5"), "YYYY-MM-DD"),
    (("day", "set", "CNCC", "2030-01-01", "--quota", "-5"), "-5"),
    (("day", "set", "CNCC", "2030-01-01", "--quota", "5", "--opens", "18:00",
      "--closes", "09:00"), "Closing must be after opening"),
    (("purge", "--older-than", "soon"), "soon"),
    # Fair days lie within FAIR_DAY_EARLIEST..FAIR_DAY_LATEST (registration/config.py).
    (("day", "set", "CNCC", "9999-12-31", "--quota", "5"),
     "The date must lie between 2020-01-01 and 2099-12-31"),
    (("day", "set", "CNCC", "0001-01-01", "--quota", "5"),
     "The date must lie between 2020-01-01 and 2099-12-31"),
    (("day", "set", "CNCC", "2030-01-01", "--quota", "5", "--walk-in-reserve", "6"),
     "The walk-in reserve must be 0..quota"),
    (("venue", "set", "CNCC", "--name-zh", "", "--name-en", "CNCC"),
     "The Chinese name is 1-100 characters"),
    (("venue", "set", "CNCC", "--name-zh", "国家会议中心", "--name-en", "CNCC",
      "--gate", "SHOUGANG-N1"), "Gate SHOUGANG-N1 belongs to venue SHOUGANG"),
    (("venue", "set", "CNCC", "--name-zh", "国家会议中心", "--name-en", "CNCC",
      "--gate", "E 1"), "is not valid: 1-20 letters, digits or dashes"),
    (("device", "revoke", "99999999999999999999"), "is not in the range"),
])
def test_bad_arguments_print_one_clear_line_and_fail(fairgate, args, message):
    fairgate("demo")
    result = fairgate(*args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("Error")]) == 1


def test_keys_init_then_production_start(tmp_path):
    env = {**os.environ, "FAIRGATE_INSTANCE_PATH": str(tmp_path / "prod"),
           "FAIRGATE_ENV": "production"}
    refused = subprocess.run([FAIRGATE, "venue", "list"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode != 0 and "fairgate keys init" in refused.stderr
    assert "Traceback" not in refused.stderr
    created = subprocess.run([FAIRGATE, "keys", "init"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert created.returncode == 0 and "created" in created.stdout
    upgraded = subprocess.run([FAIRGATE, "db", "upgrade"], env=env, capture_output=True,
                              text=True, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr


def test_venue_set_chooses_the_pass_kinds_that_need_the_id_card(fairgate):
    fairgate("demo")
    out = fairgate("venue", "set", "SHOUGANG", "--name-zh", "首钢园", "--name-en",
                   "Shougang Park", "--id-check", "staff,exhibitor").stdout
    assert "ID check: exhibitor, staff" in out
    refused = fairgate("venue", "set", "SHOUGANG", "--name-zh", "首钢园", "--name-en",
                       "Shougang Park", "--id-check", "vip", check=False)
    assert refused.returncode != 0 and "ID-check pass kinds are" in refused.stderr


def test_serve_answers_on_the_chosen_port(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "FAIRGATE_INSTANCE_PATH": str(tmp_path), "FAIRGATE_PORT": str(port)}
    env.pop("FAIRGATE_DATABASE_URL", None)
    subprocess.run([FAIRGATE, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([FAIRGATE, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline and answer is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=2) as response:
                    answer = response.read()
            except OSError:
                time.sleep(0.3)
        assert answer is not None and b'"status":"ok"' in answer.replace(b" ", b"")
    finally:
        server.terminate()
        server.wait(timeout=10)


NO_INTERNALS = ("SQL", "sqlalche.me", "Traceback", "IntegrityError", "CHECK constraint")


def _one_clear_line(result) -> str:
    output = result.output.strip()
    assert result.exit_code != 0, output
    assert len(output.splitlines()) == 1, output
    assert not any(word in output for word in NO_INTERNALS), output
    return output


def test_a_quota_below_the_walk_in_reserve_names_the_reserve_and_the_option(
        app, make_fair_day):
    day = make_fair_day(quota=100, walk_in_reserve=30, offset=5)
    result = app.test_cli_runner().invoke(args=["day", "set", "CNCC", day.isoformat(),
                                                "--quota", "10"])
    line = _one_clear_line(result)
    assert "The quota cannot go below the walk-in reserve of 30" in line
    assert "--walk-in-reserve" in line and "名额不能少于现场预留（30）" in line
    lowered = app.test_cli_runner().invoke(args=["day", "set", "CNCC", day.isoformat(),
                                                 "--quota", "10", "--walk-in-reserve", "5"])
    assert lowered.exit_code == 0, lowered.output
    assert "quota 10, booked 0, reserve 5" in lowered.output


def test_a_quota_below_the_bookings_is_one_clear_line(app, client, make_fair_day,
                                                      booking_body):
    day = make_fair_day(quota=10, offset=5)
    for _ in range(3):
        assert client.post("/api/v1/appointments", json=booking_body(day)).status_code == 201
    result = app.test_cli_runner().invoke(args=["day", "set", "CNCC", day.isoformat(),
                                                "--quota", "2"])
    line = _one_clear_line(result)
    assert "The quota cannot go below the 3 places already booked" in line
    assert "名额不能少于已预约人数（3）" in line


def test_a_booking_racing_a_quota_change_is_one_clear_line(app, client, make_fair_day):
    """The database's CHECK refuses what a booking made meanwhile: one line, no SQL."""
    from sqlalchemy import event, update
    from sqlalchemy.orm import Session

    from registration.models import FairDay

    day = make_fair_day(quota=10, offset=5)

    def booking_comes_in(session, context, instances):
        session.connection().execute(update(FairDay.__table__)
                                     .where(FairDay.__table__.c.date == day).values(booked=8))

    event.listen(Session, "before_flush", booking_comes_in, once=True)
    try:
        result = app.test_cli_runner().invoke(args=["day", "set", "CNCC", day.isoformat(),
                                                    "--quota", "5"])
    finally:
        if event.contains(Session, "before_flush", booking_comes_in):
            event.remove(Session, "before_flush", booking_comes_in)
    line = _one_clear_line(result)
    assert "Something changed at the same moment" in line and "nothing was saved" in line
    assert client.get(f"/api/v1/venues/CNCC/days/{day}").get_json()["quota"] == 10


def test_any_other_database_refusal_is_one_generic_line(app, monkeypatch):
    """The safety net: a constraint no service rule checked prints what rule, not the SQL."""
    from datetime import time

    from sqlalchemy import insert

    from registration.extensions import db
    from registration.models import FairDay, Venue
    from registration.services import operations

    def unchecked_set_day(venue_code, day, **options):
        venue = db.session.scalar(db.select(Venue).where(Venue.code == venue_code))
        db.session.execute(insert(FairDay.__table__).values(
            venue_id=venue.id, date=day, opens=time(9), closes=time(17), quota=5,
            walk_in_reserve=9, booking_open=True, booked=0, walk_in_booked=0))

    with app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center")
        db.session.commit()
    monkeypatch.setattr(operations, "set_day", unchecked_set_day)
    result = app.test_cli_runner().invoke(args=["day", "set", "CNCC", "2030-01-01",
                                                "--quota", "5"])
    line = _one_clear_line(result)
    assert line == ("Error: The database refused the change: the walk-in reserve and the "
                    "professional share cannot exceed the quota; nothing was saved / "
                    "数据库拒绝了这项更改：现场预留与专业观众名额之和不能多于名额；未保存任何内容")


def test_the_top_level_handler_never_prints_sql(monkeypatch, capsys):
    import registration.cli as fairgate_cli
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER CONSTRAINT ck_t_n_positive CHECK (n > 0))"))
        with pytest.raises(IntegrityError) as refused:
            conn.execute(text("INSERT INTO t VALUES (-1)"))

    def raises(**kwargs):
        raise refused.value

    monkeypatch.setattr(fairgate_cli.cli, "main", raises)
    with pytest.raises(SystemExit) as exited:
        fairgate_cli.main()
    assert exited.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("fairgate: error: The database refused the change")
    assert len(err.splitlines()) == 1
    assert not any(word in err for word in NO_INTERNALS), err

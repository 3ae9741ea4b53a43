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
    fairgate("demo")  # running it again changes nothing and does not fail
    assert fairgate("venue", "list").stdout == listing


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

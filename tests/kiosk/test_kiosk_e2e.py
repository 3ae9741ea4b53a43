"""The whole kiosk against the real service: passes booked through the API, drawn as camera
frames, scanned by `fairgate-kiosk run`, uploaded; the service stopped and started again;
the kiosk killed mid-stream. Every event reaches the service exactly once."""
from __future__ import annotations

import json
import signal
from collections import Counter

import cv2
import pytest

from kiosk.config import ledger_path
from kiosk.ledger import Ledger
from kioskkit import STREAM_SIZE, kiosk, start_kiosk, verdict_lines, write_stream

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
RUN = ("run", "--headless", "--sync-interval", "0.5", "--max-backoff", "1")


def ledger_events(home) -> dict[str, dict]:
    with Ledger(ledger_path(home)) as ledger:
        assert ledger.check() == []
        rows = ledger.conn.execute("SELECT d.event_id, d.serial, d.admit, d.direction, "
                                   "d.offline, e.state FROM decisions d JOIN events e ON "
                                   "e.id = d.event_id").fetchall()
    return {row["event_id"]: dict(row) for row in rows}


def assert_exactly_once(home, service_events, device_id) -> dict[str, dict]:
    """Every ledger event is on the service once, and nothing else from this device."""
    local = ledger_events(home)
    stored = service_events(device_id=device_id)
    ids = [e["id"] for e in stored]
    assert len(ids) == len(set(ids)) and set(ids) == set(local)
    assert all(row["state"] in ("accepted", "duplicate") for row in local.values())
    admitted = Counter(row["serial"] for row in local.values()
                       if row["admit"] and row["direction"] == "in")
    assert all(n == 1 for n in admitted.values())  # nobody admitted twice
    return local


def test_a_gate_day_online_offline_and_back(gate_day, book_passes, enrolled, live_service,
                                            service_events, tmp_path):
    day = gate_day(quota=100)
    passes = book_passes(day, 8)
    tokens = [p["token"] for p in passes]
    home = enrolled()
    device = json.loads((home / "kiosk.json").read_text())["device_id"]
    # Each pass held up for two frames is one scan; the first shown again 0.6 s later
    # (12 empty frames at 20 fps) repeats its verdict instead of deciding again.
    frames = tmp_path / "morning"
    write_stream(frames, tokens[:5])                              # frames 1-15
    write_stream(frames, tokens[:1], gap=12, blanks=0, first=15)  # 16-27 empty, 28-29
    morning = verdict_lines(kiosk(home, *RUN, "--images", str(frames), "--fps", "20").stdout)
    assert [v["reason"] for v in morning] == ["ok"] * 6
    assert morning[5]["repeat"] and morning[5]["event_id"] == morning[0]["event_id"]
    assert all(v["online"] for v in morning)
    assert len(service_events(device_id=device)) == 5  # uploaded while running

    live_service.stop()
    frames = tmp_path / "partition"
    write_stream(frames, tokens[5:] + tokens[1:2])
    cut_off = verdict_lines(kiosk(home, *RUN, "--images", str(frames)).stdout)
    assert [v["reason"] for v in cut_off[:3]] == ["ok", "ok", "ok"]
    # Seen again: inside already (or, within 10 s of its entry here, a repeated scan).
    assert cut_off[3]["reason"] in ("already_inside", "duplicate_scan")
    assert not any(v["online"] for v in cut_off) and not cut_off[3]["admit"]
    status = json.loads(kiosk(home, "status", "--json").stdout)
    assert status["state"] == "offline" and status["queued_events"] == 4

    live_service.start()
    assert "events: 4 uploaded" in kiosk(home, "sync").stdout
    local = assert_exactly_once(home, service_events, device)
    offline = [e for e in service_events(device_id=device) if e["offline"]]
    assert [e["admit"] for e in offline] == [True, True, True, False]
    assert sum(row["admit"] for row in local.values()) == 8


def test_killed_mid_stream_loses_nothing_and_admits_nobody_twice(
        gate_day, book_passes, enrolled, service_events, tmp_path):
    day = gate_day(quota=100)
    passes = book_passes(day, 24)
    home = enrolled()
    device = json.loads((home / "kiosk.json").read_text())["device_id"]
    frames = tmp_path / "frames"
    write_stream(frames, [p["token"] for p in passes])
    process = start_kiosk(home, *RUN, "--images", str(frames), "--fps", "30")
    printed = []
    for line in process.stdout:
        printed.append(json.loads(line))
        if len(printed) == 9:
            process.send_signal(signal.SIGKILL)
            break
    rest, _ = process.communicate(timeout=30)
    printed += verdict_lines(rest)
    assert process.returncode == -signal.SIGKILL
    local = ledger_events(home)
    admitted = [v for v in printed if v["admit"]]
    assert len(admitted) >= 9
    assert all(local[v["event_id"]]["admit"] for v in admitted)  # printed -> committed

    # Restarted on the same stream: the passes already admitted are not admitted again.
    again = verdict_lines(kiosk(home, *RUN, "--images", str(frames)).stdout)
    seen = {v["event_id"] for v in admitted}
    assert not seen & {v["event_id"] for v in again}
    kiosk(home, "sync")
    local = assert_exactly_once(home, service_events, device)
    entered = {row["serial"] for row in local.values() if row["admit"]}
    assert entered == {p["serial"] for p in passes}


def test_a_video_file_at_an_exit_lane(gate_day, book_passes, enrolled, tmp_path):
    day = gate_day()
    passes = book_passes(day, 3)
    home = enrolled()
    frames = tmp_path / "entry"
    write_stream(frames, [p["token"] for p in passes])
    entered = verdict_lines(kiosk(home, *RUN, "--images", str(frames)).stdout)
    assert [v["reason"] for v in entered] == ["ok"] * 3
    video = tmp_path / "exit.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25, STREAM_SIZE)
    for path in sorted(frames.glob("frame_*.png"))[:6]:  # the first two passes leave
        writer.write(cv2.imread(str(path)))
    writer.release()
    left = verdict_lines(kiosk(home, *RUN, "--video", str(video), "--direction", "out",
                               "--turnstile", "log").stdout)
    assert [v["reason"] for v in left] == ["ok_exit", "ok_exit"]
    assert all(v["direction"] == "out" and v["admit"] for v in left)
    info = json.loads(kiosk(home, "status", "--json").stdout)
    assert info["inside_now"] == 1 and info["admitted"] == 3 and info["let_out"] == 2

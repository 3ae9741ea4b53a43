"""`fairgate-kiosk` as an operator uses it: enrol, scan, sync, status, card readers, errors."""
from __future__ import annotations

import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
import tty
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode

from kiosk.cli import main
from kioskkit import blank_frame, kiosk, pass_frame, start_kiosk, verdict_lines

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
FAIRGATE = str(Path(sys.executable).with_name("fairgate"))


def cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *words: str) -> None:
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fairgate-kiosk: error: "), err
    for word in words:
        assert word in lines[0]


def test_enrol_from_the_printed_code_and_its_qr(gate_day, live_service, instance_dir,
                                                database_url, tmp_path, capsys):
    gate_day()
    env = {**os.environ, "FAIRGATE_INSTANCE_PATH": str(instance_dir),
           "FAIRGATE_DATABASE_URL": database_url}
    printed = subprocess.run([FAIRGATE, "device", "enroll-code", "--venue", "CNCC", "--gate",
                              "CNCC-E1"], env=env, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    code = printed.stdout.splitlines()[0]
    # The code as a QR on the operator's phone, in front of the kiosk camera.
    picture = np.array(qrcode.make(code, border=4).convert("L").resize((400, 400)))
    frame = cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR)
    image = tmp_path / "code.png"
    cv2.imwrite(str(image), frame)
    home = tmp_path / "kiosk"
    status, out, err = cli(capsys, "--home", str(home), "enroll", "--server",
                           live_service.url, "--image", str(image), "--name", "E1 lane 2")
    assert status == 0, err
    assert "enrolled: device" in out and "CNCC, gate CNCC-E1" in out
    token_file = home / "token"
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    assert token_file.read_text().startswith("fgd_")
    # The code works once.
    status, _, err = cli(capsys, "--home", str(tmp_path / "again"), "enroll", "--server",
                         live_service.url, "--code", code)
    one_line_error(status, err, "already used or expired")
    status, _, err = cli(capsys, "--home", str(home), "enroll", "--server", live_service.url,
                         "--code", code)
    one_line_error(status, err, "already enrolled", "--force")


def test_operator_mistakes_get_one_clear_line(gate_day, enrolled, tmp_path, capsys):
    gate_day()
    nowhere = tmp_path / "nowhere"
    one_line_error(*cli(capsys, "--home", str(nowhere), "status")[::2], "not enrolled")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    one_line_error(*cli(capsys, "--home", str(nowhere), "enroll", "--server", closed,
                        "--code", "ABCD-EFGH-JKLM-NPQR")[::2], "unreachable")
    one_line_error(*cli(capsys, "--home", str(nowhere), "enroll", "--server", "ftp://x",
                        "--code", "ABCD-EFGH-JKLM-NPQR")[::2], "http")
    one_line_error(*cli(capsys, "--home", str(nowhere), "enroll", "--server", closed,
                        "--code", "not-a-code")[::2], "not an enrolment code")
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), blank_frame(1))
    one_line_error(*cli(capsys, "--home", str(nowhere), "enroll", "--server", closed,
                        "--image", str(blank))[::2], "no enrolment QR code")
    home = str(enrolled())
    for args, words in [
        (("run", "--images", str(tmp_path / "missing"), "--headless"), ("not a directory",)),
        (("run", "--images", str(tmp_path), "--headless", "--turnstile", "relay"),
         ("--turnstile",)),
        (("run", "--reader", "serial:/dev/does-not-exist", "--headless"), ("/dev/does-not",)),
        (("run", "--headless"), ("nothing to read",)),
        (("run", "--reader", "stdin", "--headless", "--id-check", "vip"), ("vip",)),
        (("run", "--images", str(tmp_path), "--screen", "window"), ("--headless",)),  # no GUI
    ]:
        one_line_error(*cli(capsys, "--home", home, *args)[::2], *words)
    result = kiosk(Path(home), "run", "--no-such-option", check=False)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_scan_still_images(gate_day, book_passes, enrolled, tmp_path, capsys):
    day = gate_day()
    passes = book_passes(day, 2)
    home = str(enrolled())
    first, both, blank = tmp_path / "first.png", tmp_path / "both.png", tmp_path / "blank.png"
    cv2.imwrite(str(first), pass_frame(passes[0]["token"], 1))
    cv2.imwrite(str(both), np.hstack([pass_frame(p["token"], 2, size=(640, 360))
                                      for p in passes]))
    cv2.imwrite(str(blank), blank_frame(3))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    status, out, _ = cli(capsys, "--home", home, "scan", str(first), str(both), str(blank),
                         str(tmp_path / "broken.png"))
    assert status == 1  # one file was not an image
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line.get("codes") for line in lines] == [1, 2, 0, None]
    assert lines[0]["verdicts"][0]["reason"] == "ok"
    assert sorted(v["reason"] for v in lines[1]["verdicts"]) == ["duplicate_scan", "ok"]
    assert lines[3]["error"] == "not a readable image"


def test_sync_and_status(gate_day, book_passes, enrolled, live_service, tmp_path, capsys):
    day = gate_day(occupancy_limit=500)
    passes = book_passes(day, 2)
    home = str(enrolled())
    image = tmp_path / "pass.png"
    cv2.imwrite(str(image), pass_frame(passes[0]["token"], 1))
    cli(capsys, "--home", home, "scan", str(image))
    status, out, _ = cli(capsys, "--home", home, "status")
    assert status == 0 and "CNCC-E1" in out and "1 queued" in out and "online" in out
    live_service.stop()
    one_line_error(*cli(capsys, "--home", home, "sync")[::2], "1 events stay queued")
    info = json.loads(cli(capsys, "--home", home, "status", "--json")[1])
    assert info["state"] == "offline" and info["queued_events"] == 1
    assert info["credits"] == 29 and info["inside_now"] == 1 and info["occupancy_limit"] == 500
    live_service.start()
    status, out, _ = cli(capsys, "--home", home, "sync")
    assert status == 0 and "events: 1 uploaded" in out
    info = json.loads(cli(capsys, "--home", home, "status", "--json")[1])
    assert info["state"] == "online" and info["queued_events"] == 0
    assert info["uploaded_events"] == 1 and info["appointments"] == 2


def test_card_reader_on_stdin_through_the_run_loop(gate_day, book_passes, enrolled,
                                                   service_events, tmp_path):
    day = gate_day()
    booked = book_passes(day, 1)[0]
    home = enrolled()
    record = f"张三|男|汉|19900101|北京市|{booked['number']}|北京市公安局|2020-2040"
    lines = "\n".join([record, "110101199001011234", "not a card", booked["number"]]) + "\n"
    opened = tmp_path / "turnstile.log"
    relay = f"command:sh -c 'echo $FAIRGATE_REASON $FAIRGATE_KIND >> {opened}'"
    result = kiosk(home, "run", "--reader", "stdin", "--headless", "--turnstile", relay,
                   input=lines)
    verdicts = verdict_lines(result.stdout)
    assert [v["reason"] for v in verdicts] == ["ok", "unreadable", "unreadable",
                                               "duplicate_scan"]
    assert verdicts[0]["source"] == "card" and verdicts[0]["holder"]["name"] == "张*"
    assert "check" in verdicts[1]["detail"] and verdicts[1]["event_id"] is None
    assert opened.read_text().splitlines() == ["ok visitor"]  # opened for the admission only
    stored = service_events()
    assert [e["reason"] for e in stored] == ["ok", "duplicate_scan"]  # uploaded at exit


def test_serial_card_reader_on_a_pseudo_terminal(gate_day, book_passes, enrolled):
    day = gate_day()
    booked = book_passes(day, 1)[0]
    home = enrolled()
    master, slave = pty.openpty()
    tty.setraw(slave)
    process = start_kiosk(home, "run", "--reader", f"serial:{os.ttyname(slave)}",
                          "--headless", "--turnstile", "log", "-v")
    try:
        errors = Lines(process.stderr)
        while "kiosk running" not in errors.next():
            pass  # the port is open (opening it drops what was sent before)
        os.write(master, f"{booked['number']}\r\n".encode())
        assert json.loads(Lines(process.stdout).next())["reason"] == "ok"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "turnstile open: reason=ok" in err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        os.close(master)
        os.close(slave)


class Lines:
    """Lines from a pipe as they come (os.read on the descriptor: no hidden buffer)."""

    def __init__(self, stream):
        self.fd, self.buffer = stream.fileno(), b""

    def next(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if time.monotonic() > deadline:
                raise AssertionError("nothing more from the kiosk")
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    raise AssertionError("the kiosk closed its output")
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

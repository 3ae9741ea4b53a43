"""kiosk.turnstile: each output opens for an admitting verdict and never for a denial."""
from __future__ import annotations

import logging
import os
import select
import sys
import textwrap

import pytest

from gate.reasons import Reason
from kiosk.turnstile import (
    CommandTurnstile, LogTurnstile, NoTurnstile, SerialRelayTurnstile, TurnstileError,
    make_turnstile,
)


@pytest.fixture
def admit(make_verdict):
    return make_verdict(Reason.ok)


@pytest.fixture
def deny(make_verdict):
    return make_verdict(Reason.bad_signature)


def read_available(fd: int, wait: float = 2.0) -> bytes:
    data = b""
    while select.select([fd], [], [], wait)[0]:
        data += os.read(fd, 1024)
        wait = 0.1
    return data


@pytest.fixture
def pty_port():
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


@pytest.mark.parametrize("kind", ["none", "log"])
def test_simple_outputs_refuse_a_denying_verdict(kind, admit, deny):
    turnstile = make_turnstile(kind)
    turnstile.open_for(admit)
    with pytest.raises(ValueError, match="denying verdict"):
        turnstile.open_for(deny)


def test_log_turnstile_logs_one_line_without_personal_data(admit, caplog):
    turnstile = LogTurnstile()
    with caplog.at_level(logging.INFO, logger="kiosk.turnstile"):
        turnstile.open_for(admit)
    (record,) = caplog.records
    assert record.getMessage() == "turnstile open: reason=ok direction=in kind=visitor"
    assert turnstile.opened == 1
    assert isinstance(make_turnstile("none"), NoTurnstile)


def test_serial_relay_writes_the_command_to_the_port(pty_port, admit, deny):
    master, name = pty_port
    with make_turnstile("serial", port=name) as relay:
        relay.open_for(admit)
        assert read_available(master) == b"OPEN\n"
        with pytest.raises(ValueError):
            relay.open_for(deny)
        assert read_available(master, wait=0.2) == b""


def test_serial_relay_with_a_binary_command(pty_port, admit):
    master, name = pty_port
    command = bytes.fromhex("A00101A2")  # a common USB relay board's "relay 1 on"
    with SerialRelayTurnstile(name, 9600, command=command) as relay:
        relay.open_for(admit)
        relay.open_for(admit)
        assert read_available(master) == command * 2


def test_serial_relay_on_a_missing_port_is_a_clear_error(admit):
    relay = SerialRelayTurnstile("/dev/ttyNOPE")
    with pytest.raises(TurnstileError, match="relay on /dev/ttyNOPE did not take"):
        relay.open_for(admit)
    with pytest.raises(ValueError):
        SerialRelayTurnstile("/dev/ttyS0", command="OPEN")


@pytest.fixture
def script(tmp_path):
    def write(body: str):
        path = tmp_path / "gate_open.py"
        path.write_text(textwrap.dedent(body))
        return [sys.executable, str(path)]
    return write


def test_command_runs_without_a_shell_and_gets_the_verdict(script, tmp_path, admit):
    out = tmp_path / "out.txt"
    argv = script("""
        import os, sys
        with open(sys.argv[1], "w") as f:
            f.write("|".join([os.environ["FAIRGATE_REASON"], os.environ["FAIRGATE_DIRECTION"],
                              os.environ["FAIRGATE_KIND"], sys.argv[2]]))
    """)
    turnstile = make_turnstile("command", argv=[*argv, str(out), "; touch pwned"])
    turnstile.open_for(admit)
    assert out.read_text() == "ok|in|visitor|; touch pwned"
    assert not (tmp_path / "pwned").exists()


def test_command_as_a_string_is_split_not_given_to_a_shell(script, tmp_path, admit):
    out = tmp_path / "out.txt"
    argv = script("import sys; open(sys.argv[1], 'w').write(sys.argv[2])")
    CommandTurnstile(f"{argv[0]} {argv[1]} {out} 'two words'").open_for(admit)
    assert out.read_text() == "two words"


def test_command_that_hangs_is_stopped_at_its_timeout(script, admit):
    turnstile = CommandTurnstile(script("import time; time.sleep(30)"), timeout=0.5)
    with pytest.raises(TurnstileError, match="did not finish within 0.5 s"):
        turnstile.open_for(admit)


def test_command_that_fails_reports_its_status_and_message(script, admit, deny):
    turnstile = CommandTurnstile(script("import sys; sys.exit('relay jammed')"))
    with pytest.raises(TurnstileError, match="exit status 1: relay jammed"):
        turnstile.open_for(admit)
    with pytest.raises(ValueError):
        turnstile.open_for(deny)


def test_command_that_does_not_exist_is_a_clear_error(admit):
    with pytest.raises(TurnstileError, match="could not run"):
        CommandTurnstile(["/nonexistent/open-gate"]).open_for(admit)
    with pytest.raises(ValueError):
        CommandTurnstile([])


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="none, log, serial, command"):
        make_turnstile("pneumatic")

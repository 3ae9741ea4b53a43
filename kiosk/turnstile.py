"""Turnstile output: what the kiosk does to let an admitted visitor through.

The run loop calls ``open_for(verdict)`` only for an admitting verdict, after the decision is
committed to the ledger; every implementation refuses a denying verdict all the same (a
bug upstream must not open the gate). Implementations:

* ``none``    - a kiosk without a turnstile (staff wave people through);
* ``log``     - one log line per opening (bench, dry runs);
* ``serial``  - writes a command (default ``b"OPEN\\n"``) to a relay board on a serial port;
* ``command`` - runs a program (argument list, no shell) with a timeout; the verdict is in
  its environment (``FAIRGATE_REASON``, ``FAIRGATE_DIRECTION``, ``FAIRGATE_KIND``).

A failure raises :class:`TurnstileError` with a clear message; the caller logs it and shows
staff that the gate must be opened by hand. It never takes the kiosk down.
"""
from __future__ import annotations

import logging
import os
import shlex
import subprocess
from collections.abc import Callable, Mapping, Sequence

import serial

from gate.rules import AdmissionVerdict

log = logging.getLogger(__name__)

DEFAULT_SERIAL_COMMAND = b"OPEN\n"
KINDS = ("none", "log", "serial", "command")


class TurnstileError(RuntimeError):
    """The turnstile could not be opened."""


def _require_admit(verdict: AdmissionVerdict) -> None:
    if not verdict.admit:
        raise ValueError(f"refusing to open the turnstile for a denying verdict "
                         f"({verdict.reason.value})")


class Turnstile:
    """Interface: ``open_for(verdict)`` for an admitting verdict; ``close()`` at exit."""

    kind = "none"

    def open_for(self, verdict: AdmissionVerdict) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "Turnstile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NoTurnstile(Turnstile):
    kind = "none"

    def open_for(self, verdict: AdmissionVerdict) -> None:
        _require_admit(verdict)


class LogTurnstile(Turnstile):
    """Logs each opening (no personal data: reason, direction and pass kind only)."""

    kind = "log"

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO):
        self.logger = logger or log
        self.level = level
        self.opened = 0

    def open_for(self, verdict: AdmissionVerdict) -> None:
        _require_admit(verdict)
        self.opened += 1
        kind = verdict.kind.value if verdict.kind is not None else "-"
        self.logger.log(self.level, "turnstile open: reason=%s direction=%s kind=%s",
                        verdict.reason.value, verdict.direction, kind)


class SerialRelayTurnstile(Turnstile):
    """Writes ``command`` to a relay controller on a serial port.

    The port is opened on first use and reopened after an error, so a relay board that was
    unplugged and plugged back in works again from the next admission.
    """

    kind = "serial"

    def __init__(self, port: str, baudrate: int = 9600, *,
                 command: bytes = DEFAULT_SERIAL_COMMAND, write_timeout: float = 1.0,
                 serial_factory: Callable[..., serial.SerialBase] = serial.Serial):
        if not isinstance(command, bytes) or not command:
            raise ValueError("command must be a non-empty bytes string, e.g. b'OPEN\\n'")
        self.port_name = port
        self.baudrate = baudrate
        self.command = command
        self.write_timeout = write_timeout
        self._factory = serial_factory
        self._port = None

    def open_for(self, verdict: AdmissionVerdict) -> None:
        _require_admit(verdict)
        try:
            if self._port is None:
                self._port = self._factory(self.port_name, baudrate=self.baudrate,
                                           timeout=self.write_timeout,
                                           write_timeout=self.write_timeout)
            self._port.write(self.command)
            self._port.flush()
        except (serial.SerialException, OSError, ValueError) as exc:
            self.close()
            raise TurnstileError(f"relay on {self.port_name} did not take the open command: "
                                 f"{exc}") from None

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass


class CommandTurnstile(Turnstile):
    """Runs ``argv`` (a list, or a string split like a shell would, never run by one)."""

    kind = "command"

    def __init__(self, argv: Sequence[str] | str, *, timeout: float = 5.0,
                 env: Mapping[str, str] | None = None):
        argv = shlex.split(argv) if isinstance(argv, str) else list(argv)
        if not argv:
            raise ValueError("the turnstile command is empty")
        self.argv = argv
        self.timeout = timeout
        self.env = dict(env) if env is not None else None

    def open_for(self, verdict: AdmissionVerdict) -> None:
        _require_admit(verdict)
        env = dict(os.environ if self.env is None else self.env)
        env.update(FAIRGATE_REASON=verdict.reason.value, FAIRGATE_DIRECTION=verdict.direction,
                   FAIRGATE_KIND=verdict.kind.value if verdict.kind is not None else "")
        name = self.argv[0]
        try:
            done = subprocess.run(self.argv, env=env, timeout=self.timeout, shell=False,
                                  stdin=subprocess.DEVNULL, capture_output=True, check=False)
        except subprocess.TimeoutExpired:
            raise TurnstileError(f"turnstile command {name} did not finish within "
                                 f"{self.timeout:g} s") from None
        except OSError as exc:
            raise TurnstileError(f"turnstile command {name} could not run: {exc}") from None
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()[-200:]
            raise TurnstileError(f"turnstile command {name} failed with exit status "
                                 f"{done.returncode}" + (f": {detail}" if detail else ""))


def make_turnstile(kind: str, **options) -> Turnstile:
    """A turnstile from configuration: ``kind`` is one of :data:`KINDS`."""
    if kind == "none":
        return NoTurnstile()
    if kind == "log":
        return LogTurnstile(**options)
    if kind == "serial":
        return SerialRelayTurnstile(**options)
    if kind == "command":
        return CommandTurnstile(**options)
    raise ValueError(f"unknown turnstile kind {kind!r}; use one of {', '.join(KINDS)}")

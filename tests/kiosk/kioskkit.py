"""Helpers for kiosk tests against the real service (a helper module, not tests).

* :class:`LiveService` serves the real app with werkzeug on loopback in a thread; it can be
  stopped (the kiosk goes offline) and started again on the same port;
* :func:`write_stream` draws passes as camera frames into a directory, the way
  ``fairgate-kiosk run --images DIR`` reads them;
* :func:`kiosk` runs the ``fairgate-kiosk`` program with a given state directory.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import requests
from werkzeug.serving import make_server

import imagesets
from gate.lookup import LookupParams
from kiosk.scanner import decode

KIOSK = str(Path(sys.executable).with_name("fairgate-kiosk"))
STREAM_SIZE = (800, 450)

KIOSK_DAY = imagesets.FAIR_DAY
BEIJING = ZoneInfo("Asia/Shanghai")
# A venue-day's look-up parameters as a manifest carries them (a real, cheap Argon2id).
LOOKUP_PARAMS = LookupParams(salt=bytes(range(16)), time_cost=1, memory_kib=64, parallelism=1)


def beijing(hour: int, minute: int = 0, second: int = 0, day=KIOSK_DAY) -> datetime:
    return datetime.combine(day, clock_time(hour, minute, second), BEIJING)


class FakeClock:
    """Wall clock and monotonic clock that move only when told: ``clock.advance(5)``."""

    def __init__(self, start: datetime):
        self.now, self.mono = start, 1000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


class LiveService:
    """The real WSGI app on 127.0.0.1 in a background thread."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self.port = port
        self._server = None
        self._thread = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> "LiveService":
        for _ in range(50):  # the port may linger for a moment after a stop
            try:
                self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"port {self.port} stays busy")
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(10)
            self._server = None

    def post(self, path: str, body: dict, **kwargs) -> requests.Response:
        with requests.Session() as session:
            return session.post(self.url + path, json=body, timeout=30, **kwargs)


def pass_frame(token: str, seed: int, size=STREAM_SIZE, condition: str = "clean"):
    """A frame of the pass that the kiosk's decoder reads (another seed if one fails)."""
    for attempt in range(20):
        frame = imagesets.make_frame(token, condition, seed * 31 + attempt, size)
        if token in decode(frame):
            return frame
    raise AssertionError("could not draw a readable frame")


def blank_frame(seed: int, size=STREAM_SIZE):
    rng = random.Random(seed)
    return imagesets.finish(imagesets.background(rng, size), "clean", rng)


def write_stream(directory: Path, tokens: list[str], *, frames_per_pass: int = 2,
                 blanks: int = 1, gap: int = 0, first: int = 0) -> list[Path]:
    """Frames ``frame_00001.png``... numbered after ``first``: ``gap`` empty frames, then
    each token in ``frames_per_pass`` consecutive frames (one presentation) followed by
    ``blanks`` empty frames."""
    directory.mkdir(parents=True, exist_ok=True)
    blank = blank_frame(first)
    paths, n = [], first
    for index, token in enumerate(tokens):
        frame = pass_frame(token, first + index)
        lead = [blank] * gap if index == 0 else []
        for item in lead + [frame] * frames_per_pass + [blank] * blanks:
            n += 1
            path = directory / f"frame_{n:05d}.png"
            cv2.imwrite(str(path), item, [cv2.IMWRITE_PNG_COMPRESSION, 1])
            paths.append(path)
    return paths


def kiosk_env(home: Path) -> dict:
    env = {**os.environ, "FAIRGATE_KIOSK_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("FAIRGATE_DATABASE_URL", None)
    return env


def kiosk(home: Path, *args: str, input: str | None = None, timeout: float = 120,
          check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([KIOSK, *args], env=kiosk_env(home), capture_output=True,
                            text=True, input=input, timeout=timeout)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def start_kiosk(home: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([KIOSK, *args], env=kiosk_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def verdict_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

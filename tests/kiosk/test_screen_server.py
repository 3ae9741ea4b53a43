"""The browser screen's server over real HTTP on loopback (the page itself: see
test_browser_screen.py): what it serves, to whom, and how its event stream behaves."""
from __future__ import annotations

import dataclasses
import json

import cv2
import numpy as np
import pytest
import requests

from gate.reasons import Reason
from kiosk.screen import BrowserDisplay
from kiosk.screen import server as screen_server


@pytest.fixture
def screen():
    display = BrowserDisplay(port=0)
    yield display
    display.close()


def read_events(response, count: int, until: str | None = None) -> list[tuple[str, dict]]:
    """The next ``count`` events of an open /events response, as (kind, data); with
    ``until``, the events up to the first of that kind."""
    events, kind = [], None
    for line in response.iter_lines(chunk_size=1, decode_unicode=True):  # no read-ahead
        if line.startswith("event: "):
            kind = line[len("event: "):]
        elif line.startswith("data: "):
            events.append((kind, json.loads(line[len("data: "):])))
            if (until is None and len(events) == count) or kind == until:
                return events
    raise AssertionError(f"the stream ended after {events}")


def test_the_page_and_its_files_are_served_on_loopback_only(screen):
    assert screen.url.startswith("http://127.0.0.1:")
    page = requests.get(screen.url + "/", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "请出示通行证二维码或身份证件" in page.text and "/screen.js" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    for path, kind in (("/screen.css", "text/css"), ("/screen.js", "text/javascript")):
        answer = requests.get(screen.url + path, timeout=5)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(kind)
    assert requests.get(screen.url + "/nothing", timeout=5).status_code == 404
    rebound = requests.get(screen.url + "/events", headers={"Host": "evil.example:80"},
                           timeout=5)
    assert rebound.status_code == 403  # another site's page cannot read the verdicts


def test_the_preview_is_the_latest_camera_frame_as_jpeg(screen, kiosk_status):
    assert requests.get(screen.url + "/preview.jpg", timeout=5).status_code == 404
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[:, :640] = (0, 0, 255)  # left half red
    screen.show_idle(frame, kiosk_status)
    answer = requests.get(screen.url + "/preview.jpg", timeout=5)
    assert answer.headers["Content-Type"] == "image/jpeg"
    picture = cv2.imdecode(np.frombuffer(answer.content, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (360, 640, 3)  # a modest size for the preview
    assert picture[180, 100, 2] > 200 and picture[180, 540, 2] < 50
    with requests.get(screen.url + "/preview", stream=True, timeout=5) as stream:
        assert stream.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        head = stream.raw.read(64)
        assert head.startswith(b"--frame\r\nContent-Type: image/jpeg\r\n")


def test_a_new_stream_gets_the_current_status_and_screen_then_every_change(
        screen, make_verdict, kiosk_status):
    screen.show_idle(None, kiosk_status)
    screen.show_verdict(make_verdict(Reason.already_inside), kiosk_status,
                        extra={"repeat": True, "event_id": "e-1", "detail": "x"})
    with requests.get(screen.url + "/events", stream=True, timeout=5) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        (kind1, status), (kind2, verdict) = read_events(stream, 2)
        assert (kind1, kind2) == ("status", "verdict")
        assert status["online"] is True and status["state"] == "● 在线 online"
        assert {"label": "场内 inside", "value": "1,234 / 5,000"} in status["items"]
        assert verdict["reason"] == "already_inside" and verdict["colour"] == "red"
        assert verdict["lines"]["headline"] == "禁止通行  DENY"
        assert verdict["lines"]["holder"] == "张*    证件尾号 ID ends 803X"
        assert verdict["notes"] == ["重复出示，结果同上 · shown again: same verdict"]
        assert "event_id" not in verdict and "detail" not in verdict
        screen.show_idle(None, kiosk_status)  # unchanged status: only the screen changes
        screen.show_idle(None, dataclasses.replace(kiosk_status, online=False))
        (kind3, _), (kind4, offline) = read_events(stream, 2)
        assert (kind3, kind4) == ("idle", "status") and offline["state"] == "● 离线 OFFLINE"


def test_streams_get_heartbeats_and_end_when_the_kiosk_stops(
        monkeypatch, make_verdict, kiosk_status):
    monkeypatch.setattr(screen_server, "HEARTBEAT_SECONDS", 0.05)
    display = BrowserDisplay(port=0)
    try:
        first = requests.get(display.url + "/events", stream=True, timeout=5)
        second = requests.get(display.url + "/events", stream=True, timeout=5)
        assert read_events(first, 1)[0][0] == "heartbeat"
        display.show_verdict(make_verdict(Reason.ok), kiosk_status)
        for stream in (first, second):  # several screens all get the verdict
            kind, data = read_events(stream, 0, until="verdict")[-1]
            assert kind == "verdict" and data["reason"] == "ok"
    finally:
        display.close()
    for stream in (first, second):  # the streams end (a hang would time out in 5 s)
        assert isinstance(b"".join(stream.iter_content(1024)), bytes)
        stream.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(display.url + "/", timeout=2)


def test_a_screen_that_stops_reading_is_dropped_not_waited_for():
    hub = screen_server.EventHub(backlog=3)
    stuck, reading = hub.subscribe(), hub.subscribe()
    for n in range(3):
        hub.publish("status", {"n": n}, retain="status")
        reading.get_nowait()
    hub.publish("status", {"n": 3}, retain="status")  # stuck's backlog is full
    assert hub.streams == 1 and reading.get_nowait()[1] == '{"n":3}'
    drained = []
    while not stuck.empty():
        drained.append(stuck.get_nowait())
    assert drained[-1] is None  # its stream ends; the browser reconnects
    fresh = hub.subscribe()
    assert fresh.get_nowait() == ("status", '{"n":3}')  # the latest status at once

"""Redis down: the room refuses everyone with a clear 503, it never opens to everyone.
Proved with a real redis-server that this test starts on a spare port and then stops."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis

from roomtools import CHEAP_POW, booking_body


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of this test's own: ``server.stop()`` makes it unreachable."""
    port = _spare_port()
    process = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)

    class Server:
        url = f"redis://127.0.0.1:{port}/0"

        @staticmethod
        def stop():
            process.terminate()
            process.wait(10)

    yield Server
    if process.poll() is None:
        process.terminate()
        process.wait(10)
    client.close()


@pytest.fixture
def app(make_app, redis_server):
    return make_app(WAITING_ROOM_STORE=redis_server.url, POW_MAX_NUMBER=CHEAP_POW,
                    WAITING_ROOM_RATE=1000)


def test_the_room_fails_closed_when_redis_goes_away(client, redis_server, make_fair_day,
                                                    schedule_opening, join,
                                                    make_resident_id):
    day = schedule_opening(make_fair_day(), -1)
    number = make_resident_id()
    joined = join(day, number).get_json()
    assert joined["status"] == "admitted"
    challenge = client.get("/api/v1/pow/challenge").get_json()  # before the outage
    redis_server.stop()

    status = client.get(f"/api/v1/queue/CNCC/{day.isoformat()}",
                        headers={"X-Queue-Ticket": joined["ticket"]})
    assert status.status_code == 503
    assert status.get_json()["error"]["code"] == "waiting_room_unavailable"
    assert status.headers["Retry-After"]

    # Even a valid admission does not book while the room cannot remember it was spent.
    booked = client.post("/api/v1/appointments", json=booking_body(day, number),
                         headers={"X-Admission-Token": joined["admission_token"]})
    assert booked.status_code == 503
    assert booked.get_json()["error"]["code"] == "waiting_room_unavailable"
    from registration.waitingroom.pow import solve

    refused = client.post(f"/api/v1/queue/CNCC/{day.isoformat()}", json={
        "document": {"type": "cn_resident_id", "number": make_resident_id()},
        "altcha": solve(challenge)})
    assert refused.status_code == 503


def test_the_queue_page_says_so_in_both_languages(client, redis_server, make_fair_day,
                                                  schedule_opening):
    day = schedule_opening(make_fair_day(), -1)
    redis_server.stop()
    page = client.get(f"/queue/CNCC/{day.isoformat()}?lang=en")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "The waiting room is unavailable right now" in text
    assert "排队系统暂时不可用" in text
    booking_page = client.post(f"/book/CNCC/{day.isoformat()}", data={})
    assert booking_page.status_code in (303, 503)  # to the queue, which is down


def test_a_day_without_a_room_still_books_while_redis_is_down(client, redis_server,
                                                              make_fair_day,
                                                              make_resident_id):
    day = make_fair_day()
    redis_server.stop()
    answer = client.post("/api/v1/appointments", json=booking_body(day, make_resident_id()))
    assert answer.status_code == 201

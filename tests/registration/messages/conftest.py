"""Fixtures of the SMS tests: a service with its SMS outbox in the test's folder, a real
HTTP gateway on a local port (answers and failures set by the test), organisations with a
contact phone, and staff clients."""
from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "staff"))
sys.path.insert(0, str(Path(__file__).parents[1] / "web"))

from smskit import csrf_token, register_organisation  # noqa: E402,F401
from staffkit import log_in  # noqa: E402


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", MAIL_OUTBOX=str(tmp_path / "outbox"),
                    SMS_OUTBOX=str(tmp_path / "sms"), PUBLIC_URL="https://fair.example.org")


class Gateway:
    """A real HTTP server speaking the adapter's shape; ``failures`` answers that many
    requests with ``fail_status`` first."""

    def __init__(self):
        self.requests: list[dict] = []
        self.failures = 0
        self.fail_status = 503
        self.answer: dict | None = None  # None: {"id": "gw-<n>"}
        self.delay = 0.0  # seconds before answering (a slow gateway)
        self.ids = itertools.count(1)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(gateway.delay)
                gateway.requests.append({"path": self.path, "headers": dict(self.headers),
                                         "body": json.loads(body)})
                if gateway.failures > 0:
                    gateway.failures -= 1
                    self.send_response(gateway.fail_status)
                    self.end_headers()
                    return
                answer = json.dumps(gateway.answer if gateway.answer is not None
                                    else {"id": f"gw-{next(gateway.ids)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.close()


@pytest.fixture
def gateway_app(make_app, tmp_path, gateway):
    """The service sending through the local gateway (three attempts, one-second base)."""
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", SMS_GATEWAY_URL=gateway.url,
                    SMS_GATEWAY_TOKEN="t0ken", SMS_MAX_ATTEMPTS=3, SMS_RETRY_BASE_SECONDS=1,
                    SMS_OUTBOX=str(tmp_path / "sms"))


@pytest.fixture
def organisation(app):
    return register_organisation(app)


@pytest.fixture
def staff_login():
    """``staff_login(app, "supervisor", "CNCC")`` -> a logged-in client of a new account."""
    from registration.extensions import db
    from registration.services import operations, staff

    made = itertools.count(1)

    def build(which, role: str = "admin", venue: str | None = None):
        with which.app_context():
            if venue:
                operations.set_venue(venue, "国家会议中心", "China National Convention Center",
                                     gates=[f"{venue}-E1"])
            username = f"{role}-{next(made)}"
            staff.create_user(username, role, "correct horse battery staple", venue)
            db.session.commit()
        client = which.test_client()
        extra = {}
        if which.config["WTF_CSRF_ENABLED"]:
            extra["csrf_token"] = csrf_token(client, "/staff/login")
        assert log_in(client, username, "correct horse battery staple",
                      **extra).status_code == 302
        return client

    return build

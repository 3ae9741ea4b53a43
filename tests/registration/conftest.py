"""Fixtures shared by the service's tests: the `fairgate` command, enrolled gate devices,
the mail outbox."""
from __future__ import annotations

import email
import os
from email import policy
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from registration.services.mail import outbox_dir


@dataclass(frozen=True)
class GateDevice:
    id: int
    token: str
    venue: str
    gate: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def add_gate(app):
    """``add_gate("CNCC", "CNCC-E2")``: a gate for an existing venue."""
    from registration.extensions import db
    from registration.models import Gate, Venue

    def build(venue: str, code: str) -> str:
        with app.app_context():
            record = db.session.scalar(select(Venue).where(Venue.code == venue))
            if not any(gate.code == code for gate in record.gates):
                db.session.add(Gate(venue=record, code=code, name=code))
                db.session.commit()
        return code

    return build


@pytest.fixture
def enrollment_code(app):
    """``enrollment_code("CNCC", "CNCC-E1", ttl_hours=..., now=...)`` -> the printed code."""
    from registration.extensions import db
    from registration.services import devices

    def build(venue: str = "CNCC", gate: str = "CNCC-E1", **options) -> str:
        with app.app_context():
            code, _ = devices.new_enrollment_code(venue, gate, **options)
            db.session.commit()
        return code

    return build


@pytest.fixture
def make_device(app, add_gate, enrollment_code):
    """``make_device("CNCC", "CNCC-E2")`` -> an enrolled GateDevice (the venue must exist)."""

    def build(venue: str = "CNCC", gate: str | None = None, name: str = "kiosk") -> GateDevice:
        gate = add_gate(venue, gate or f"{venue}-E1")
        response = app.test_client().post("/api/v1/devices/enroll",
                                          json={"code": enrollment_code(venue, gate),
                                                "name": name})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        return GateDevice(body["device_id"], body["token"], body["venue"], body["gate"])

    return build


FAIRGATE = str(Path(sys.executable).with_name("fairgate"))


@pytest.fixture
def fairgate(tmp_path):
    """``fairgate(*args, check=True)``: the real command on a migrated, empty SQLite instance."""
    env = {**os.environ, "FAIRGATE_INSTANCE_PATH": str(tmp_path)}
    env.pop("FAIRGATE_DATABASE_URL", None)

    def run(*args: str, check: bool = True):
        result = subprocess.run([FAIRGATE, *args], env=env, capture_output=True, text=True,
                                timeout=120)
        if check:
            assert result.returncode == 0, result.stderr
        return result

    run("db", "upgrade")
    return run


@pytest.fixture
def outbox(app):
    """Builder: ``outbox()`` -> the mails written so far (services/mail.py's outbox folder),
    oldest first."""
    def read():
        with app.app_context():
            folder = outbox_dir()
        return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted(folder.glob("*.eml"))]

    return read

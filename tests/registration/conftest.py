"""Fixtures shared by the service's tests: the `fairgate` command, enrolled gate devices,
the mail outbox, staff accounts and their logged-in clients, organisation bodies with valid
USCCs, credentials issued through the service."""
from __future__ import annotations

import email
import os
import random
from datetime import date
from email import policy
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from gate.uscc import ALPHABET, check_character, organisation_check_character
from registration.services.mail import outbox_dir

sys.path.insert(0, str(Path(__file__).parent / "staff"))
from staffkit import PASSWORD, log_in  # noqa: E402


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


@pytest.fixture
def sms_outbox(app):
    """Builder: ``sms_outbox()`` -> the messages in the SMS outbox, oldest first."""
    from registration.services import sms

    def read():
        with app.app_context():
            return sms.outbox_messages()

    return read


@pytest.fixture
def make_staff(app):
    """``make_staff("desk", "CNCC")`` -> the username of a new account (password PASSWORD)."""
    from registration.extensions import db
    from registration.services import staff

    def build(role: str = "admin", venue: str | None = None, username: str | None = None,
              password: str = PASSWORD) -> str:
        username = username or f"{role}-{(venue or 'all').lower()}"
        with app.app_context():
            staff.create_user(username, role, password, venue)
            db.session.commit()
        return username

    return build


@pytest.fixture
def staff_client(app, make_staff):
    """``staff_client("desk", "CNCC")`` -> a test client logged in with a new account."""
    made = {}

    def build(role: str = "admin", venue: str | None = None):
        key = (role, venue)
        if key not in made:
            made[key] = make_staff(role, venue)
        client = app.test_client()
        response = log_in(client, made[key])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return build


@pytest.fixture
def make_uscc():
    """Builder of distinct valid unified social credit codes: ``make_uscc("91", "110108")``."""
    rng = random.Random(32100)
    body_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

    def build(prefix: str = "91", division: str = "110108") -> str:
        body = "".join(rng.choice(body_chars) for _ in range(8))
        head = prefix + division + body + organisation_check_character(body)
        assert all(char in ALPHABET for char in head)
        return head + check_character(head)

    return build


@pytest.fixture
def org_body(make_uscc):
    """Builder of a valid registration body (a mainland exhibitor at CNCC by default)."""

    def build(**overrides):
        body = {
            "name": {"zh": "北京示例科技有限公司", "en": "Beijing Example Technology Co., Ltd."},
            "kind": "exhibitor", "country": "CHN", "uscc": make_uscc(),
            "contact": {"name": "陈明", "email": "chen.ming@example.com",
                        "phone": "+86 138 0013 8000"},
            "stand": {"venue": "CNCC", "hall": "A2", "area_m2": 9},
            "consent": True, "lang": "zh",
        }
        body.update(overrides)
        return body

    return build


@pytest.fixture
def issue_credential(app):
    """``issue_credential(kind, number, first, last, venue=None, approve=True, **extra)`` ->
    the code of a credential made (and approved) through the service, any kind."""
    from registration.extensions import db
    from registration.services import booking
    from registration.services import credentials as service

    def build(kind: str, number: str, first: date, last: date, venue: str | None = None,
              approve: bool = True, name: str = "钱七", **extra) -> str:
        with app.app_context():
            credential = service.create_credential(service.CredentialInput(
                kind=kind, document=booking.validate_document("cn_resident_id", number, None),
                name=name, lang="en", consent_version="test", first_day=first,
                last_day=last, venue=venue, **extra), issued_by="staff:test")
            if approve:
                service.approve_credential(credential, decided_by="test")
            db.session.commit()
            return credential.code

    return build


@pytest.fixture
def at_once():
    """``at_once([callable, ...])`` -> their results, each run in its own thread, all
    released together."""

    def run(calls):
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)
        errors = []

        def worker(index, call):
            try:
                barrier.wait()
                results[index] = call()
            except BaseException as exc:  # reported in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        if errors:
            raise errors[0]
        return results

    return run

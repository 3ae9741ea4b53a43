"""Fixtures of the organisation tests: a service with its mail and SMS outboxes in the
test's folder, a venue with fair days (made before any staff client). Bodies with valid
USCCs and staff clients are tests/registration/conftest.py's."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", MAIL_OUTBOX=str(tmp_path / "outbox"),
                    SMS_OUTBOX=str(tmp_path / "sms"), PUBLIC_URL="https://fair.example.org")


@pytest.fixture
def venue(make_fair_day):
    """CNCC with fair days tomorrow and the day after."""
    make_fair_day("CNCC", offset=1, quota=20)
    make_fair_day("CNCC", offset=2, quota=20)
    return "CNCC"


@pytest.fixture
def register(client, org_body, venue):
    """``register(**overrides)`` -> the new organisation's code (asserts 201)."""

    def post(**overrides):
        response = client.post("/api/v1/organisations", json=org_body(**overrides))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["organisation"]["code"]

    return post


@pytest.fixture
def organisation(app):
    """``organisation(code)`` -> the Organisation row, fresh from the database."""
    from registration.extensions import db
    from registration.services import organisations

    def read(code: str):
        with app.app_context():
            found = organisations.find_by_code(code)
            db.session.expunge(found)
            return found

    return read


@pytest.fixture
def staff_client(staff_client, venue):
    """The shared builder, with the venue's fair days made first."""
    return staff_client

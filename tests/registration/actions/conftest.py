"""Fixtures for the actions' tests: one venue open today, the stored names read back through
the vault, a logged-in desk account."""
from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).parents[1] / "staff"))

from staffkit import PASSWORD, log_in  # noqa: E402


@pytest.fixture
def app(make_app, tmp_path):
    # A cheap scrypt setting for the desk account (production keeps the default).
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", MAIL_OUTBOX=str(tmp_path / "outbox"))


@pytest.fixture
def today(make_fair_day):
    """CNCC open today with room for every channel (and a walk-in reserve)."""
    return make_fair_day("CNCC", offset=0, quota=100, walk_in_reserve=10)


@pytest.fixture
def stored(app):
    """``stored()`` -> every appointment as stored: the name decrypted by the service's
    vault, its masked form, the channel and the delegation's organisation."""
    from registration.extensions import db
    from registration.models import Appointment
    from registration.services.identity import vault

    def read():
        with app.app_context():
            return [SimpleNamespace(
                code=a.code, channel=a.channel.value, name_masked=a.name_masked,
                name=vault().decrypt(a.name_ciphertext, purpose="name"),
                organisation=a.delegation.organisation if a.delegation else None,
            ) for a in db.session.scalars(select(Appointment).order_by(Appointment.id))]

    return read


@pytest.fixture
def desk_client(app):
    """``desk_client()`` -> (a client logged in as a CNCC desk account, its username)."""
    from registration.extensions import db
    from registration.services import staff

    def build(username: str = "desk-cncc"):
        with app.app_context():
            staff.create_user(username, "desk", PASSWORD, "CNCC")
            db.session.commit()
        client = app.test_client()
        assert log_in(client, username).status_code == 302
        return client, username

    return build


@pytest.fixture
def audit_entries(app):
    """``audit_entries()`` -> [(username, staff account id, action, venue, target)]."""
    from registration.extensions import db
    from registration.models import AuditEntry

    def read():
        with app.app_context():
            return [(e.username, e.staff_user_id, e.action, e.venue_code, e.target)
                    for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]

    return read

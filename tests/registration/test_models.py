"""The models: states are enums or CHECKs in the database, and no repr shows identity data
(a repr ends up in logs and tracebacks)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

NAME, NUMBER, PHONE, EMAIL = "张三", "11010119900307803X", "+86 138 0013 8000", "zs@example.org"


@pytest.fixture
def booked(app, make_fair_day, booking_body):
    body = booking_body(make_fair_day(), name=NAME, number=NUMBER, phone=PHONE, email=EMAIL)
    response = app.test_client().post("/api/v1/appointments", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_no_repr_shows_identity_data(app, booked):
    from registration.extensions import db
    from registration.models import Appointment, Pass, StaffUser
    from registration.services import staff

    with app.app_context():
        appointment = db.session.scalar(sa.select(Appointment))
        issued = db.session.scalar(sa.select(Pass))
        user = staff.create_user("zhang.san", "desk", "correct horse battery", "CNCC")
        db.session.flush()
        shown = " ".join(repr(thing) for thing in (appointment, issued, user, *db.session.scalars(
            sa.select(StaffUser))))
        assert repr(appointment).startswith(f"<Appointment id={appointment.id} code=")
        assert "status='active'" in repr(appointment)
        assert "kind='visitor'" in repr(issued)
        for secret in (NAME, NUMBER, NUMBER[-4:], PHONE, EMAIL, appointment.name_masked,
                       appointment.document_masked, appointment.document_index,
                       issued.serial, issued.token, user.username, user.password_hash):
            assert secret not in shown, secret
        db.session.rollback()
        db.session.expire_all()
        assert repr(appointment) == f"<Appointment id={appointment.id}>"  # nothing loaded


def test_a_revoked_pass_always_has_a_cause(app, booked):
    from registration.extensions import db
    from registration.models import Pass

    with app.app_context():
        with pytest.raises(IntegrityError, match="cause_when_revoked"):
            db.session.execute(sa.update(Pass).values(
                status="revoked", revoked_at=datetime.now(timezone.utc)))
            db.session.flush()
        db.session.rollback()
        with pytest.raises(IntegrityError, match="cause_when_revoked"):
            db.session.execute(sa.update(Pass).values(revoke_cause="staff_revoked"))
            db.session.flush()
        db.session.rollback()


def test_states_outside_their_vocabulary_are_refused(app, booked, make_device):
    from registration.extensions import db
    from registration.models import AuditEntry, CheckInEvent, Device, Pass

    device = make_device("CNCC", "CNCC-E1")
    with app.app_context():
        with pytest.raises(StatementError):  # refused before the database sees it
            db.session.execute(sa.update(Pass).values(kind="vip"))
        db.session.rollback()
        with pytest.raises(StatementError):
            db.session.add(AuditEntry(username="x", action="coffee_made"))
            db.session.flush()
        db.session.rollback()
        venue_id = db.session.get(Device, device.id).venue_id
        now = datetime.now(timezone.utc)
        event = dict(device_id=device.id, event_id="e1", venue_id=venue_id, day=now.date(),
                     gate=device.gate, direction="in", admit=False, scanned_at=now,
                     received_at=now, offline=False, source="upload", digest="d")
        with pytest.raises(IntegrityError, match="known_reason"):  # a CHECK in the database
            db.session.execute(CheckInEvent.__table__.insert().values(**event, reason="maybe"))
        db.session.rollback()
        db.session.execute(CheckInEvent.__table__.insert().values(**event, reason="ok"))
        db.session.rollback()


def test_the_audit_actions_are_the_ones_the_console_offers():
    from registration.models import AuditAction
    from registration.services.audit import ACTIONS

    assert set(ACTIONS) == {action.value for action in AuditAction}

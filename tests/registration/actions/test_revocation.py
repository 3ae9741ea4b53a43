"""Revoking a pass: what the gates say follows from why it was revoked (a staff member, a
cancellation, a change of appointment), never from the note staff typed. A note reading
"cancelled" used to make every gate answer "Appointment cancelled"."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from gate.reasons import Reason
from gate.vocabulary import GateStatus

sys.path.insert(0, str(Path(__file__).parents[1] / "staff"))

from staffkit import PASSWORD, log_in  # noqa: E402


@pytest.fixture
def supervisor(app):
    """A client logged in as the CNCC supervisor (who may revoke passes)."""
    from registration.extensions import db
    from registration.services import staff

    with app.app_context():
        staff.create_user("supervisor-cncc", "supervisor", PASSWORD, "CNCC")
        db.session.commit()
    client = app.test_client()
    assert log_in(client, "supervisor-cncc").status_code == 302
    return client


@pytest.fixture
def make_staff_actor(app):
    """``make_staff_actor()`` -> an Actor for the CNCC supervisor (inside an app context)."""
    from registration.actions.actors import Actor
    from registration.extensions import db
    from registration.models import StaffUser
    from registration.services import staff

    def build() -> Actor:
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "sup"))
        if user is None:
            user = staff.create_user("sup", "supervisor", PASSWORD, "CNCC")
            db.session.flush()
        return Actor.staff(user, "192.0.2.1")

    return build


@pytest.fixture
def booked(client, today, booking_body):
    """A booking for today at CNCC: the API's answer plus the ``number`` booked."""
    body = booking_body(today, lang="en")
    response = client.post("/api/v1/appointments", json=body)
    assert response.status_code == 201, response.get_json()
    return {**response.get_json(), "number": body["document"]["number"]}


def pull(app, device, cursor=None) -> dict:
    response = app.test_client().get("/api/v1/gate/manifest", headers=device.headers,
                                     query_string={"cursor": cursor} if cursor else {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def verify(app, device, token: str) -> dict:
    response = app.test_client().post("/api/v1/gate/verify", headers=device.headers, json={
        "scan": token, "direction": "in", "gate": device.gate})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["verdict"]


@pytest.mark.parametrize("note", ["cancelled", "changed", "reported lost"])
def test_a_pass_revoked_by_staff_is_revoked_at_every_gate_whatever_the_note(
        app, tmp_path, make_device, booked, supervisor, audit_entries, note):
    from kiosk.ledger import Ledger

    device = make_device("CNCC", "CNCC-E1")
    code, serial, token = (booked["appointment"]["code"], booked["pass"]["serial"],
                           booked["pass"]["token"])
    before = pull(app, device)
    response = supervisor.post(f"/staff/appointments/CNCC/{code}/revoke",
                               data={"reason": note})
    assert response.status_code == 302

    # Online: the service's own decision.
    verdict = verify(app, device, token)
    assert (verdict["admit"], verdict["reason"]) == (False, "revoked")
    assert verdict["message"]["en"] == "Pass no longer valid"

    # Offline: what a kiosk receives, and what its ledger then decides.
    change = pull(app, device, before["cursor"])
    assert [(i["serial"], i["status"]) for i in change["appointments"]] == [(serial, "revoked")]
    assert change["revoked"] == [serial]
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.apply_manifest_page(pull(app, device))
        assert ledger.appointment(serial).status is GateStatus.revoked

    # The pass page says it was withdrawn (not "the appointment was cancelled / changed").
    page = app.test_client().get(f"/pass/{serial}?lang=en")
    assert page.status_code == 410
    assert "This pass was withdrawn" in page.get_data(as_text=True)

    assert ("supervisor-cncc", "pass_revoked", "CNCC", code) in [
        (user, action, venue, target) for user, _, action, venue, target in audit_entries()]


def test_the_action_keeps_the_note_and_the_cause_and_audits_both(app, booked, make_staff_actor):
    from registration.actions.passes import revoke_pass
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import Appointment, AuditEntry, RevocationCause
    from registration.services.errors import Conflict

    code = booked["appointment"]["code"]
    with app.app_context():
        appointment = db.session.scalar(select(Appointment).where(Appointment.code == code))
        with unit_of_work():
            issued = revoke_pass(make_staff_actor(), appointment,
                                 "  visitor  says 110101 19900307 803X was  cancelled ")
        assert issued.revoke_cause is RevocationCause.STAFF_REVOKED
        assert issued.revoke_reason == "visitor says 1*************803X was cancelled"
        assert issued.gate_status is GateStatus.revoked
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pass_revoked"))
        assert (entry.target, entry.venue_code) == (code, "CNCC")
        assert "1*************803X was cancelled" in entry.details
        assert "19900307" not in entry.details
        with pytest.raises(Conflict) as refused, unit_of_work():
            revoke_pass(make_staff_actor(), appointment, "again")
        assert refused.value.code == "no_active_pass"


@pytest.mark.parametrize("how,cause,reason", [
    ("cancel", "cancelled", Reason.cancelled), ("move", "reissued", Reason.revoked)])
def test_a_visitors_own_cancellation_or_change_is_a_cause_without_a_note(
        app, make_fair_day, make_device, booked, how, cause, reason):
    from registration.extensions import db
    from registration.models import Pass
    from registration.services import booking

    device = make_device("CNCC", "CNCC-E1")
    with app.app_context():
        appointment = booking.find_by_code_and_document(booked["appointment"]["code"],
                                                        booked["number"])
        if how == "cancel":
            booking.cancel_appointment(appointment)
        else:
            booking.change_appointment(appointment, venue="CNCC",
                                       day=make_fair_day("CNCC", offset=1), slot=None)
        db.session.commit()
    assert verify(app, device, booked["pass"]["token"])["reason"] == reason.value
    with app.app_context():
        issued = db.session.scalar(select(Pass).where(Pass.serial == booked["pass"]["serial"]))
        assert (issued.revoke_cause, issued.revoke_reason) == (cause, None)


def test_withdrawing_a_credentials_pass_revokes_the_credential_on_every_day(
        app, today, make_fair_day, make_resident_id, issue_credential, make_staff_actor):
    from datetime import timedelta

    from registration.actions.passes import revoke_pass
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import AuditEntry, Credential, CredentialStatus

    make_fair_day("CNCC", offset=1, quota=100)
    code = issue_credential("exhibitor", make_resident_id(), today, today + timedelta(days=1),
                            "CNCC")
    with app.app_context():
        credential = db.session.scalar(select(Credential).where(Credential.code == code))
        with unit_of_work():
            issued = revoke_pass(make_staff_actor(), credential.carrier, "badge lost")
        db.session.expire_all()
        credential = db.session.scalar(select(Credential).where(Credential.code == code))
        assert credential.status is CredentialStatus.REVOKED
        assert issued.gate_status is GateStatus.revoked and credential.current_pass is None
        actions = [e.action for e in db.session.scalars(select(AuditEntry))]
        assert "credential_revoked" in actions and "pass_revoked" not in actions

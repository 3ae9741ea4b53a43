"""Staff-issued credentials (guest, staff, contractor) and the decisions' audit entries."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gate.passes import ALL_VENUES, decode_unverified


def _audit(app, code):
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        return [(entry.action.value, entry.username) for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.target == code).order_by(AuditEntry.id))]


@pytest.mark.parametrize("kind,venue", [("guest", None), ("staff", "CNCC"),
                                        ("contractor", "CNCC")])
def test_staff_issue_for_chosen_days_including_build_up(app, make_fair_day, make_resident_id,
                                                        outbox, kind, venue):
    from registration.actions import credentials as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import booking

    build_up = make_fair_day("CNCC", offset=1, quota=0)  # a build-up day: no public quota
    make_fair_day("CNCC", offset=2, quota=50)
    last = build_up + timedelta(days=1)
    actor = Actor.operator()
    with app.test_request_context(), unit_of_work():
        decided = actions.issue(
            actor, kind=kind, document=booking.validate_document(
                "cn_resident_id", make_resident_id(), None),
            name="吴十", first_day=build_up, last_day=last, venue=venue,
            email="wu@example.com", lang="zh")
        code, token = decided.credential.code, decided.issued.token
        assert decided.credential.status.value == "approved"
        assert decided.credential.issued_by == f"staff:{actor.label}"
    claims = decode_unverified(token)
    assert (claims.venue, claims.first_day, claims.day_count, claims.kind.value) == (
        venue or ALL_VENUES, build_up, 2, kind)
    assert _audit(app, code) == [("credential_issued", actor.label)]
    assert code in str(outbox()[-1]["Subject"]) and "已通过" in str(outbox()[-1]["Subject"])


def test_only_staff_kinds_are_issued_and_only_applied_kinds_applied(app, fair,
                                                                    make_resident_id):
    from registration.actions import credentials as actions
    from registration.actions.actors import Actor
    from registration.services import booking
    from registration.services.errors import InvalidInput

    document = booking.validate_document("cn_resident_id", make_resident_id(), None)
    with app.test_request_context():
        with pytest.raises(InvalidInput) as refused:
            actions.issue(Actor.operator(), kind="media", document=document, name="x",
                          first_day=fair[0], last_day=fair[1])
        assert "kind" in refused.value.fields
        with pytest.raises(InvalidInput) as refused:
            actions.apply(Actor.visitor(), actions.Application(
                kind="guest", document=document, name="x", consent=True))
        assert "kind" in refused.value.fields


def test_decisions_are_audited_and_can_be_made_once(app, client, fair, apply_body):
    from registration.actions import credentials as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import credentials as service
    from registration.services.errors import Conflict

    code = client.post("/api/v1/credentials",
                       json=apply_body("media")).get_json()["credential"]["code"]
    actor = Actor.operator()
    with app.test_request_context():
        with unit_of_work():
            actions.approve(actor, service.get_credential(code))
        with pytest.raises(Conflict), unit_of_work():
            actions.reject(actor, service.get_credential(code), "late")
        with unit_of_work():
            actions.revoke(actor, service.get_credential(code), "misused")
        with pytest.raises(Conflict), unit_of_work():
            actions.revoke(actor, service.get_credential(code))
    assert _audit(app, code) == [("credential_applied", "visitor"),
                                 ("credential_approved", actor.label),
                                 ("credential_revoked", actor.label)]

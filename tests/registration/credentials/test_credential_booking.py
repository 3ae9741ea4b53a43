"""Credentials and public bookings of the same person: each refuses the other."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("kind,venue,zh", [("exhibitor", "CNCC", "参展商"), ("media", None, "媒体")])
def test_public_booking_on_a_credential_day_is_refused(client, fair, issue, booking_body,
                                                       make_resident_id, kind, venue, zh):
    number = make_resident_id()
    issue(kind, number, fair[0], fair[2], venue=venue)
    for lang, text in (("en", f"You hold a {kind} credential"), ("zh", f"已持有{zh}证件")):
        answer = client.post("/api/v1/appointments",
                             json=booking_body(fair[2], number=number, lang=lang))
        assert answer.status_code == 409, answer.get_json()
        error = answer.get_json()["error"]
        assert error["code"] == "holds_credential" and text in error["message"]
        assert "date" in error["fields"]
    # At the other venue too: the day is the person's already.
    answer = client.post("/api/v1/appointments",
                         json=booking_body(fair[2], venue="SHOUGANG", number=number))
    assert answer.status_code == 409


def test_booking_after_the_credential_days_is_accepted(client, fair, issue, booking_body,
                                                       make_resident_id):
    number = make_resident_id()
    issue("exhibitor", number, fair[0], fair[1], venue="CNCC")
    answer = client.post("/api/v1/appointments", json=booking_body(fair[2], number=number))
    assert answer.status_code == 201


def test_a_public_booking_blocks_a_credential_on_its_day(client, fair, booking_body,
                                                         apply_body, make_resident_id):
    number = make_resident_id()
    assert client.post("/api/v1/appointments",
                       json=booking_body(fair[2], number=number)).status_code == 201
    for body in (apply_body("media", number=number),
                 apply_body("professional", number=number, date=fair[2].isoformat())):
        answer = client.post("/api/v1/credentials", json=body)
        assert answer.status_code == 409
        error = answer.get_json()["error"]
        assert error["code"] == "public_booking_exists"
        assert fair[2].isoformat() in error["message"]
    # Online participation does not go through a gate: no conflict.
    assert client.post("/api/v1/credentials",
                       json=apply_body("online", number=number)).status_code == 201


def test_a_booking_made_while_media_is_pending_blocks_the_approval(app, client, fair,
                                                                   apply_body, booking_body,
                                                                   make_resident_id):
    from registration.actions import credentials as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import credentials as service
    from registration.services.errors import Conflict

    number = make_resident_id()
    code = client.post("/api/v1/credentials",
                       json=apply_body("media", number=number)).get_json()["credential"]["code"]
    assert client.post("/api/v1/appointments",
                       json=booking_body(fair[2], number=number)).status_code == 201
    with app.test_request_context():
        with pytest.raises(Conflict) as refused, unit_of_work():
            actions.approve(Actor.operator(), service.get_credential(code))
        assert refused.value.code == "public_booking_exists"
        assert service.get_credential(code).status.value == "pending"


def test_two_professional_credentials_of_one_day_are_refused(client, fair, apply_body,
                                                             make_resident_id):
    number = make_resident_id()
    body = apply_body("professional", number=number, date=fair[2].isoformat())
    assert client.post("/api/v1/credentials", json=body).status_code == 201
    again = client.post("/api/v1/credentials", json={**body, "venue": "SHOUGANG"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "credential_exists"

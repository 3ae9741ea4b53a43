"""A credential's one pass at the gates on each of its days and venues: manifest, online
verification, uploaded check-ins, revocation reaching every day."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest


def _verify(client, device, scan, direction="in"):
    answer = client.post("/api/v1/gate/verify", headers=device.headers,
                         json={"scan": scan, "direction": direction, "gate": device.gate})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["verdict"]


def _day_index(app, number, venue, day):
    """The look-up index a kiosk of ``venue`` computes on ``day`` from the ID card."""
    from gate.documents import parse_document
    from gate.lookup import gate_lookup_index
    from registration.services import gate_lookup
    from registration.services.venues import find_fair_day

    with app.app_context():
        params = gate_lookup.venue_day_params(find_fair_day(venue, day))
        return gate_lookup_index(params, parse_document("cn_resident_id", number, None).key)


def _manifest(client, device, day=None):
    query = f"?date={day.isoformat()}" if day else ""
    answer = client.get(f"/api/v1/gate/manifest{query}", headers=device.headers)
    assert answer.status_code == 200, answer.get_json()
    return {item["serial"]: item for item in answer.get_json()["appointments"]}


def test_exhibitor_pass_is_admitted_on_day_two_and_listed_on_every_day(
        app, client, fair, issue, credential_state, make_device, make_resident_id):
    number = make_resident_id()
    code = issue("exhibitor", number, fair[0], fair[2], venue="CNCC")
    state = credential_state(code)
    assert state["carrier_day"] == fair[0] and len(state["passes"]) == 1
    device = make_device("CNCC")

    today = _manifest(client, device)  # fair[1]: day two
    assert today[state["pass"]]["status"] == "active"
    assert today[state["pass"]]["kind"] == "exhibitor"
    assert today[state["pass"]]["holder"]["name"]
    # Day two's own look-up index (not the carrier's day one's), stored for the next pulls.
    assert today[state["pass"]]["gate_index"] == _day_index(app, number, "CNCC", fair[1])
    assert _manifest(client, device)[state["pass"]]["gate_index"] == today[
        state["pass"]]["gate_index"]
    tomorrow = _manifest(client, device, fair[2])  # day three too
    assert tomorrow[state["pass"]]["gate_index"] == _day_index(app, number, "CNCC", fair[2])

    verdict = _verify(client, device, state["token"])
    assert verdict["admit"] and verdict["reason"] == "ok"
    # The ID card alone finds the credential on day two as well.
    assert _verify(client, device, state["token"], "out")["reason"] == "ok_exit"
    verdict = _verify(client, device, {"document": {"type": "cn_resident_id",
                                                    "number": number}})
    assert verdict["admit"], verdict

    # At the other venue the exhibitor's pass is the wrong venue's.
    other = make_device("SHOUGANG")
    assert _verify(client, other, state["token"])["reason"] == "wrong_venue"


def test_a_kiosk_s_id_card_check_in_on_day_two_finds_the_credential(
        app, client, fair, issue, credential_state, make_device, make_resident_id):
    number = make_resident_id()
    state = credential_state(issue("media", number, fair[0], fair[2]))
    device = make_device("SHOUGANG")
    index = _manifest(client, device)[state["pass"]]["gate_index"]
    assert index == _day_index(app, number, "SHOUGANG", fair[1])
    event = {"id": "card-1", "document_index": index, "gate": device.gate,
             "direction": "in", "admit": True, "reason": "ok",
             "scanned_at": datetime.now(timezone.utc).isoformat(), "offline": True}
    body = client.post("/api/v1/gate/events", headers=device.headers,
                       json={"events": [event]}).get_json()
    assert body["accepted"] == ["card-1"] and body["anomalies"] == []
    assert _manifest(client, device)[state["pass"]]["presence"]["inside"] is True


def test_revoked_credential_reaches_day_two_as_revoked(app, client, fair, issue,
                                                       credential_state, make_device,
                                                       make_resident_id):
    from registration.actions import credentials as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import credentials as service

    code = issue("exhibitor", make_resident_id(), fair[0], fair[2], venue="CNCC")
    state = credential_state(code)
    device = make_device("CNCC")
    cursor = client.get("/api/v1/gate/manifest", headers=device.headers).get_json()["cursor"]
    with app.test_request_context(), unit_of_work():
        actions.revoke(Actor.operator(), service.get_credential(code), "lost badge")
    answer = client.get(f"/api/v1/gate/manifest?cursor={cursor}", headers=device.headers)
    body = answer.get_json()
    assert state["pass"] in body["revoked"]
    assert {item["serial"]: item["status"] for item in body["appointments"]}[
        state["pass"]] == "revoked"
    assert state["pass"] in [serial for serial, item in
                             _manifest(client, device, fair[2]).items()
                             if item["status"] == "revoked"]
    assert _verify(client, device, state["token"])["reason"] == "revoked"
    after = credential_state(code)
    assert after["status"] == "revoked" and after["carrier_status"] == "cancelled"


@pytest.mark.parametrize("kind", ["media", "guest", "staff", "contractor"])
def test_every_venue_kinds_are_admitted_at_each_venue_today(app, client, fair, issue,
                                                            credential_state, make_device,
                                                            make_resident_id, kind):
    code = issue(kind, make_resident_id(), fair[0], fair[2])
    state = credential_state(code)
    for venue in ("CNCC", "SHOUGANG"):
        device = make_device(venue)
        assert state["pass"] in _manifest(client, device)
        verdict = _verify(client, device, state["token"])
        # One person on one day: the second venue sees them again (presence is per day).
        assert verdict["admit"] and verdict["reason"] in ("ok", "ok_reentry"), (venue, verdict)


def test_uploaded_check_ins_of_day_two_count_at_a_covered_venue(app, client, fair, issue,
                                                                credential_state,
                                                                make_device,
                                                                make_resident_id):
    code = issue("media", make_resident_id(), fair[0], fair[2])
    state = credential_state(code)
    device = make_device("SHOUGANG")
    event = {"id": "cred-1", "pass_serial": state["pass"], "gate": device.gate,
             "direction": "in", "admit": True, "reason": "ok",
             "scanned_at": datetime.now(timezone.utc).isoformat(), "offline": True}
    answer = client.post("/api/v1/gate/events", headers=device.headers,
                         json={"events": [event]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["accepted"] == ["cred-1"] and body["anomalies"] == []
    item = _manifest(client, device)[state["pass"]]
    assert item["presence"] and item["presence"]["inside"] is True


def test_professional_pass_is_for_its_day_only(app, client, fair, share, apply_body,
                                               make_device):
    answer = client.post("/api/v1/credentials",
                         json=apply_body("professional", date=fair[2].isoformat()))
    token = answer.get_json()["pass"]["token"]
    device = make_device("CNCC")
    assert _verify(client, device, token)["reason"] == "wrong_day"
    assert answer.get_json()["pass"]["serial"] in _manifest(client, device, fair[2])

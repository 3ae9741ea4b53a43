"""Device enrolment and the device-token check on every gate endpoint."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select


@pytest.fixture
def venues(make_fair_day):
    make_fair_day("CNCC", offset=0)
    make_fair_day("SHOUGANG", offset=0)


def test_a_code_enrols_one_device_once(app, venues, enrollment_code, gate_error):
    client = app.test_client()
    code = enrollment_code("CNCC", "CNCC-E1")
    first = client.post("/api/v1/devices/enroll", json={"code": code, "name": "E1 left lane"})
    assert first.status_code == 201
    body = first.get_json()
    assert body["venue"] == "CNCC" and body["gate"] == "CNCC-E1"
    assert body["token"].startswith("fgd_") and isinstance(body["device_id"], int)
    again = client.post("/api/v1/devices/enroll", json={"code": code, "name": "thief"})
    assert gate_error(again, 403)["code"] == "invalid_enrollment_code"


def test_a_code_is_read_forgivingly(app, venues, enrollment_code):
    code = enrollment_code("CNCC", "CNCC-E1")
    typed = " " + code.replace("-", " ").lower() + " "
    response = app.test_client().post("/api/v1/devices/enroll",
                                      json={"code": typed, "name": "kiosk"})
    assert response.status_code == 201


def test_expired_and_unknown_codes_are_refused(app, venues, enrollment_code, gate_error):
    client = app.test_client()
    old = enrollment_code("CNCC", "CNCC-E1",
                          now=datetime.now(timezone.utc) - timedelta(hours=25))
    for code in (old, "ABCD-EFGH-JKLM-NPQR", "x"):
        error = gate_error(client.post("/api/v1/devices/enroll",
                                       json={"code": code, "name": "kiosk"}), 403)
        assert error["code"] == "invalid_enrollment_code"
    assert gate_error(client.post("/api/v1/devices/enroll", json={"name": "kiosk"}),
                      422)["fields"]["code"]


def test_two_devices_racing_for_one_code_enrol_one(app, venues, enrollment_code, at_once):
    code = enrollment_code("CNCC", "CNCC-E1")

    def attempt():
        return app.test_client().post("/api/v1/devices/enroll",
                                      json={"code": code, "name": "kiosk"}).status_code

    assert sorted(at_once([attempt] * 6)) == [201, 403, 403, 403, 403, 403]


def test_tokens_and_codes_are_stored_only_as_digests(app, venues, make_device):
    from registration.extensions import db
    from registration.models import Device, EnrollmentCode

    device = make_device("CNCC")
    with app.app_context():
        stored = db.session.get(Device, device.id)
        assert device.token not in (stored.token_hash, stored.name)
        assert len(stored.token_hash) == 64
        used = db.session.scalar(select(EnrollmentCode).where(
            EnrollmentCode.device_id == device.id))
        assert used.used_at is not None


def test_enrolment_is_rate_limited(make_app, make_fair_day, gate_error):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_ENROLL="3/minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/devices/enroll",
                            json={"code": "AAAA-AAAA-AAAA-AAAA", "name": "x"}).status_code
                for _ in range(3)]
    assert statuses == [403, 403, 403]
    error = gate_error(client.post("/api/v1/devices/enroll",
                                   json={"code": "AAAA-AAAA-AAAA-AAAA", "name": "x"}), 429)
    assert error["code"] == "rate_limited"


# The permission grid: every gate endpoint, every kind of credential ----------------------

def _requests(today):
    """A valid request for a CNCC device to each gate endpoint."""
    return {
        "manifest": ("get", "/api/v1/gate/manifest?venue=CNCC", None),
        "events": ("post", "/api/v1/gate/events", {"events": [{
            "id": "grid-1", "pass_serial": "AAAAAAAAAAAAAAAA", "gate": "CNCC-E1",
            "direction": "in", "admit": False, "reason": "unknown_key",
            "scanned_at": datetime.now(timezone.utc).isoformat(), "offline": True}]}),
        "verify": ("post", "/api/v1/gate/verify",
                   {"scan": "FGNOTATOKEN", "direction": "in", "gate": "CNCC-E1"}),
        "leases": ("post", "/api/v1/gate/leases",
                   {"lease_id": "grid-1", "request": 1, "venue": "CNCC"}),
    }


CREDENTIALS = {
    "no token": (None, 401, "missing_token"),
    "not bearer": ("Basic dXNlcjpwdw==", 401, "invalid_token"),
    "malformed": ("Bearer fgd_short", 401, "invalid_token"),
    "unknown": ("Bearer fgd_" + "A" * 43, 401, "invalid_token"),
    "revoked": ("revoked", 401, "device_revoked"),
    "other venue": ("shougang", 403, None),
    "right venue": ("cncc", 200, None),
}


@pytest.mark.parametrize("endpoint", ["manifest", "events", "verify", "leases"])
@pytest.mark.parametrize("credential", list(CREDENTIALS))
def test_permission_grid(app, venues, make_device, gate_error, endpoint, credential):
    from registration.extensions import db
    from registration.services import devices

    header, status, code = CREDENTIALS[credential]
    if header in ("revoked", "cncc"):
        device = make_device("CNCC")
        header = device.headers["Authorization"]
        if credential == "revoked":
            with app.app_context():
                devices.revoke_device(device.id)
                db.session.commit()
    elif header == "shougang":
        header = make_device("SHOUGANG").headers["Authorization"]
    method, path, body = _requests(None)[endpoint]
    headers = {"Authorization": header} if header else {}
    response = getattr(app.test_client(), method)(path, json=body, headers=headers)
    if status == 200:
        assert response.status_code == 200, response.get_json()
        return
    error = gate_error(response, status)
    if code:
        assert error["code"] == code
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_each_call_records_the_devices_last_contact(app, venues, make_device):
    from registration.extensions import db
    from registration.models import Device

    device = make_device("CNCC")

    def last_seen():
        with app.app_context():
            return db.session.get(Device, device.id).last_seen_at

    enrolled = last_seen()
    assert app.test_client().get("/api/v1/gate/manifest",
                                 headers=device.headers).status_code == 200
    assert last_seen() > enrolled


def test_openapi_describes_the_gate_api_with_bearer_auth(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/v1/devices/enroll", "/api/v1/gate/manifest", "/api/v1/gate/events",
                 "/api/v1/gate/verify", "/api/v1/gate/leases"):
        assert path in spec["paths"], path
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert spec["paths"]["/api/v1/gate/events"]["post"]["security"] == [{"bearerAuth": []}]
    assert "401" in spec["paths"]["/api/v1/gate/verify"]["post"]["responses"]

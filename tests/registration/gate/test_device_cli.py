"""`fairgate device ...` as an operator runs it: enrolment code and QR, list, revoke."""
from __future__ import annotations

import re

import pytest


@pytest.fixture
def fairgate(fairgate):
    fairgate("demo")
    return fairgate


def test_enrol_list_and_revoke_a_device(fairgate, tmp_path):
    from registration import create_app

    out = fairgate("device", "enroll-code", "--venue", "cncc", "--gate", "CNCC-E2").stdout
    lines = out.splitlines()
    code = lines[0]
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    drawing = [line for line in lines[1:] if line.strip() and set(line) <= set(" \u00a0▀▄█")]
    assert len(drawing) >= 11 and len({len(line) for line in drawing}) == 1  # a square QR
    assert "single use" in lines[-1] and "CNCC-E2" in lines[-1]

    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False},
                     instance_path=str(tmp_path))
    client = app.test_client()
    answer = client.post("/api/v1/devices/enroll", json={"code": code, "name": "E2 kiosk"})
    assert answer.status_code == 201, answer.get_json()
    device = answer.get_json()
    headers = {"Authorization": f"Bearer {device['token']}"}
    assert client.get("/api/v1/gate/manifest", headers=headers).status_code == 200

    listing = fairgate("device", "list").stdout
    row = next(line for line in listing.splitlines() if line.startswith(f"{device['device_id']}\t"))
    assert "E2 kiosk\tCNCC\tCNCC-E2" in row and row.endswith("active")
    assert device["token"] not in listing

    assert "revoked" in fairgate("device", "revoke", str(device["device_id"])).stdout
    assert "revoked" in fairgate("device", "list", "--venue", "CNCC").stdout
    assert client.get("/api/v1/gate/manifest", headers=headers).status_code == 401


@pytest.mark.parametrize("args,message", [
    (("device", "enroll-code", "--venue", "CNCC", "--gate", "SHOUGANG-N1"), "no such gate"),
    (("device", "enroll-code", "--venue", "NOWHERE", "--gate", "X"), "Unknown venue"),
    (("device", "revoke", "999"), "No such device"),
    (("device", "revoke", "first"), "first"),
])
def test_bad_device_commands_print_one_clear_line(fairgate, args, message):
    result = fairgate(*args, check=False)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr

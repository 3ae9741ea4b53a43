"""Requests the gate tests send: online verify from an enrolled device."""
from __future__ import annotations


def post_verify(app, device, scan, direction: str = "in", gate: str | None = None, **extra):
    """POST /api/v1/gate/verify as ``device`` (its own gate unless ``gate``)."""
    return app.test_client().post("/api/v1/gate/verify", headers=device.headers, json={
        "scan": scan, "direction": direction, "gate": gate or device.gate, **extra})

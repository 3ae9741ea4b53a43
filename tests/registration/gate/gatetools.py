"""Requests the gate tests send: online verify from an enrolled device; times of a day."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_at(day, clock: str) -> datetime:
    """``day`` at ``clock`` (HH:MM[:SS]) Beijing time, aware."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=BEIJING)


def post_verify(app, device, scan, direction: str = "in", gate: str | None = None, **extra):
    """POST /api/v1/gate/verify as ``device`` (its own gate unless ``gate``)."""
    return app.test_client().post("/api/v1/gate/verify", headers=device.headers, json={
        "scan": scan, "direction": direction, "gate": gate or device.gate, **extra})

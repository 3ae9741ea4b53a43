"""What the waiting-room tests share besides fixtures."""
from __future__ import annotations

REDIS_URL = "redis://127.0.0.1:6379/13"  # a Redis database of the waiting-room tests' own
CHEAP_POW = 200  # a proof of work the tests solve for real in well under a millisecond


def booking_body(day, number: str, venue: str = "CNCC") -> dict:
    return {"venue": venue, "date": day.isoformat(), "name": "张三", "consent": True,
            "document": {"type": "cn_resident_id", "number": number}}

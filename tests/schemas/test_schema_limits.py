"""Limits the service sets (its config) are given to a schema, never fixed in it."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from schemas.appointments import GroupRequestSchema
from schemas.gate import EventBatchSchema, LeaseRequestSchema, ManifestQuerySchema

MEMBER = {"document": {"type": "passport", "number": "E12345678", "country": "GBR"},
          "name": "Li Lei"}
EVENT = {"id": "e-1", "gate": "CNCC-E1", "direction": "in", "admit": False,
         "reason": "unreadable", "scanned_at": "2026-09-10T02:00:00+00:00"}


def group(size: int) -> dict:
    return {"organisation": "Acme", "venue": "CNCC", "date": "2026-09-10", "consent": True,
            "members": [MEMBER] * size}


@pytest.mark.parametrize("make,body,field", [
    (lambda limit: GroupRequestSchema(max_members=limit), group, "members"),
    (lambda limit: EventBatchSchema(max_events=limit), lambda n: {"events": [EVENT] * n},
     "events"),
    (lambda limit: LeaseRequestSchema(max_request=limit),
     lambda n: {"lease_id": "L1", "request": n}, "request"),
    (lambda limit: ManifestQuerySchema(max_limit=limit), lambda n: {"limit": n}, "limit"),
])
def test_each_instance_has_its_own_limit_and_none_is_fixed(make, body, field):
    small, large = make(2), make(600)
    with pytest.raises(ValidationError) as refused:
        small.load(body(3))
    assert field in refused.value.messages
    assert large.load(body(600))  # beyond any number once fixed in the schema
    with pytest.raises(ValidationError):
        large.load(body(601))
    assert make(None).load(body(2000))  # no limit given: the service enforces its own
    small.load(body(2))

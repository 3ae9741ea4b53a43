"""The gate API for kiosks and handhelds: manifest, event upload, online verify, leases.

Every endpoint needs a device token (registration/api/devices.py); the venue is always the
device's own. Protocol: docs/sync-protocol.md.
"""
from __future__ import annotations

import json

from flask import Response, current_app, request

from gate.occupancy import CreditReport
from registration.api import blueprint
from registration.api.devices import current_device, device_required
from registration.actions.unit import unit_of_work
from registration.api.helpers import load_body
from registration.extensions import limiter
from registration.services import (
    annul, checkins, devices, doors, leases, manifest, verify,
)
from schemas.gate import (
    AnnulRequestSchema, AnnulResponseSchema, EventBatchResultSchema, EventBatchSchema,
    LeaseRequestSchema, LeaseResponseSchema, ManifestQuerySchema, VerifyRequestSchema,
    VerifyResponseSchema,
)


@blueprint.get("/v1/gate/manifest")
@device_required
def gate_manifest():
    config = current_app.config
    query = ManifestQuerySchema(max_limit=config["GATE_MANIFEST_PAGE_MAX"]).load(
        request.args.to_dict())
    device = current_device()
    devices.require_venue(device, query["venue"])
    limit = query["limit"] or config["GATE_MANIFEST_PAGE_SIZE"]
    with unit_of_work():  # a page may store the look-up indexes it computed
        fair_day = manifest.manifest_day(device, query["date"])
        page = manifest.manifest_page(device, fair_day, query["cursor"], limit)
    # Items are built in wire form by the service (ManifestPageSchema describes them):
    # dumping 100,000 of them through marshmallow would dominate a full pull.
    body = json.dumps(page, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json")


@blueprint.post("/v1/gate/events")
@device_required
def gate_events():
    checkins.check_batch_size(request.get_json(silent=True))
    data = load_body(EventBatchSchema())
    device = current_device()
    for index, event in enumerate(data["events"]):
        event["gate"] = devices.require_gate(device, event["gate"], f"events.{index}.gate")
    with unit_of_work():
        result = checkins.store_events(device, data["events"])
    return EventBatchResultSchema().dump(result)


def _looked_up_scan() -> bool:
    """An ID card or a typed confirmation code: a look-up, not a signed pass."""
    body = request.get_json(silent=True)
    return isinstance(body, dict) and isinstance(body.get("scan"), dict)


@blueprint.post("/v1/gate/verify")
@device_required
# Inside device_required: the device is known. Only look-ups (an ID card's number, a typed
# confirmation code) are limited, per device, one bucket for both; pass scans are not (a
# signed pass is its own proof).
@limiter.limit(lambda: current_app.config["RATELIMIT_GATE_VERIFY_DOCUMENT"],
               key_func=lambda: f"device:{current_device().id}",
               exempt_when=lambda: not _looked_up_scan())
def gate_verify():
    data = load_body(VerifyRequestSchema())
    device = current_device()
    gate = devices.require_gate(device, data["gate"])
    with unit_of_work():
        result = verify.verify_scan(device, data["scan"], data["direction"], gate,
                                    event_id=data["id"], presented_document=data["document"])
    return VerifyResponseSchema().dump({"verdict": result.verdict.as_wire(),
                                        "event_id": result.event_id})


@blueprint.post("/v1/gate/annul")
@device_required
def gate_annul():
    """Annul this device's own admission within 30 s (a handheld's "the turnstile did not
    turn"): 200 (idempotent), 404 event_not_found, 409 annul_too_late."""
    data = load_body(AnnulRequestSchema())
    with unit_of_work():
        answer = annul.annul_online(current_device(), data["event_id"])
    return AnnulResponseSchema().dump(answer)


@blueprint.post("/v1/gate/leases")
@device_required
def gate_leases():
    data = load_body(LeaseRequestSchema(
        max_request=current_app.config["GATE_LEASE_MAX_REQUEST"]))
    device = current_device()
    devices.require_venue(device, data["venue"])
    fair_day = manifest.manifest_day(device, data["date"])
    with unit_of_work():
        # A door device leases from its room's pool (the zone's capacity).
        answer = leases.lease(device, fair_day, data["lease_id"], data["request"],
                              CreditReport(**data["report"]),
                              zone=doors.zone_of_device(device))
    return LeaseResponseSchema().dump(answer)

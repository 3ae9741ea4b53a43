"""Device enrolment, and the bearer-token check every gate endpoint goes through."""
from __future__ import annotations

import time
from functools import wraps

from flask import current_app, g, request

from registration.api import blueprint
from registration.actions import devices as device_actions
from registration.actions.unit import unit_of_work
from registration.api.helpers import load_body
from registration.errors import service_error_response
from registration.extensions import db, limiter
from registration.models import Device
from registration.observability import DEVICES_SEEN
from registration.services import devices
from schemas.gate import EnrollRequestSchema, EnrollResponseSchema


def device_required(view):
    """Authenticate ``Authorization: Bearer TOKEN``: 401 when missing, unknown or revoked.
    The device is ``g.device``; venue and gate checks (403) are up to the view."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.device = devices.authenticate(request.headers.get("Authorization"))
        DEVICES_SEEN.labels(str(g.device.id)).set(time.time())
        return view(*args, **kwargs)

    return wrapped


def current_device() -> Device:
    return g.device


@blueprint.errorhandler(devices.Unauthorized)
def unauthorized(err: devices.Unauthorized):
    db.session.rollback()
    response = service_error_response(err)
    response.headers["WWW-Authenticate"] = 'Bearer realm="fairgate"'
    return response


@blueprint.post("/v1/devices/enroll")
@limiter.limit(lambda: current_app.config["RATELIMIT_ENROLL"])
def enroll_device():
    data = load_body(EnrollRequestSchema())
    with unit_of_work():
        device, token = device_actions.enroll_device(data["code"], data["name"],
                                                     request.remote_addr)
    return EnrollResponseSchema().dump({"device_id": device.id, "token": token,
                                        "venue": device.venue.code,
                                        "gate": device.gate.code}), 201

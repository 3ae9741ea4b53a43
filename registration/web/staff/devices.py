"""Gate devices of a venue: one-time enrolment codes (shown once, with a QR for the kiosk's
camera) and revocation (the token stops working at the kiosk's next request)."""
from __future__ import annotations

import base64

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from registration.actions import devices as device_actions
from registration.actions.unit import unit_of_work
from registration.models import Venue
from registration.rendering.qr import pass_qr_svg
from registration.services import devices as device_service
from registration.services.errors import NotFound, ServiceError
from registration.web.staff import blueprint
from registration.web.staff.access import MANAGERS, staff_actor, staff_required
from registration.web.staff.desk import choose_venue
from registration.web.forms import apply_service_error
from registration.web.staff.forms import ConfirmForm, EnrollCodeForm


@blueprint.get("/devices")
@staff_required(roles=MANAGERS, venue_scoped=False)
def devices_start():
    return choose_venue("staff.devices", _l("Gate devices"))


def _form(venue: Venue, form: EnrollCodeForm | None = None) -> EnrollCodeForm:
    form = form or EnrollCodeForm(formdata=None)
    form.gate.choices = [(gate.code, gate.code) for gate in venue.gates]
    return form


def _page(venue: Venue, form=None, status: int = 200):
    return render_template("staff/devices.html", venue=venue, form=_form(venue, form),
                           devices=device_service.list_devices(venue.code),
                           confirm=ConfirmForm(formdata=None)), status


@blueprint.get("/devices/<venue>")
@staff_required(roles=MANAGERS)
def devices(venue: Venue):
    return _page(venue)


def qr_data_uri(text: str) -> str:
    """The code as a QR (the kiosk's camera reads it at enrolment), for an <img>."""
    svg = pass_qr_svg(text)  # upper-case letters, digits and dashes: QR alphanumeric mode
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@blueprint.post("/devices/<venue>/codes")
@staff_required(roles=MANAGERS)
def enroll_code(venue: Venue):
    form = _form(venue, EnrollCodeForm())
    if not form.validate():
        return _page(venue, form, 422)
    try:
        with unit_of_work():
            code, record = device_actions.issue_enrollment_code(
                staff_actor(), venue.code, form.gate.data, ttl_hours=form.hours.data)
    except ServiceError as err:
        apply_service_error(form, err)
        return _page(venue, form, err.status)
    return render_template("staff/enroll_code.html", venue=venue, code=code, record=record,
                           qr=qr_data_uri(code))


@blueprint.post("/devices/<venue>/<int:device_id>/revoke")
@staff_required(roles=MANAGERS)
def device_revoke(venue: Venue, device_id: int):
    if not ConfirmForm().validate():
        abort(400)
    try:
        with unit_of_work():
            # Another venue's device is not found here.
            device_actions.revoke_device(staff_actor(), device_id, venue_code=venue.code)
    except NotFound:
        abort(404)
    flash("device_revoked", "success")
    return redirect(url_for("staff.devices", venue=venue.code))

"""Pass files and the public verification keys."""
from __future__ import annotations

from flask import Response, current_app

from gate.i18n import Text
from gate.passes import encode_public_key
from registration.api import blueprint
from registration.models import Pass, PassStatus
from registration.rendering.pdf import pass_pdf
from registration.rendering.qr import pass_qr_png, pass_qr_svg
from registration.rendering.view import PassView
from registration.services import passes as pass_service
from registration.services.errors import NotFound, ServiceError
from schemas.appointments import KeyListSchema

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


class PassRevoked(ServiceError):
    status = 410


def fair_name() -> Text:
    """The fair's name as configured (FAIR_NAME_ZH, FAIR_NAME_EN)."""
    return Text(current_app.config["FAIR_NAME_ZH"], current_app.config["FAIR_NAME_EN"])


def pass_view(issued: Pass) -> PassView:
    appointment = issued.appointment
    venue = appointment.fair_day.venue
    return PassView(
        token=issued.token, serial=issued.serial, code=appointment.code,
        venue_code=venue.code, venue_name=venue.name, day=appointment.day,
        slot_label=appointment.slot.label if appointment.slot else None,
        holder_name_masked=appointment.name_masked,
        document_masked=appointment.document_masked, kind=issued.kind,
        fair_name=fair_name(),
    )


def render_pass(issued: Pass, fmt: str) -> bytes:
    if fmt == "png":
        return pass_qr_png(issued.token)
    if fmt == "svg":
        return pass_qr_svg(issued.token)
    return pass_pdf(pass_view(issued))


@blueprint.get("/v1/passes/<serial>.<fmt>")
def pass_file(serial: str, fmt: str):
    issued = pass_service.get_pass(serial)
    if fmt not in MEDIA_TYPES or issued is None:
        raise NotFound("pass_not_found", Text("找不到该通行证", "No such pass"))
    if issued.status is PassStatus.REVOKED:
        raise PassRevoked("pass_revoked", Text("该通行证已作废", "This pass has been revoked"))
    response = Response(render_pass(issued, fmt), mimetype=MEDIA_TYPES[fmt])
    response.headers["Cache-Control"] = "private, no-store"
    if fmt == "pdf":
        response.headers["Content-Disposition"] = (
            f'inline; filename="fairgate-pass-{issued.appointment.code}.pdf"'
        )
    return response


@blueprint.get("/v1/keys")
def public_keys():
    keys = [
        {**key, "public_key": encode_public_key(key["public_key"])}
        for key in pass_service.published_keys()
    ]
    return KeyListSchema().dump({"keys": keys})

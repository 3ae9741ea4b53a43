"""The pass page (keyed by the unguessable pass serial) and its calendar file."""
from __future__ import annotations

from flask import Blueprint, Response, render_template

from gate.documents import DocumentType
from gate.i18n import Text
from gate.kinds import kind_info
from registration.extensions import db
from registration.links import public_url_for
from registration.models import Credential, Pass, PassStatus
from registration.rendering.view import WHAT_TO_BRING
from registration.services import calendar_export
from registration.services import passes as pass_service
from registration.services.errors import NotFound
from registration.web.forums import seat_rows, seats_of
from registration.web.locale import current_lang

blueprint = Blueprint("passes", __name__)

EVENT_SUMMARY = Text("服贸会参观预约", "CIFTIS visit")
SEAT_NOTE = Text("服贸会论坛座位：凭同一通行证入场", "CIFTIS forum seat: enter with the same pass")


def document_label(document_type: str) -> Text:
    try:
        return DocumentType(document_type).label
    except ValueError:
        return Text("身份证件", "identity document")


def _pass_or_404(serial: str) -> Pass:
    issued = pass_service.get_pass(serial)
    if issued is None:
        raise NotFound("pass_not_found", Text("找不到该通行证", "No such pass"))
    return issued


@blueprint.get("/pass/<serial>")
def show(serial: str):
    issued = _pass_or_404(serial)
    appointment = issued.appointment
    if issued.status is PassStatus.REVOKED:
        return render_template("pass_revoked.html", issued=issued,
                               appointment=appointment), 410
    # A credential's pass (its carrier appointment) serves several days, maybe every venue.
    credential = db.session.get(Credential, appointment.credential_id) \
        if appointment.credential_id is not None else None
    return render_template("pass.html", issued=issued, appointment=appointment,
                           fair_day=appointment.fair_day, venue=appointment.fair_day.venue,
                           document_label=document_label(appointment.document_type),
                           what_to_bring=WHAT_TO_BRING, kind=kind_info(issued.kind),
                           credential=credential, seats=seat_rows(seats_of(appointment)))


@blueprint.get("/pass/<serial>/calendar.ics")
def calendar(serial: str):
    issued = _pass_or_404(serial)
    if issued.status is PassStatus.REVOKED:
        return render_template("pass_revoked.html", issued=issued,
                               appointment=issued.appointment), 410
    appointment, lang = issued.appointment, current_lang()
    pass_url = public_url_for("passes.show", serial=issued.serial)
    description = "\n".join((
        f"{Text('确认码', 'Confirmation code').in_language(lang)}: {appointment.code}",
        WHAT_TO_BRING.in_language(lang),
        pass_url,
    ))
    sessions = [calendar_export.SeatEvent(
        uid=f"seat-{seat.id}", starts=seat.forum.starts, ends=seat.forum.ends,
        summary=seat.forum.title.in_language(lang),
        location=f"{seat.forum.zone.name.in_language(lang)} · "
                 f"{seat.forum.zone.venue.name.in_language(lang)}",
        description="\n".join((SEAT_NOTE.in_language(lang), pass_url)))
        for seat in seats_of(appointment)]
    body = calendar_export.appointment_ics(appointment, lang=lang, summary=EVENT_SUMMARY,
                                           description=description, serial=issued.serial,
                                           url=pass_url, seats=sessions)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="fairgate-{appointment.code}.ics"',
    })

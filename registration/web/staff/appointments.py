"""Appointments for staff: search, one appointment with its pass on screen, thermal labels
(print-ready page, PNG and PDF for 58/80 mm printers) and pass revocation."""
from __future__ import annotations

import io

from PIL import Image
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from registration.api.passes import pass_view
from registration.extensions import db
from registration.models import Appointment, FairDay, Venue
from registration.rendering.label import pass_label_pdf, pass_label_png
from registration.services import passes as pass_service
from registration.services import search as search_service
from registration.services.errors import ServiceError
from registration.web.locale import tr
from registration.web.passes import document_label
from registration.web.staff import blueprint
from registration.web.staff.access import MANAGERS, audit, staff_required
from registration.web.staff.desk import choose_venue
from registration.web.staff.forms import RevokePassForm

LABEL_WIDTHS = (58, 80)
LABEL_DPI = 203


@blueprint.get("/appointments")
@staff_required(venue_scoped=False)
def search_start():
    return choose_venue("staff.search", _l("Appointments"))


@blueprint.get("/appointments/<venue>")
@staff_required()
def search(venue: Venue):
    query = (request.args.get("q") or "").strip()[:60]
    result, error, status = None, None, 200
    if query:
        try:
            result = search_service.search(venue, query)
        except ServiceError as err:
            error, status = tr(err.message), 422
        else:
            audit("appointments_searched", venue=venue.code,
                  details={"query": query, "kind": result.kind,
                           "found": len(result.appointments)})
            db.session.commit()
    return render_template("staff/search.html", venue=venue, query=query, result=result,
                           error=error), status


def _appointment(venue: Venue, code: str) -> Appointment:
    """The appointment with this code at this venue; 404 for another venue's code."""
    appointment = db.session.scalar(
        select(Appointment).join(FairDay, FairDay.id == Appointment.fair_day_id)
        .where(Appointment.code == code.upper(), FairDay.venue_id == venue.id))
    if appointment is None:
        abort(404)
    return appointment


@blueprint.get("/appointments/<venue>/<code>")
@staff_required()
def appointment(venue: Venue, code: str):
    found = _appointment(venue, code)
    return render_template("staff/appointment.html", venue=venue, appointment=found,
                           issued=found.current_pass, revoked=[p for p in found.passes
                                                               if p.revoke_reason],
                           document_label=document_label(found.document_type),
                           widths=LABEL_WIDTHS, form=RevokePassForm(),
                           may_revoke=current_user.role.value in MANAGERS)


@blueprint.post("/appointments/<venue>/<code>/revoke")
@staff_required(roles=MANAGERS)
def revoke_pass(venue: Venue, code: str):
    found = _appointment(venue, code)
    form = RevokePassForm()
    issued = found.current_pass
    if issued is None:
        flash("no_active_pass", "warning")
        return redirect(url_for("staff.appointment", venue=venue.code, code=found.code))
    if not form.validate():
        return render_template("staff/appointment.html", venue=venue, appointment=found,
                               issued=issued, revoked=[p for p in found.passes
                                                       if p.revoke_reason],
                               document_label=document_label(found.document_type),
                               widths=LABEL_WIDTHS, form=form, may_revoke=True), 422
    reason = " ".join(form.reason.data.split())
    pass_service.revoke_pass(issued, reason)
    audit("pass_revoked", venue=venue.code, target=found.code,
          details={"serial": issued.serial, "reason": reason})
    db.session.commit()
    flash("pass_revoked", "success")
    return redirect(url_for("staff.appointment", venue=venue.code, code=found.code))


def _printable(venue: Venue, code: str, width: int):
    if width not in LABEL_WIDTHS:
        abort(404)
    found = _appointment(venue, code)
    if found.current_pass is None:
        abort(410)
    return found, found.current_pass


@blueprint.get("/appointments/<venue>/<code>/label/<int:width>")
@staff_required()
def label(venue: Venue, code: str, width: int):
    """The print-ready page: the label image at paper width, @page sized to the label."""
    found, issued = _printable(venue, code, width)
    audit("label_printed", venue=venue.code, target=found.code, details={"width_mm": width})
    db.session.commit()
    return render_template("staff/label.html", venue=venue, appointment=found, issued=issued,
                           width=width)


@blueprint.get("/appointments/<venue>/<code>/label-<int:width>.css")
@staff_required()
def label_css(venue: Venue, code: str, width: int):
    """The page size of this very label (CSP allows no inline style, and the length
    depends on the content)."""
    _, issued = _printable(venue, code, width)
    image = Image.open(io.BytesIO(pass_label_png(pass_view(issued), width, LABEL_DPI)))
    length_mm = image.height / LABEL_DPI * 25.4
    css = (f"@page {{ size: {width}mm {length_mm:.1f}mm; margin: 0; }}\n"
           f".label-image {{ width: {width}mm; height: {length_mm:.1f}mm; }}\n")
    return Response(css, mimetype="text/css")


@blueprint.get("/appointments/<venue>/<code>/label-<int:width>.<fmt>")
@staff_required()
def label_file(venue: Venue, code: str, width: int, fmt: str):
    if fmt not in ("png", "pdf"):
        abort(404)
    found, issued = _printable(venue, code, width)
    view = pass_view(issued)
    if fmt == "png":
        return Response(pass_label_png(view, width, LABEL_DPI), mimetype="image/png")
    return Response(pass_label_pdf(view, width), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="label-{found.code}-{width}mm.pdf"'})

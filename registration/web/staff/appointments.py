"""Appointments for staff: search, one appointment with its pass on screen, thermal labels
(print-ready page, PNG and PDF for 58/80 mm printers) and pass revocation.

The search form is sent by POST, so what is typed (a full document number too, looked up
through the blind index) never enters a URL; ``GET ?q=`` serves links by code, masked name
or last digits and refuses a full number. Neither echoes a number back into the page, and
the audit log keeps the masked form of the query only."""
from __future__ import annotations

import io

from PIL import Image
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from gate.documents import DocumentType

from registration.actions import passes as pass_actions
from registration.actions.unit import unit_of_work
from registration.api.passes import pass_view
from registration.extensions import db
from registration.models import Appointment, FairDay, Venue
from registration.rendering.label import pass_label_pdf, pass_label_png
from registration.services import search as search_service
from registration.services.errors import Conflict, ServiceError
from registration.web.forms import apply_service_error
from registration.web.locale import current_lang
from registration.web.passes import document_label
from registration.web.staff import blueprint
from registration.web.staff.access import MANAGERS, audit, staff_actor, staff_required
from registration.web.staff.desk import choose_venue
from registration.web.staff.forms import RevokePassForm

LABEL_WIDTHS = (58, 80)
LABEL_DPI = 203


@blueprint.get("/appointments")
@staff_required(venue_scoped=False)
def search_start():
    return choose_venue("staff.search", _l("Appointments"))


class SearchForm(FlaskForm):
    """One box for a code, a name, last digits or a full document number (POST)."""

    q = StringField(_l("Confirmation code, name or document number"), validators=[
        Optional(), Length(max=60, message=_l("Type at most 60 characters"))])
    document_type = SelectField(_l("Document type of a full number"),
                                default=search_service.DEFAULT_DOCUMENT_TYPE.value)
    country = StringField(_l("Issuing country (passports only)"), validators=[
        Optional(), Length(max=3, message=_l("Use the three-letter code, e.g. USA, GBR, DEU"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.document_type.choices = [(t.value, t.label.in_language(lang))
                                      for t in DocumentType]


@blueprint.route("/appointments/<venue>", methods=["GET", "POST"])
@staff_required()
def search(venue: Venue):
    form = SearchForm()
    result, status, query, options, errors = None, 200, "", {}, []
    if request.method == "GET":
        query = request.args.get("q") or ""
    elif form.validate():
        query = form.q.data or ""
        options = {"document_type": form.document_type.data, "country": form.country.data,
                   "full_numbers": True}
    else:
        status = 422
    query = query.strip()[:60]
    if query:
        try:
            result = search_service.search(venue, query, **options)
        except ServiceError as err:
            db.session.rollback()
            errors, status = apply_service_error(form, err), 422
        else:
            details = {"kind": result.kind, "found": len(result.appointments)}
            target = None
            if result.kind == "code" and result.appointments:
                target = result.audited  # the code, like other entries about an appointment
            else:
                details["query"] = result.audited
            audit("appointments_searched", venue=venue.code, target=target, details=details)
            db.session.commit()
    form.q.data = result.shown if result else ""  # never a document number back in the page
    return render_template("staff/search.html", venue=venue, form=form, result=result,
                           errors=errors, open_types=request.method == "POST" and (
                               form.document_type.errors or form.country.errors
                               or form.country.data
                               or form.document_type.data != form.document_type.default)
                           ), status


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
                           may_revoke=current_user.role in MANAGERS)


@blueprint.post("/appointments/<venue>/<code>/revoke")
@staff_required(roles=MANAGERS)
def revoke_pass(venue: Venue, code: str):
    found = _appointment(venue, code)
    form = RevokePassForm()
    back = redirect(url_for("staff.appointment", venue=venue.code, code=found.code))
    if found.current_pass is None:
        flash("no_active_pass", "warning")
        return back
    if not form.validate():
        return render_template("staff/appointment.html", venue=venue, appointment=found,
                               issued=found.current_pass,
                               document_label=document_label(found.document_type),
                               widths=LABEL_WIDTHS, form=form, may_revoke=True), 422
    try:
        with unit_of_work():
            pass_actions.revoke_pass(staff_actor(), found, form.reason.data)
    except Conflict:  # revoked a moment ago by someone else
        flash("no_active_pass", "warning")
        return back
    flash("pass_revoked", "success")
    return back


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

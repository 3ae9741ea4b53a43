"""Badges at the desk: read (or type) the ID document, find the holder's approved
credential, check kind, organisation and masked name, then print the A6 card or a thermal
label. A second print warns "already printed / 已打印过" and needs a tick to go ahead; each
print is audited (badge_printed, badge_reprinted). Desk staff and up, own venue."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from gate.kinds import KINDS, kind_info
from registration.actions import badges as badge_actions
from registration.actions.unit import unit_of_work
from registration.models import Credential, Venue
from registration.rendering.badge import badge_label_pdf, badge_pdf
from registration.services import badges as badge_service
from registration.services import desk as desk_service
from registration.services.calendar import venue_today
from registration.services.errors import Conflict, InvalidInput, ServiceError
from registration.web.forms import apply_service_error
from registration.web.staff import blueprint
from registration.web.staff.access import staff_actor, staff_required
from registration.web.staff.desk import DESK_FIELDS, choose_venue
from registration.web.staff.forms import DeskForm

LAYOUTS = {"a6": ("A6", None), "label58": ("58 mm", 58), "label80": ("80 mm", 80)}


class BadgePrintForm(FlaskForm):
    layout = SelectField(_l("Badge layout"), default="a6")
    confirm = BooleanField(_l("Already printed / 已打印过: print again"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout.choices = [
            ("a6", _l("A6 card (PDF)")), ("label58", _l("Thermal label 58 mm (PDF)")),
            ("label80", _l("Thermal label 80 mm (PDF)"))]


@blueprint.get("/kinds.css")
def kinds_css():
    """``.kind-tag-<kind>``: each credential kind's colour (gate/kinds.py) for tags on staff
    pages (the CSP allows no inline style)."""
    rules = [".kind-tag { color: #fff; padding: 0.1em 0.5em; border-radius: 0.2em; "
             "white-space: nowrap; }"]
    rules += [f".kind-tag-{kind.value} {{ background: {info.colour}; }}"
              for kind, info in KINDS.items()]
    return Response("\n".join(rules) + "\n", mimetype="text/css",
                    headers={"Cache-Control": "public, max-age=3600"})


@blueprint.get("/badges")
@staff_required(venue_scoped=False)
def badges_start():
    return choose_venue("staff.badge_desk", _l("Badges"))


@blueprint.route("/badges/<venue>", methods=["GET", "POST"])
@staff_required()
def badge_desk(venue: Venue):
    form = DeskForm()
    form.slot.choices = []
    errors, status = [], 200
    if request.method == "POST":
        if not form.validate():
            status = 422
        else:
            try:
                identified = desk_service.identify(
                    line=form.line.data, mrz=form.mrz.data,
                    document_type=form.document_type.data, country=form.country.data,
                    venue_code=venue.code, today=venue_today(venue))
                credential = badge_service.find_for_document(identified.document, venue,
                                                             today=venue_today(venue))
            except ServiceError as err:
                errors, status = apply_service_error(form, err, DESK_FIELDS), err.status
                if not isinstance(err, InvalidInput):  # read fine: ready for the next card
                    form.line.data = form.mrz.data = ""
            else:
                return redirect(url_for("staff.badge_credential", venue=venue.code,
                                        code=credential.code))
    return render_template("staff/badge_desk.html", form=form, venue=venue,
                           errors=errors), status


def _credential_page(venue: Venue, credential: Credential, form=None, errors=(),
                     status: int = 200):
    return render_template("staff/badge.html", venue=venue, credential=credential,
                           kind=kind_info(credential.kind), errors=list(errors),
                           form=form or BadgePrintForm(formdata=None),
                           has_pass=credential.current_pass is not None), status


def _credential_here(venue: Venue, code: str) -> Credential:
    credential = badge_service.find_by_code(code)
    if credential.venue_id not in (None, venue.id):
        raise Conflict("credential_other_venue", badge_service.OTHER_VENUE)
    return credential


@blueprint.get("/badges/<venue>/<code>")
@staff_required()
def badge_credential(venue: Venue, code: str):
    try:
        credential = _credential_here(venue, code)
    except ServiceError as err:
        return _refused(venue, err)
    return _credential_page(venue, credential)


def _refused(venue: Venue, err: ServiceError):
    form = DeskForm(formdata=None)
    form.slot.choices = []
    return render_template("staff/badge_desk.html", form=form, venue=venue,
                           errors=apply_service_error(form, err, DESK_FIELDS)), err.status


@blueprint.post("/badges/<venue>/<code>/print")
@staff_required()
def badge_print(venue: Venue, code: str):
    try:
        credential = _credential_here(venue, code)
    except ServiceError as err:
        return _refused(venue, err)
    form = BadgePrintForm()
    if not form.validate():
        return _credential_page(venue, credential, form, status=422)
    label, width = LAYOUTS[form.layout.data]
    try:
        view = badge_service.badge_view(credential)
        document = badge_pdf(view) if width is None else badge_label_pdf(view, width)
        with unit_of_work():
            badge_actions.print_badge(staff_actor(), credential, venue, layout=label,
                                      confirmed=form.confirm.data)
    except ServiceError as err:
        credential = _credential_here(venue, code)
        return _credential_page(venue, credential, form, errors=apply_service_error(form, err),
                                status=err.status)
    name = f"fairgate-badge-{credential.code}-{form.layout.data}.pdf"
    return Response(document, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store"})

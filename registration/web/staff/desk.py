"""The walk-in desk: read the ID card (reader as keyboard, pasted MRZ or typed), find the
visitor's booking for today or book one from the walk-in reserve, then print the pass."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from gate.masking import mask_document

from registration.actions import desk as desk_actions
from registration.actions.unit import unit_of_work
from registration.models import Venue
from registration.services import desk as desk_service
from registration.services import venues as venue_service
from registration.services.calendar import venue_today
from registration.services.errors import InvalidInput, NotFound, ServiceError
from registration.web.staff import blueprint
from registration.web.staff.access import home_venue, staff_actor, staff_required
from registration.web.forms import apply_service_error
from registration.web.staff.forms import DeskForm

DESK_FIELDS = {"document.number": "line", "line": "line", "mrz": "mrz", "name": "name",
               "consent": "consent", "slot": "slot"}


def choose_venue(endpoint: str, title):
    """Admins pick the venue first; everyone else goes straight to their own."""
    venue = home_venue()
    if venue is not None:
        return redirect(url_for(endpoint, venue=venue.code))
    return render_template("staff/choose_venue.html", venues=venue_service.all_venues(),
                           endpoint=endpoint, title=title)


@blueprint.get("/desk")
@staff_required(venue_scoped=False)
def desk_start():
    return choose_venue("staff.desk", _l("Walk-in desk"))


def _slot_choices(form: DeskForm, fair_day) -> None:
    if fair_day is None or not fair_day.slots:
        form.slot.choices = []
        return
    form.slot.choices = [(s.code, f"{s.label} ({s.remaining})") for s in fair_day.slots]
    if not form.slot.data:
        chosen = desk_service.default_slot(fair_day)
        form.slot.data = chosen.code if chosen else None


@blueprint.route("/desk/<venue>", methods=["GET", "POST"])
@staff_required()
def desk(venue: Venue):
    try:
        fair_day = desk_service.today_at(venue)
    except NotFound:
        fair_day = None
    form = DeskForm()
    _slot_choices(form, fair_day)
    context = {"identified": None, "errors": [], "asking": False}
    status = 200
    if request.method == "POST" and fair_day is not None:
        result, status = _submit(form, venue, context)
        if result is not None:
            return result
    return render_template("staff/desk.html", form=form, venue=venue, fair_day=fair_day,
                           today=venue_today(venue),
                           places=desk_service.walk_in_places(fair_day) if fair_day else None,
                           **context), status


def _submit(form: DeskForm, venue: Venue, context: dict):
    """``(redirect, None)`` after a booking or a find, else ``(None, status)``."""
    if not form.validate():
        return None, 422
    try:
        identified = desk_service.identify(
            line=form.line.data, mrz=form.mrz.data, document_type=form.document_type.data,
            country=form.country.data, ticket=form.ticket.data, venue_code=venue.code,
            today=venue_today(venue))
    except ServiceError as err:
        context["errors"] = apply_service_error(form, err, DESK_FIELDS)
        return None, err.status
    try:
        with unit_of_work():  # a refusal rolls back, so the page shows today's counters
            result = desk_actions.find_or_book_walk_in(
                staff_actor(), identified, venue, name=form.name.data,
                consent=form.consent.data, slot_code=form.slot.data or None)
    except ServiceError as err:
        return None, _ask_or_refuse(form, err, identified, venue, context)
    flash("desk_booked" if result.booked else "desk_found", "success")
    return redirect(url_for("staff.appointment", venue=venue.code,
                            code=result.appointment.code)), None


def _ask_or_refuse(form: DeskForm, err: ServiceError, identified, venue: Venue,
                   context: dict) -> int:
    """Not booked yet and the name or consent is missing: keep the document (as a ticket)
    and ask for them. Any other refusal: say why beside the field."""
    if isinstance(err, InvalidInput) and err.code == "details_required":
        context["asking"] = True
        context["identified"] = {"document": mask_document(identified.document.number),
                                 "type": identified.document.type}
        form.ticket.data = desk_service.make_ticket(identified.document, venue.code)
        form.line.data = form.mrz.data = ""
        if not form.name.data and identified.name:
            form.name.data = identified.name
        first_look = identified.source != "ticket"
        if first_look:
            return 200  # the card was just read: ask, no error yet
    context["errors"] = apply_service_error(form, err, DESK_FIELDS)
    return err.status

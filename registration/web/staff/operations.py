"""Operations: venues (admins), gates, fair days, slots and quotas. Every change is one
transaction: a refused rule (quota below booked, a duplicate gate) saves nothing."""
from __future__ import annotations

from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from registration.actions import operations as operation_actions
from registration.actions.unit import unit_of_work
from registration.models import FairDay, Venue
from registration.services import venues as venue_service
from registration.services.errors import ServiceError
from registration.web.staff import blueprint
from registration.web.staff.access import (
    ADMIN, MANAGERS, parse_day, staff_actor, staff_required,
)
from registration.web.forms import apply_service_error
from registration.web.staff.desk import choose_venue
from registration.web.staff.forms import DayForm, GateForm, NewDayForm, SlotForm, VenueForm


@blueprint.get("/operations")
@staff_required(roles=MANAGERS, venue_scoped=False)
def operations_start():
    return choose_venue("staff.operations_venue", _l("Operations"))


def _overview(venue: Venue, *, day_form=None, gate_form=None, status: int = 200):
    new_day = day_form or NewDayForm(formdata=None, opens=time(9, 0), closes=time(18, 0),
                                     walk_in_reserve=0)
    return render_template("staff/operations.html", venue=venue, days=venue_service.days_of(venue),
                           day_form=new_day, gate_form=gate_form or GateForm(formdata=None),
                           ), status


@blueprint.get("/operations/<venue>")
@staff_required(roles=MANAGERS)
def operations_venue(venue: Venue):
    return _overview(venue)


@blueprint.post("/operations/<venue>/gates")
@staff_required(roles=MANAGERS)
def gate_add(venue: Venue):
    form = GateForm()
    if not form.validate():
        return _overview(venue, gate_form=form, status=422)
    try:
        with unit_of_work():
            operation_actions.add_gate(staff_actor(), venue.code, form.code.data,
                                       form.name.data)
    except ServiceError as err:
        apply_service_error(form, err)
        return _overview(venue, gate_form=form, status=err.status)
    flash("gate_added", "success")
    return redirect(url_for("staff.operations_venue", venue=venue.code))


def _save_day(venue: Venue, form: DayForm, day, *, new_only: bool = False):
    """The ``set_day`` action with the form's values (an empty occupancy limit: none);
    returns the fair day, or None with the errors on the form and ``form.status`` set."""
    try:
        with unit_of_work():
            fair_day = operation_actions.set_day(
                staff_actor(), venue.code, day, quota=form.quota.data, opens=form.opens.data,
                closes=form.closes.data, occupancy_limit=form.occupancy_limit.data,
                walk_in_reserve=form.walk_in_reserve.data, new_only=new_only)
    except ServiceError as err:
        apply_service_error(form, err)
        form.status = err.status
        return None
    return fair_day


@blueprint.post("/operations/<venue>/days")
@staff_required(roles=MANAGERS)
def day_add(venue: Venue):
    form = NewDayForm()
    if not form.validate():
        return _overview(venue, day_form=form, status=422)
    if _save_day(venue, form, form.date.data, new_only=True) is None:
        return _overview(venue, day_form=form, status=form.status)
    flash("day_saved", "success")
    return redirect(url_for("staff.day_edit", venue=venue.code, day=form.date.data.isoformat()))


def _day_or_404(venue: Venue, day_text: str) -> FairDay:
    fair_day = venue_service.find_fair_day(venue.code, parse_day(day_text))
    if fair_day is None:
        abort(404)
    return fair_day


def _day_page(venue, fair_day, form=None, slot_form=None, status=200):
    form = form or DayForm(formdata=None, obj=fair_day)
    return render_template("staff/day.html", venue=venue, fair_day=fair_day, form=form,
                           slot_form=slot_form or SlotForm(formdata=None)), status


@blueprint.route("/operations/<venue>/days/<day>", methods=["GET", "POST"])
@staff_required(roles=MANAGERS)
def day_edit(venue: Venue, day: str):
    fair_day = _day_or_404(venue, day)
    if request.method == "GET":
        return _day_page(venue, fair_day)
    form = DayForm()
    if not form.validate():
        return _day_page(venue, fair_day, form=form, status=422)
    if _save_day(venue, form, fair_day.date) is None:
        return _day_page(venue, _day_or_404(venue, day), form=form, status=form.status)
    flash("day_saved", "success")
    return redirect(url_for("staff.day_edit", venue=venue.code, day=day))


@blueprint.post("/operations/<venue>/days/<day>/slots")
@staff_required(roles=MANAGERS)
def slot_set(venue: Venue, day: str):
    fair_day = _day_or_404(venue, day)
    form = SlotForm()
    if not form.validate():
        return _day_page(venue, fair_day, slot_form=form, status=422)
    try:
        with unit_of_work():
            operation_actions.set_slot(staff_actor(), fair_day, form.code.data,
                                       form.starts.data, form.ends.data, form.quota.data)
    except ServiceError as err:
        apply_service_error(form, err)
        return _day_page(venue, _day_or_404(venue, day), slot_form=form, status=err.status)
    flash("slot_saved", "success")
    return redirect(url_for("staff.day_edit", venue=venue.code, day=day))


@blueprint.route("/venues", methods=["GET", "POST"])
@staff_required(roles=ADMIN, venue_scoped=False)
def venues():
    form = VenueForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                with unit_of_work():
                    operation_actions.set_venue(staff_actor(), form.code.data,
                                                form.name_zh.data, form.name_en.data)
            except ServiceError as err:
                apply_service_error(form, err)
                status = err.status
            else:
                flash("venue_saved", "success")
                return redirect(url_for("staff.venues"))
    all_venues = venue_service.all_venues()
    return render_template("staff/venues.html", form=form, venues=all_venues), status
